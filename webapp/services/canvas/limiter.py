"""How many requests may be in flight on one token, sized from Canvas's throttle headers (§7)."""

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ConcurrencyLimiter:
    """Concurrency steered by the headroom Canvas reports, between 1 and `ceiling`.

    All threads using one token share its Canvas leaky bucket, so they share one limiter.
    Canvas admits a request while the bucket's level plus the up-front cost (50) is below the
    high-water mark, and every request holds that cost until it ends: concurrency, not the
    request rate, is what fills the bucket. An answer's `X-Rate-Limit-Remaining` is the room
    left once that request's hold is refunded, i.e. the room its slot's next request takes:

    * at or below `low_water` (one up-front cost) that request would tip the bucket, so the
      limit drops at once by the shortfall, in whole requests;
    * above `low_water` plus one up-front cost on every answer of a window (as many answers as
      the limit), with every slot in use, one more request fits: the limit grows by one;
    * a 403 halves it.

    A window is about one round trip. Answers report the bucket as Canvas counted it, before
    requests we sent since then arrived and after others we still count had ended, so a single
    answer can promise room that is not there; asking a whole window of them to agree keeps
    the limit from growing into the throttle, and cutting at most once per window keeps one
    burst of late answers from collapsing it.

    From an empty bucket Canvas's defaults (hwm 600) admit 11 requests at once; the bucket
    leaks while they run (10 units a second), so a long run of cheap requests earns room for
    a 12th, which the answers then show: hence the default ceiling of 12.
    """

    def __init__(self, ceiling: int = 12, *, low_water: float = 50.0, up_front_cost: float = 50.0) -> None:
        if ceiling < 1:
            raise ValueError("the concurrency ceiling must be at least 1")
        self.ceiling = ceiling
        self._low_water = low_water
        self._up_front_cost = up_front_cost
        self._limit = max(1, ceiling // 2)
        self._in_flight = 0
        self._changed = threading.Condition()
        self._start_window(self._limit, after_cut=False)

    @property
    def limit(self) -> int:
        return self._limit

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: self._in_flight < self._limit)
            self._in_flight += 1
        try:
            yield
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()

    def record(self, remaining: float | None, *, throttled: bool = False) -> None:
        """Adjust after one answer, whose slot is already released. No header, no change."""
        with self._changed:
            if throttled:
                self._answer(-math.inf, self._limit // 2)
            elif remaining is not None:
                cut = None
                if remaining <= self._low_water:
                    shortfall = math.floor((self._low_water - remaining) / self._up_front_cost) + 1
                    cut = self._limit - shortfall
                self._answer(remaining, cut)

    def _answer(self, remaining: float, cut: int | None) -> None:
        self._answers += 1
        self._lowest = min(self._lowest, remaining)
        self._idle = self._idle or self._in_flight + 1 < self._limit
        if cut is not None and not self._after_cut:
            before = self._limit
            self._set(cut)
            # The answers still to come are to requests sent before the cut.
            self._start_window(before, after_cut=True)
        elif self._answers >= self._window:
            if not self._after_cut and not self._idle and self._lowest > self._low_water + self._up_front_cost:
                self._set(self._limit + 1)
            self._start_window(self._limit, after_cut=False)

    def _set(self, limit: int) -> None:
        self._limit = min(self.ceiling, max(1, limit))
        self._changed.notify_all()

    def _start_window(self, size: int, *, after_cut: bool) -> None:
        self._window = size
        self._answers = 0
        self._lowest = math.inf
        self._idle = False
        self._after_cut = after_cut
