"""Running many Canvas calls at once, e.g. the module states of every student in a section."""

from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TypeVar

from .errors import CanvasError

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def run_concurrently(call: Callable[[K], T], keys: Iterable[K], *,
                     max_workers: int) -> Iterator[tuple[K, T | CanvasError]]:
    """Yield `(key, call(key))` as calls complete, or `(key, error)` when Canvas refused or failed.

    One student's failure never stops the others; other exceptions are bugs and propagate.
    Leaving the loop early (a cancelled job) drops the calls not yet started.
    """
    executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="canvas")
    try:
        futures = {executor.submit(call, key): key for key in keys}
        for future in as_completed(futures):
            try:
                result: T | CanvasError = future.result()
            except CanvasError as exc:
                result = exc
            yield futures[future], result
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
