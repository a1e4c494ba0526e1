"""How many requests may be in flight on one token, sized from Canvas's throttle headers (§7)."""

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ConcurrencyLimiter:
    """Concurrency sized from the headroom Canvas reports, between 1 and `ceiling`.

    All threads using one token share its Canvas leaky bucket, so they share one limiter.
    Canvas admits a request while the bucket's level plus the up-front cost (50) stays below
    the high-water mark, and every request holds that up-front cost until it ends: concurrency,
    not the request rate, is what fills the bucket. So after an answer reporting
    `X-Rate-Limit-Remaining` r, about (r - low_water) / up_front_cost more requests fit beside
    the ones still in flight while keeping `low_water` units spare; with Canvas's defaults
    (hwm 600) that is 11 at most from an empty bucket, hence a ceiling of 11. The limit drops to
    that figure at once when it is lower and climbs towards it by one per answer; a throttled
    answer (403) halves it, once per window of requests sent before the cut.
    The spare `low_water` absorbs answers whose figure is already stale (other requests ended
    or started between Canvas counting and us reading); it also keeps room for anyone else
    using the token.
    """

    def __init__(self, ceiling: int = 11, *, low_water: float = 50.0, up_front_cost: float = 50.0) -> None:
        if ceiling < 1:
            raise ValueError("the concurrency ceiling must be at least 1")
        self.ceiling = ceiling
        self._low_water = low_water
        self._up_front_cost = up_front_cost
        self._limit = max(1, ceiling // 2)
        self._in_flight = 0
        self._since_decrease = 0
        self._window = 0  # answers to await after a cut before another; none at first
        self._changed = threading.Condition()

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
        """Adjust after one answer (its slot already released): halve on a throttle, else
        move towards what the reported headroom allows. No header, no change."""
        with self._changed:
            self._since_decrease += 1
            if throttled:
                # Answers to requests sent before the last cut still report the old congestion;
                # halving once per window of those requests, as TCP does, keeps one burst from
                # collapsing the limit to 1.
                if self._since_decrease >= self._window:
                    self._window = self._limit
                    self._limit = max(1, self._limit // 2)
                    self._since_decrease = 0
            elif remaining is not None:
                room = math.floor((remaining - self._low_water) / self._up_front_cost)
                target = min(self.ceiling, max(1, self._in_flight + room))
                self._limit = target if target < self._limit else min(target, self._limit + 1)
            self._changed.notify_all()
