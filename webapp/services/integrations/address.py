"""The rules for a Canvas address: https (plain http only on this machine), just the site, a real
host name, and no internal targets: never link-local or cloud metadata addresses, and private or
loopback ones only where the setting CANVASLINK_ALLOW_PRIVATE_CANVAS allows them (`make run`, for
the simulator; a self-hosted Canvas on a private network).

The same rules hold for the addresses a host name resolves to, checked by every connection as it is
made (`connection_check`), since a name can resolve, or later rebind, to any address."""

import ipaddress
import re
from urllib.parse import urlsplit

from flask import current_app

from .. import DomainError
from ..canvas import AddressCheck, IPAddress

EXAMPLE = "https://yourcollege.instructure.com"
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
# A last label like these makes resolvers read the whole name as an IP address in another notation
# (2130706433, 0x7f.1, 127.1): only the plain dotted form is accepted, so the rules below see it.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
# Where clouds answer with machine credentials: most at 169.254.169.254, AWS's IPv6 one at
# fd00:ec2::254, Alibaba's at 100.100.100.200, Oracle's older one at 192.0.0.192.
_NEVER = [ipaddress.ip_network(network) for network in (
    "169.254.0.0/16", "fd00::/8", "100.100.100.200/32", "192.0.0.192/32")]
_PRIVATE = ("on this machine or a private network. canvaslink only connects to Canvas sites on the internet "
            "unless your administrator sets CANVASLINK_ALLOW_PRIVATE_CANVAS (for a self-hosted Canvas on your "
            "own network).")


def _refuse(text: str, field: str):
    raise DomainError(text, field)


def _ip_address(host: str) -> IPAddress | None:
    """The address when the host is an IP literal (None for a host name); refuses other numeric forms."""
    if ":" in host:
        return _unmapped(ipaddress.IPv6Address(host))  # urlsplit has checked the brackets' content
    if _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        return ipaddress.IPv4Address(host)  # ValueError for 2130706433, 127.1, 0177.0.0.1, 0x7f.0.0.1
    return None


def _unmapped(address: IPAddress) -> IPAddress:
    """::ffff:169.254.169.254 is 169.254.169.254 to the network."""
    return getattr(address, "ipv4_mapped", None) or address


def _never(address: IPAddress) -> bool:
    """Link-local or cloud metadata: refused whatever the setting says."""
    return address.is_link_local or any(address in network for network in _NEVER)


def _impossible(address: IPAddress) -> bool:
    return address.is_unspecified or address.is_multicast


def _is_internal_name(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


def check_host(host: str, field: str = "base_url") -> None:
    """A host name or plain IP address that is not an internal target (unless the setting allows)."""
    try:
        address = _ip_address(host)
    except ValueError:
        _refuse(f"“{host}” is not a host name. Enter the Canvas site's name, e.g. {EXAMPLE}.", field)
    if address is None:
        name = host.removesuffix(".")
        if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in name.split(".")):
            _refuse(f"“{host}” is not a host name. Enter the Canvas site's name, e.g. {EXAMPLE}.", field)
        if name.split(".")[0] == "metadata":
            _refuse("That is a cloud metadata service, not Canvas.", field)
        internal = _is_internal_name(name)
    else:
        if _never(address):
            _refuse("That is a link-local or cloud metadata address, not Canvas.", field)
        if _impossible(address):
            _refuse(f"{address} is not an address Canvas can have.", field)
        internal = not address.is_global  # private, loopback, carrier-grade NAT, reserved
    if internal and not current_app.config["CANVAS_ALLOW_PRIVATE_ADDRESSES"]:
        _refuse("That address is " + _PRIVATE, field)


def connection_check() -> AddressCheck:
    """The check each connection to Canvas makes, as it connects, of every address its host name
    resolves to (the Canvas client's `check_address`): the rules above, told with the name and the
    address. The setting is read now, as the check may run in a worker thread outside the app."""
    allow_private = current_app.config["CANVAS_ALLOW_PRIVATE_ADDRESSES"]

    def check(host: str, address: IPAddress) -> str | None:
        address = _unmapped(address)
        if _never(address):
            what = "a link-local or cloud metadata address, not Canvas."
        elif _impossible(address):
            what = "not an address Canvas can have."
        elif not address.is_global and not allow_private:
            what = _PRIVATE
        else:
            return None
        if host == str(address):
            return (f"canvaslink did not connect to Canvas at {host}: that is {what} Check the Canvas address of "
                    "the LMS integration (Manage › LMS integrations, page 2).")
        return (f"canvaslink did not connect to Canvas at {host}: the name resolves to {address}, which is {what} "
                "Check the Canvas address of the LMS integration (Manage › LMS integrations, page 2); if it is "
                "right, whoever runs the name's DNS must point it at Canvas.")

    return check


def _is_loopback(host: str) -> bool:
    if _is_internal_name(host):
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
    # "canvas.example.edu." is the same site: without its dot the rules below read 169.254.169.254. as the
    # address it is, not as a host name.
    host = (parts.hostname or "").lower().removesuffix(".")
    if parts.scheme not in ("http", "https") or not host or port == 0:
        raise DomainError(f"“{text}” is not a web address. Enter it like {EXAMPLE}.", field)
    if parts.username or parts.password:
        raise DomainError("Leave names and passwords out of the address; Canvas credentials go in the "
                          "Client ID, Client Secret or access token fields.", field)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise DomainError(f"Enter only the Canvas site, without “{parts.path}{'?' if parts.query else ''}"
                          f"{parts.query}”: e.g. {EXAMPLE}.", field)
    check_host(host, field)
    if parts.scheme == "http" and not _is_loopback(host):
        raise DomainError("Canvas must be reached over https: with plain http the secrets and student data "
                          "would cross the network unencrypted. Use the https:// address.", field)
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}{f':{port}' if port else ''}"
