"""Where the client gets its bearer token, and how it renews one Canvas rejected (reference §8)."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from .diagnosis import TRANSPORT_ERRORS, json_body, not_canvas, read_error_body
from .errors import AuthError, Unavailable
from .peers import AddressCheck, new_session


class TokenProvider(Protocol):
    def get_token(self) -> str:
        """The access token to send now."""
        ...

    def refresh_token(self) -> str:
        """Renew the access token after Canvas rejected it; raise AuthError if it cannot be renewed."""
        ...


class StaticToken:
    """A pasted access token (§8.2); there is nothing to renew it with."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self) -> str:
        return self._token

    def refresh_token(self) -> str:
        raise AuthError("A pasted access token cannot be renewed.")

    def __repr__(self) -> str:
        return "StaticToken(<hidden>)"


@dataclass(frozen=True)
class OAuthTokens:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float | None = None  # epoch seconds; None when the developer key does not expire tokens


class OAuthTokenProvider:
    """Access tokens from a developer key and a refresh token (the refresh_token grant, §8.1).

    Renews shortly before a known expiry and whenever Canvas rejects the token; every new
    token goes to `on_new_tokens` so the caller can store it. The token requests' connections meet
    `check_address` as the API calls' do.
    """

    # Renewing a minute early keeps requests sent just before the expiry from bouncing.
    _RENEW_EARLY = 60.0

    def __init__(self, base_url: str, client_id: str, client_secret: str, refresh_token: str, *,
                 access_token: str | None = None, expires_at: float | None = None,
                 on_new_tokens: Callable[[OAuthTokens], None] | None = None,
                 timeout: float | tuple[float, float] = (10, 30), clock: Callable[[], float] = time.time,
                 check_address: AddressCheck | None = None) -> None:
        self._base_url = base_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh = refresh_token
        self._access_token = access_token
        self._expires_at = expires_at
        self._on_new_tokens = on_new_tokens
        self._timeout = timeout
        self._clock = clock
        self._check_address = check_address
        self._lock = threading.Lock()

    def get_token(self) -> str:
        with self._lock:
            if self._access_token is None or (
                    self._expires_at is not None and self._clock() >= self._expires_at - self._RENEW_EARLY):
                return self._renew()
            return self._access_token

    def refresh_token(self) -> str:
        with self._lock:
            return self._renew()

    def _renew(self) -> str:
        tokens = request_tokens(self._base_url, {
            "grant_type": "refresh_token", "client_id": self._client_id,
            "client_secret": self._client_secret, "refresh_token": self._refresh,
        }, timeout=self._timeout, clock=self._clock, check_address=self._check_address)
        # Canvas keeps the original refresh token valid and usually sends no new one.
        tokens = OAuthTokens(tokens.access_token, tokens.refresh_token or self._refresh, tokens.expires_at)
        self._access_token, self._expires_at = tokens.access_token, tokens.expires_at
        if self._on_new_tokens is not None:
            self._on_new_tokens(tokens)
        return tokens.access_token

    def __repr__(self) -> str:
        return f"OAuthTokenProvider({self._base_url!r}, client_id={self._client_id!r}, <secrets hidden>)"


def exchange_authorization_code(base_url: str, client_id: str, client_secret: str, code: str,
                                redirect_uri: str, *, timeout: float | tuple[float, float] = (10, 30),
                                clock: Callable[[], float] = time.time,
                                check_address: AddressCheck | None = None) -> OAuthTokens:
    """Step 3 of the OAuth flow: trade the `code` Canvas sent to `redirect_uri` for tokens."""
    return request_tokens(base_url.rstrip("/"), {
        "grant_type": "authorization_code", "client_id": client_id, "client_secret": client_secret,
        "redirect_uri": redirect_uri, "code": code,
    }, timeout=timeout, clock=clock, check_address=check_address)


def request_tokens(base_url: str, form: dict[str, str], *, timeout: float | tuple[float, float],
                   clock: Callable[[], float], check_address: AddressCheck | None) -> OAuthTokens:
    """POST to Canvas's token endpoint. Not retried here: the client retries the call that needed the token.

    A fresh connection each time: tokens are renewed about hourly, not worth a pool to close.
    """
    host = urlsplit(base_url).netloc
    try:
        with new_session(check_address) as session:
            response = session.post(f"{base_url}/login/oauth2/token", data=form, timeout=timeout,
                                    allow_redirects=False)
    except TRANSPORT_ERRORS as exc:
        raise Unavailable(f"Could not reach Canvas at {host} to obtain an access token; try again later.") from exc
    body = json_body(response)
    message = read_error_body(body)[0]
    said = f" (Canvas said: {message})" if message else ""
    if response.status_code >= 500:
        raise Unavailable(f"Canvas at {host} failed with error {response.status_code} while issuing an "
                          f"access token; try again later.", status=response.status_code)
    if response.status_code == 401:
        raise AuthError(f"Canvas at {host} does not recognise the developer key{said}; check the Client ID "
                        f"and Client Secret.", status=401)
    if response.status_code == 400:
        raise AuthError(f"Canvas at {host} refused to issue an access token{said}; authorise the "
                        f"integration again.", status=400)
    if not response.ok or not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise not_canvas(response, "an access token", f"HTTP {response.status_code}")
    expires_in = body.get("expires_in")
    return OAuthTokens(
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token"),
        expires_at=clock() + float(expires_in) if isinstance(expires_in, int | float) else None,
    )
