"""The rules for a Canvas address: https (plain http only on this machine), just the site."""

import ipaddress
from urllib.parse import urlsplit

from . import DomainError

EXAMPLE = "https://yourcollege.instructure.com"


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_canvas_address(text: str, field: str = "base_url") -> str:
    """`https://Canvas.Example.edu/` → `https://canvas.example.edu`; anything else is refused with the reason."""
    text = (text or "").strip()
    if not text:
        raise DomainError(f"Enter the Canvas address, e.g. {EXAMPLE}.", field)
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise DomainError(f"“{text}” is not a web address. Enter it like {EXAMPLE}.", field) from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise DomainError(f"“{text}” is not a web address. Enter it like {EXAMPLE}.", field)
    if parts.username or parts.password:
        raise DomainError("Leave names and passwords out of the address; Canvas credentials go in the "
                          "Client ID, Client Secret or access token fields.", field)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise DomainError(f"Enter only the Canvas site, without “{parts.path}{'?' if parts.query else ''}"
                          f"{parts.query}”: e.g. {EXAMPLE}.", field)
    if parts.scheme == "http" and not _is_loopback(host):
        raise DomainError("Canvas must be reached over https: with plain http the secrets and student data "
                          "would cross the network unencrypted. Use the https:// address.", field)
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}{f':{port}' if port else ''}"
