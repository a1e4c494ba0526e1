"""HTTP sessions that check every address a connection is about to reach, as it connects.

A Canvas address is checked when staff type it, but a host name can resolve, or later rebind, to an
address canvaslink must never reach (a cloud's metadata service hands out the machine's credentials).
So each new connection looks its host name up itself, asks `check` about every address found, and
connects only to those addresses: the answer that was checked is the one that is used, and a name
whose answer changes is checked again at its next connection.

Through a proxy (HTTPS_PROXY in the environment) the proxy looks the name up, out of canvaslink's
sight: there the proxy is what decides where connections go.
"""

import ipaddress
import socket
import sys
from collections.abc import Callable

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
)
from urllib3.util.connection import allowed_gai_family, create_connection

from .errors import RefusedAddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host name, one address it resolves to) → why canvaslink will not connect there, or None.
AddressCheck = Callable[[str, IPAddress], str | None]


def checked_addresses(host: str, port: int, check: AddressCheck) -> list[str]:
    """The addresses `host` resolves to now, once every one of them passed `check`. One refused
    address refuses the name: a Canvas site never resolves to one, and a connection that failed on
    the others would fall back to it."""
    name = host.strip("[]")
    found = socket.getaddrinfo(name, port, allowed_gai_family(), socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(sockaddr[0] for *_, sockaddr in found))
    for address in addresses:
        reason = check(name.rstrip("."), ipaddress.ip_address(address))
        if reason:
            raise RefusedAddress(reason)
    return addresses


class _CheckedConnection(HTTPConnection):
    """urllib3's connection, connecting only to addresses `check` passed (set per session)."""

    check: AddressCheck

    def _new_conn(self) -> socket.socket:
        # urllib3's own _new_conn, with the lookup done (and checked) here instead of in create_connection.
        try:
            sock = self._connect_checked()
        except socket.gaierror as e:
            raise NameResolutionError(self.host, self, e) from e
        except TimeoutError as e:
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})") from e
        except OSError as e:
            raise NewConnectionError(self, f"Failed to establish a new connection: {e}") from e
        sys.audit("http.client.connect", self, self.host, self.port)
        return sock

    def _connect_checked(self) -> socket.socket:
        """A socket to the first checked address that answers, tried in the resolver's order."""
        failure: OSError | None = None
        for address in checked_addresses(self._dns_host, self.port, self.check):
            try:
                return create_connection((address, self.port), self.timeout, source_address=self.source_address,
                                         socket_options=self.socket_options)
            except OSError as exc:
                failure = exc
        raise failure or OSError(f"{self.host} resolves to no address")


class _CheckedAdapter(HTTPAdapter):
    def __init__(self, check: AddressCheck, **options) -> None:
        # Bound to this session's check: a class attribute, as urllib3 builds connections from classes.
        self._pool_classes = {
            "http": type("CheckedHTTPConnectionPool", (HTTPConnectionPool,), {
                "ConnectionCls": type("CheckedHTTPConnection", (_CheckedConnection,), {"check": staticmethod(check)})}),
            "https": type("CheckedHTTPSConnectionPool", (HTTPSConnectionPool,), {
                "ConnectionCls": type("CheckedHTTPSConnection", (_CheckedConnection, HTTPSConnection),
                                      {"check": staticmethod(check)})}),
        }
        super().__init__(**options)  # which builds the pool manager

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pool_classes


def new_session(check: AddressCheck | None, pool_size: int = 10) -> requests.Session:
    """A session for Canvas calls; with `check`, every connection it makes is checked (above)."""
    session = requests.Session()
    # No urllib3 Retry here: the Canvas transport retries itself, so that the limiter, the throttle
    # budget and the injected sleep see every attempt.
    options = {"pool_maxsize": pool_size, "max_retries": 0}
    adapter = _CheckedAdapter(check, **options) if check else HTTPAdapter(**options)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"Accept": "application/json", "User-Agent": "canvaslink"})
    return session
