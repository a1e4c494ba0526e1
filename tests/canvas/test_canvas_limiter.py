"""The shared limiter sizes concurrency from X-Rate-Limit-Remaining: additive increase, multiplicative decrease."""

import threading

import pytest

from webapp.services.canvas import ConcurrencyLimiter

COURSE = {"id": 55, "name": "WHS"}


def test_starts_at_half_the_ceiling_and_grows_by_about_one_per_window():
    limiter = ConcurrencyLimiter(8)
    assert limiter.limit == 4

    for _ in range(5):
        limiter.record(550.0)
    assert limiter.limit == 5

    for _ in range(100):
        limiter.record(550.0)
    assert limiter.limit == 8  # never above the ceiling


def test_a_low_bucket_halves_once_per_window_not_once_per_answer():
    limiter = ConcurrencyLimiter(8)
    for _ in range(100):
        limiter.record(550.0)

    for _ in range(7):  # answers to requests already in flight report the same congestion
        limiter.record(120.0)
    assert limiter.limit == 4

    limiter.record(100.0)
    assert limiter.limit == 4
    for _ in range(4):
        limiter.record(80.0)
    assert limiter.limit == 2


def test_throttling_halves_and_the_floor_is_one():
    limiter = ConcurrencyLimiter(4)
    for _ in range(20):
        limiter.record(0.0, throttled=True)
    assert limiter.limit == 1


def test_answers_without_the_header_change_nothing():
    limiter = ConcurrencyLimiter(8)
    for _ in range(20):
        limiter.record(None)
    assert limiter.limit == 4


def test_a_ceiling_below_one_is_refused():
    with pytest.raises(ValueError):
        ConcurrencyLimiter(0)


def test_slots_beyond_the_limit_wait_for_a_release():
    limiter = ConcurrencyLimiter(4)  # limit 2
    inside, release = [], threading.Event()
    lock = threading.Lock()
    peak = [0]

    def work(n: int) -> None:
        with limiter.slot():
            with lock:
                inside.append(n)
                peak[0] = max(peak[0], len(inside))
            release.wait(timeout=5)
            with lock:
                inside.remove(n)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    release.wait(timeout=0.1)  # give every thread the chance to enter
    assert len(inside) == 2
    release.set()
    for thread in threads:
        thread.join()
    assert peak[0] == 2 and inside == []


def test_the_client_feeds_canvas_headers_to_its_limiter(canvas, make_client, url):
    limiter = ConcurrencyLimiter(8)
    client = make_client(limiter=limiter)
    canvas.get(url("/api/v1/courses/55"), json=COURSE, headers={"X-Rate-Limit-Remaining": "90.0"})
    canvas.get(url("/api/v1/courses/55"), status=403, body="403 Forbidden (Rate Limit Exceeded)\n",
               headers={"X-Rate-Limit-Remaining": "0.0"})
    canvas.get(url("/api/v1/courses/55"), json=COURSE, headers={"X-Rate-Limit-Remaining": "590.0"})

    client.get_course(55)
    assert limiter.limit == 2
    client.get_course(55)
    assert limiter.limit == 2  # the throttle came in the same window; the healthy answer then grew it by 1/2
