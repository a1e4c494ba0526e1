"""How many requests may be in flight on one token, sized from Canvas's throttle headers (§7):
in one process (ConcurrencyLimiter), or shared through Redis by every worker (SharedLimiter)."""

import math
import threading
import uuid
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

    def record(self, remaining: float | None, *, throttled: bool = False, cost: float | None = None) -> None:
        """Adjust after one answer, whose slot is already released. No header, no change. The
        cost is for SharedLimiter's pacing; concurrency alone needs none."""
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


# Canvas's throttle defaults (reference §7).
HIGH_WATER_MARK = 600.0
OUTFLOW = 10.0
UP_FRONT_COST = 50.0

# KEYS: state hash, lease set. Every time is Redis's clock, so machines need not agree on theirs.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local ceiling, ttl, hwm, outflow, up_front, margin =
  tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local n = redis.call('ZCARD', KEYS[2])
if n >= ceiling then return '-1' end
local s = redis.call('HMGET', KEYS[1], 'level', 'level_t', 'cost')
local level, cost = tonumber(s[1]) or 0, tonumber(s[3]) or 0
level = math.max(level - outflow * (now - (tonumber(s[2]) or now)), -up_front * n)
local excess = level + up_front * (n + 1) + cost - (hwm - margin)
if excess > 0 then return tostring(excess / outflow) end
redis.call('HSET', KEYS[1], 'level', level + cost, 'level_t', now)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
redis.call('EXPIRE', KEYS[1], 3600)
redis.call('EXPIRE', KEYS[2], 3600)
return '0'
"""

# KEYS: state hash, lease set, wake list. ARGV: remaining ('' unknown), cost ('' unknown), hwm,
# up_front, the answered request's lease ('' already released), ceiling, outflow.
_RECORD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local hwm, up_front = tonumber(ARGV[3]), tonumber(ARGV[4])
if ARGV[5] ~= '' then
  redis.call('ZREM', KEYS[2], ARGV[5])
  redis.call('LPUSH', KEYS[3], 1)
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[6]))
  redis.call('EXPIRE', KEYS[3], 60)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local n = redis.call('ZCARD', KEYS[2])
local cost = tonumber(redis.call('HGET', KEYS[1], 'cost'))
if ARGV[2] ~= '' then
  local seen = tonumber(ARGV[2])
  cost = cost and (cost * 0.8 + seen * 0.2) or seen
  redis.call('HSET', KEYS[1], 'cost', cost)
end
if ARGV[1] ~= '' then
  local level = hwm - tonumber(ARGV[1]) - up_front * n + (cost or 0) * n
  -- An answer read late (a busy worker) counts as holds requests Canvas has already settled, so
  -- it may understate the bucket: beyond the leak, one answer lowers the estimate only a little.
  local s = redis.call('HMGET', KEYS[1], 'level', 'level_t')
  if s[1] then
    local leaked = tonumber(s[1]) - tonumber(ARGV[7]) * (now - tonumber(s[2]))
    level = math.max(level, leaked - math.max(5, 2 * (cost or 0)))
  end
  redis.call('HSET', KEYS[1], 'level', math.max(level, -up_front * n), 'level_t', now)
end
redis.call('EXPIRE', KEYS[1], 3600)
return 0
"""


class SharedLimiter:
    """One Canvas token's limiter for every thread of every worker on every machine, in Redis.

    Canvas's bucket (reference §7) is kept as an estimate: `level` is what finished requests
    cost, leaking at the outflow rate, reset from each answer's `X-Rate-Limit-Remaining` (less
    the up-front cost each of our other requests still holds); every request in flight holds a
    lease worth the up-front cost. A request is sent only when Canvas would admit it:

        level + up_front * (requests in flight + 1) + expected cost <= high-water mark - margin

    so cheap requests are limited by how many are in flight (about 11), and costly ones, once
    their costs fill the bucket, by the rate it leaks (outflow / cost a second), without
    throttled answers in either regime. The expected cost is a running mean of `X-Request-Cost`.

    A lease expires after `lease_seconds`, so a crashed worker's requests stop counting. The
    lease of a request that got an answer is released by `record`, in the same call to Redis.
    """

    def __init__(self, redis, key: str, *, ceiling: int = 12, lease_seconds: float = 30.0,
                 high_water_mark: float = HIGH_WATER_MARK, outflow: float = OUTFLOW,
                 up_front_cost: float = UP_FRONT_COST, margin: float = 5.0) -> None:
        self.ceiling = ceiling
        self._redis = redis
        self._keys = (f"{key}:state", f"{key}:leases")
        self._wake = f"{key}:wake"
        self._acquire = redis.register_script(_ACQUIRE)
        self._record = redis.register_script(_RECORD)
        self._settings = (ceiling, lease_seconds, high_water_mark, outflow, up_front_cost, margin)
        self._hwm, self._up_front, self._outflow = high_water_mark, up_front_cost, outflow
        self._answered = threading.local()  # the lease of this thread's answered request, until recorded

    @contextmanager
    def slot(self) -> Iterator[None]:
        self._release(getattr(self._answered, "lease", None))
        lease = uuid.uuid4().hex
        while True:
            wait = float(self._acquire(keys=self._keys, args=[lease, *self._settings]))
            if wait == 0:
                break
            # Woken by any request that ends, or when the bucket has leaked enough.
            self._redis.blpop([self._wake], timeout=0.25 if wait < 0 else min(max(wait, 0.005), 0.25))
        try:
            yield
        except BaseException:
            self._release(lease)
            raise
        self._answered.lease = lease

    def _release(self, lease: str | None) -> None:
        if lease is not None:
            self._answered.lease = None
            with self._redis.pipeline() as pipe:
                pipe.zrem(self._keys[1], lease).lpush(self._wake, 1).ltrim(self._wake, 0, self.ceiling)
                pipe.expire(self._wake, 60).execute()

    def record(self, remaining: float | None, *, throttled: bool = False, cost: float | None = None) -> None:
        """After one answer: releases its lease, and sets the estimate from the headers. A
        throttled answer reports no room left."""
        if throttled:
            remaining = 0.0
        lease, self._answered.lease = getattr(self._answered, "lease", None), None
        self._record(keys=[*self._keys, self._wake],
                     args=["" if remaining is None else remaining, "" if cost is None else cost, self._hwm,
                           self._up_front, lease or "", self.ceiling, self._outflow])
