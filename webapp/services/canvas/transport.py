"""One Canvas API call made dependable: bearer auth, the limiter, retries, throttling and token renewal."""

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from .backoff import Backoff
from .diagnosis import (
    TRANSPORT_ERRORS,
    error_for_response,
    is_json,
    is_throttled,
    is_token_rejected,
    not_canvas,
    rate_limit_remaining,
    raw_detail,
    request_cost,
    retry_after,
)
from .errors import AuthError, BadResponse, ThrottledTooLong, Unavailable
from .limiter import ConcurrencyLimiter, SharedLimiter
from .pagination import next_page_url
from .peers import AddressCheck, new_session
from .tokens import TokenProvider

log = logging.getLogger(__name__)

# A list of pairs, so that repeated keys such as include[] or state[] survive.
Params = Sequence[tuple[str, str | int]]
Timeout = float | tuple[float, float]


class _DamagedBody(BadResponse):
    """Canvas's JSON came back cut or garbled; unlike a page that is not JSON at all, worth retrying."""


class _Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request


class Transport:
    def __init__(self, base_url: str, tokens: TokenProvider, *, timeout: Timeout, limiter: ConcurrencyLimiter | SharedLimiter,
                 max_attempts: int, max_throttle_wait: float, backoff: Backoff,
                 sleep: Callable[[float], None], observe: Callable[[bool, bool], None] | None = None,
                 check_address: AddressCheck | None = None,
                 on_token: Callable[[str | None], None] | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{base_url!r} is not a web address such as https://canvas.example.edu")
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter
        self._host = parts.netloc
        self._tokens = tokens
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._max_throttle_wait = max_throttle_wait
        self._backoff = backoff
        self._sleep = sleep
        self._observe = observe
        self._on_token = on_token
        self._session = new_session(check_address, limiter.ceiling)
        # Proxy and certificate settings from the environment, read once: they depend only on the host.
        self._send_settings = self._session.merge_environment_settings(self.base_url, {}, None, None, None)
        self._renewing = threading.Lock()

    def close(self) -> None:
        self._session.close()

    def call(self, method: str, path: str, what: str, *, params: Params = (), data: dict[str, str] | None = None,
             repeatable: bool = True) -> Any:
        """The decoded JSON answer. `repeatable=False` for calls that may not be sent twice."""
        return self._request(method, self._url(path, params), what, data, repeatable)[0]

    def pages(self, path: str, what: str, params: Params = ()) -> Iterator[Any]:
        """The elements of every page of a Canvas list, 100 a page, following rel="next" (§6)."""
        url: str | None = self._url(path, [*params, ("per_page", 100)])
        while url is not None:
            body, response = self._request("GET", url, what, None, True)
            if not isinstance(body, list):
                raise not_canvas(response, what, "it is not a list")
            yield from body
            url = next_page_url(response, self.base_url, what)

    def _url(self, path: str, params: Params) -> str:
        url = self.base_url + path
        return f"{url}?{urlencode(params)}" if params else url

    def _request(self, method: str, url: str, what: str, data: dict[str, str] | None,
                 repeatable: bool) -> tuple[Any, requests.Response]:
        failures = throttles = 0
        throttled_for = 0.0
        renewed = False
        while True:
            try:
                token, response = self._attempt(method, url, data, what)
                if is_throttled(response):
                    throttled_for += self._wait_out_throttle(response, throttles, throttled_for, what)
                    throttles += 1
                    # Canvas answered, so it is up: only failures in a row exhaust the attempts,
                    # or a long throttled spell would collect sporadic faults until it gave up.
                    failures = 0
                    continue
                if is_token_rejected(response) and not renewed:
                    self._renew(token, response, what)
                    renewed = True
                    continue
                if not is_token_rejected(response):
                    self._tell_token(None)
                return self._decode(response, what), response
            except AuthError as rejected:  # the token was refused and could not be renewed
                self._tell_token(str(rejected))
                raise
            except (Unavailable, _DamagedBody) as problem:
                failures += 1
                if not repeatable or failures >= self._max_attempts:
                    raise
                delay = self._backoff.delay(failures - 1)
                log.warning("Canvas %s %s failed (%s); retry %d of %d in %.1f s", method, urlsplit(url).path,
                            problem, failures, self._max_attempts - 1, delay)
                self._sleep(delay)

    def _attempt(self, method: str, url: str, data: dict[str, str] | None,
                 what: str) -> tuple[str, requests.Response]:
        token = self._tokens.get_token()
        request = self._session.prepare_request(requests.Request(method, url, data=data, auth=_Bearer(token)))
        request.url = url  # requests would unescape %2E back into ".", which Canvas must not see (§1)
        try:
            with self.limiter.slot():
                response = self._session.send(request, timeout=self._timeout, allow_redirects=False,
                                              **self._send_settings)
        except TRANSPORT_ERRORS as exc:
            # One message whether the port is closed, filtered or slow: the wizard must not become a
            # port scanner. The log keeps the reason.
            log.info("Canvas %s %s: %s", method, urlsplit(url).path, exc)
            self._count(throttled=False, error=True)
            raise Unavailable(f"Canvas at {self._host} could not be reached while working on {what}; check the "
                              "address, or try again later.") from exc
        throttled = is_throttled(response)
        self.limiter.record(rate_limit_remaining(response), throttled=throttled, cost=request_cost(response))
        self._count(throttled=throttled, error=not throttled and response.status_code >= 400)
        return token, response

    def _count(self, *, throttled: bool, error: bool) -> None:
        """Tell the observer (the integration's call counter) about one attempt; counting is never
        worth failing a call for."""
        if self._observe is None:
            return
        try:
            self._observe(throttled, error)
        except Exception:
            log.debug("Counting a Canvas call failed", exc_info=True)

    def _tell_token(self, failure: str | None) -> None:
        """Tell whoever keeps the token's health (the integration) that Canvas took the token, or why
        it did not; never worth failing a call for."""
        if self._on_token is None:
            return
        try:
            self._on_token(failure)
        except Exception:
            log.warning("Recording the Canvas token's state failed", exc_info=True)

    def _wait_out_throttle(self, response: requests.Response, throttles: int, throttled_for: float,
                           what: str) -> float:
        delay = max(self._backoff.delay(throttles), retry_after(response))
        if throttled_for + delay > self._max_throttle_wait:
            raise ThrottledTooLong(f"Canvas kept throttling requests for {what} for {throttled_for:.0f} s; "
                                   f"it is busy, try again later.", status=response.status_code)
        log.info("Canvas throttled %s; retrying in %.1f s", urlsplit(response.url).path, delay)
        self._sleep(delay)
        return delay

    def _renew(self, rejected_token: str, response: requests.Response, what: str) -> None:
        with self._renewing:
            # Threads rejected together renew once; the others retry with the token it gave.
            if self._tokens.get_token() != rejected_token:
                return
            try:
                self._tokens.refresh_token()
            except AuthError as exc:
                rejected = error_for_response(response, what)
                raise AuthError(f"{rejected} Renewing the token failed: {exc}", status=rejected.status,
                                detail=rejected.detail) from exc

    def _decode(self, response: requests.Response, what: str) -> Any:
        if response.status_code >= 300:
            raise error_for_response(response, what)
        if not is_json(response):
            raise not_canvas(response, what, "it is not JSON")
        try:
            return response.json()
        except ValueError as exc:
            raise _DamagedBody(f"Canvas sent a damaged answer for {what}; try again later.",
                               status=response.status_code, detail=raw_detail(response)) from exc

