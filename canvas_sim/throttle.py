"""Canvas's request throttle (reference §7): a leaky bucket per access token.

Mirrors app/middleware/request_throttle.rb and increment_bucket.lua: on arrival the
bucket leaks and is charged the up-front cost; a bucket at or over the high-water
mark refuses the request; on completion the up-front cost is refunded and the real
cost charged. Concurrency is what fills the bucket: every in-flight request holds
its up-front cost.
"""

import hashlib
import threading
from dataclasses import dataclass

from .settings import Settings

RATE_LIMIT_BODY = b"403 Forbidden (Rate Limit Exceeded)\n"


@dataclass
class Bucket:
    count: float = 0.0
    last_touched: float | None = None
    peak: float = 0.0
    throttled: int = 0


def bucket_key(token: str) -> str:
    """Canvas keys buckets by a hash of the token; figures never show the token itself."""
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:12]


class Throttle:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._buckets: dict[str, Bucket] = {}

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()

    def _increment(self, bucket: Bucket, amount: float) -> float:
        """increment_bucket.lua: leak since last touch (only a positive count leaks), add, clip."""
        s = self.settings
        now = s.clock()
        last = now if bucket.last_touched is None else bucket.last_touched
        count = bucket.count
        if count > 0:
            loss = s.throttle_outflow * (now - last)
            if loss > 0:
                count -= loss
        bucket.count = min(max(count + amount, 0.0), s.throttle_maximum)
        bucket.last_touched = now
        bucket.peak = max(bucket.peak, bucket.count)
        return bucket.count

    def reserve(self, token: str) -> bool:
        """Charge the up-front cost; False means the request is throttled."""
        with self._lock:
            bucket = self._buckets.setdefault(bucket_key(token), Bucket())
            allowed = self._increment(bucket, self.settings.throttle_up_front_cost) < self.settings.throttle_hwm
            bucket.throttled += not allowed
            return allowed

    def settle(self, token: str, cost: float) -> float:
        """Refund the up-front cost, charge the real one; returns X-Rate-Limit-Remaining."""
        with self._lock:
            bucket = self._buckets[bucket_key(token)]
            count = self._increment(bucket, cost - self.settings.throttle_up_front_cost)
            return self.settings.throttle_hwm - count

    def figures(self) -> dict[str, dict]:
        """Each bucket's level as of now (leaked, not stored), its peak and refusals."""
        s = self.settings
        now = s.clock()
        with self._lock:
            levels = {key: max(b.count - s.throttle_outflow * (now - b.last_touched), 0.0) if b.count > 0 else 0.0
                      for key, b in self._buckets.items()}
            return {key: {"count": levels[key], "remaining": s.throttle_hwm - levels[key],
                          "peak": b.peak, "throttled": b.throttled}
                    for key, b in self._buckets.items()}
