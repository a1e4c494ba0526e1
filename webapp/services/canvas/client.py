"""The Canvas REST client: one instance, one token, one transport, and the calls canvaslink makes
(`calls/`, one module per kind of Canvas object) as typed objects."""

import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TypeVar

from .backoff import Backoff
from .calls.accounts import AccountCalls
from .calls.courses import CourseCalls
from .calls.enrolments import EnrolmentCalls
from .calls.users import UserCalls
from .errors import CanvasError
from .fanout import run_concurrently
from .limiter import ConcurrencyLimiter, SharedLimiter
from .peers import AddressCheck
from .tokens import TokenProvider
from .transport import Timeout, Transport

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class CanvasClient(UserCalls, AccountCalls, CourseCalls, EnrolmentCalls):
    """One Canvas instance, one token; safe to share between threads, which then share its limiter.

    `timeout` is (connect, read) seconds per request; `max_attempts` bounds the tries of a
    call that fails (5xx, timeout, dropped connection, damaged JSON); throttled calls are
    retried until `max_throttle_wait` seconds of waiting in total. `limiter` lets clients
    that use one token share one limiter; otherwise it is sized by `max_concurrency`.
    `sleep` is injectable so tests need not wait. `observe(throttled, error)` hears of every attempt
    (the integration's call counts). `check_address` is asked about every address a connection is
    about to reach, and refuses it with its reason (`peers`; RefusedAddress). `on_token(failure)` of the
    token after each answer: None when Canvas took it, else why it was refused and could not be renewed
    (the integration's health).

    Every method raises a `CanvasError` subclass whose message names the Canvas object.
    """

    def __init__(self, base_url: str, token_provider: TokenProvider, *, timeout: Timeout = (10, 60),
                 max_concurrency: int = 8, max_attempts: int = 5, max_throttle_wait: float = 600.0,
                 backoff: Backoff = Backoff(), sleep: Callable[[float], None] = time.sleep,
                 limiter: ConcurrencyLimiter | SharedLimiter | None = None,
                 observe: Callable[[bool, bool], None] | None = None,
                 check_address: AddressCheck | None = None,
                 on_token: Callable[[str | None], None] | None = None) -> None:
        self._http = Transport(base_url, token_provider, timeout=timeout,
                               limiter=limiter or ConcurrencyLimiter(max_concurrency), max_attempts=max_attempts,
                               max_throttle_wait=max_throttle_wait, backoff=backoff, sleep=sleep, observe=observe,
                               check_address=check_address, on_token=on_token)

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "CanvasClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Many calls at once -------------------------------------------------------------------

    def run_concurrently(self, call: Callable[[K], T], keys: Iterable[K], *,
                         max_workers: int | None = None) -> Iterator[tuple[K, T | CanvasError]]:
        """Yield `(key, result or CanvasError)` as calls complete, e.g.
        `client.run_concurrently(lambda uid: client.get_student_module_states(course_id, uid), user_ids)`.

        More threads than the limiter's ceiling would only queue, hence the default.
        """
        return run_concurrently(call, keys, max_workers=max_workers or self._http.limiter.ceiling)


