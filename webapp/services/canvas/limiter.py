"""How many requests may be in flight on one token, sized from Canvas's throttle headers (§7)."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ConcurrencyLimiter:
    """Additive increase, multiplicative decrease of concurrency, between 1 and `ceiling`.

    All threads using one token share its Canvas leaky bucket, so they share one limiter.
    Every request charges the bucket an up-front 50 units while in flight, so with the
    default high-water mark of 600 the 12th parallel request is throttled; hence a
    ceiling of 8 and shrinking when `X-Rate-Limit-Remaining` falls below `low_water`.
    """

    def __init__(self, ceiling: int = 8, *, low_water: float = 150.0) -> None:
        if ceiling < 1:
            raise ValueError("the concurrency ceiling must be at least 1")
        self.ceiling = ceiling
        self._low_water = low_water
        self._limit = max(1.0, ceiling / 2)
        self._in_flight = 0
        self._since_decrease = 0
        self._window = 0.0  # answers to await after a decrease before another; none at first
        self._changed = threading.Condition()

    @property
    def limit(self) -> int:
        return int(self._limit)

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: self._in_flight < int(self._limit))
            self._in_flight += 1
        try:
            yield
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()

    def record(self, remaining: float | None, *, throttled: bool = False) -> None:
        """Adjust after one answer: shrink on a throttle or a low bucket, else grow slowly."""
        with self._changed:
            self._since_decrease += 1
            if throttled or (remaining is not None and remaining < self._low_water):
                # Answers to requests sent before the last decrease still report the old
                # congestion; halving once per window of those requests, as TCP does,
                # keeps one burst from collapsing the limit to 1.
                if self._since_decrease >= self._window:
                    self._window = self._limit
                    self._limit = max(1.0, self._limit / 2)
                    self._since_decrease = 0
            elif remaining is not None:
                self._limit = min(float(self.ceiling), self._limit + 1 / self._limit)
            self._changed.notify_all()
