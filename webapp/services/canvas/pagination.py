"""Following Canvas's `Link` header (reference §6)."""

from urllib.parse import SplitResult, urljoin, urlsplit

import requests
from requests.utils import parse_header_links

from .diagnosis import not_canvas


def next_page_url(response: requests.Response, base_url: str, what: str) -> str | None:
    """The `rel="next"` URL, verbatim (it is opaque: `page=` may be a bookmark), or None on the last page."""
    for link in parse_header_links(response.headers.get("Link", "")):
        if "next" in link.get("rel", "").lower().split():
            url = _behind_proxy(urljoin(response.url, link["url"]), base_url)
            # The next request carries the bearer token, so it must stay on this Canvas.
            if not _same_origin(url, base_url):
                raise not_canvas(response, what, "its next page is on another host")
            return url
    return None


def _behind_proxy(url: str, base_url: str) -> str:
    """Canvas behind a proxy that ends TLS writes `http://` links to its own host: they are read on the
    integration's https address (never sent in clear, so the token is not either)."""
    a, b = urlsplit(url), urlsplit(base_url)
    if (a.scheme, b.scheme) == ("http", "https") and a.hostname == b.hostname and a.port in (None, 80):
        return a._replace(scheme="https", netloc=b.netloc).geturl()
    return url


def _same_origin(url: str, base_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(base_url)
    return (a.scheme, a.hostname, _port(a)) == (b.scheme, b.hostname, _port(b))


def _port(parts: SplitResult) -> int | None:
    return parts.port or {"https": 443, "http": 80}.get(parts.scheme)
