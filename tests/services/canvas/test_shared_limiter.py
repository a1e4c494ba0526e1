"""The limiter every worker shares for one Canvas token, in the real Redis the tests use."""

import threading
import time
import uuid

from redis import Redis

from webapp.services.canvas import SharedLimiter


def _limiters(redis_url: str, count: int, **options) -> list[SharedLimiter]:
    """`count` workers' limiters for one token."""
    key = f"test-limiter:{uuid.uuid4().hex}"
    return [SharedLimiter(Redis.from_url(redis_url), key, **options) for _ in range(count)]


def test_two_workers_on_one_token_share_one_ceiling(redis_url):
    limiters = _limiters(redis_url, 2, ceiling=6)
    in_flight, peak, lock = [0], [0], threading.Lock()

    def request(limiter: SharedLimiter) -> None:
        with limiter.slot():
            with lock:
                in_flight[0] += 1
                peak[0] = max(peak[0], in_flight[0])
            time.sleep(0.05)  # the request's round trip
            with lock:  # Canvas answers: the up-front cost of the others still in flight stays held
                in_flight[0] -= 1
                remaining = 600.0 - 50 * in_flight[0] - 0.05
        limiter.record(remaining, cost=0.05)  # which ends the request's lease

    threads = [threading.Thread(target=request, args=(limiters[i % 2],)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Six in flight for the token, not six for each worker.
    assert peak[0] == 6


def test_a_crashed_workers_requests_stop_counting_when_their_leases_expire(redis_url):
    # A bucket that barely leaks: only the expiry of the dead worker's leases can make room.
    crashed, alive = _limiters(redis_url, 2, lease_seconds=0.5, outflow=0.001)
    held = [crashed.slot() for _ in range(11)]  # in flight when the worker died: never released
    for slot in held:
        slot.__enter__()

    began = time.monotonic()
    with alive.slot():
        waited = time.monotonic() - began

    assert waited >= 0.4


def test_costly_answers_pace_requests_to_the_rate_the_bucket_leaks(redis_url):
    (limiter,) = _limiters(redis_url, 1, outflow=100.0)
    with limiter.slot():
        pass
    limiter.record(50.0, cost=10.0)  # the bucket is nearly full and a request costs 10 units

    began = time.monotonic()
    for _ in range(5):
        with limiter.slot():
            pass
        limiter.record(None, cost=10.0)
    elapsed = time.monotonic() - began

    # 5 requests of 10 units leak away at 100 units a second: at least 0.5 s, however fast Canvas is.
    assert elapsed >= 0.45
