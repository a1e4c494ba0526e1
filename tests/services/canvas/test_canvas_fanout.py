"""Many calls at once: every key comes back, with its result or its Canvas error."""

import threading

import pytest

from webapp.services.canvas import NotFound, run_concurrently


def test_every_key_comes_back_with_its_result_or_error():
    def call(n: int) -> int:
        if n % 3 == 0:
            raise NotFound(f"Canvas has no user {n}.")
        return n * n

    results = dict(run_concurrently(call, range(30), max_workers=4))

    assert set(results) == set(range(30))
    assert all(results[n] == n * n for n in range(30) if n % 3)
    assert str(results[9]) == "Canvas has no user 9."


def test_bugs_are_not_swallowed():
    def call(n: int) -> int:
        raise KeyError(n)

    with pytest.raises(KeyError):
        list(run_concurrently(call, [1], max_workers=1))


def test_leaving_early_drops_the_calls_not_started():
    called, gate = [], threading.Event()

    def call(n: int) -> int:
        called.append(n)
        if n:
            gate.wait(timeout=5)
        return n

    results = run_concurrently(call, range(10), max_workers=1)
    assert next(results) == (0, 0)
    threading.Timer(0.05, gate.set).start()  # frees the running call once the rest are cancelled
    results.close()

    assert called in ([0], [0, 1])  # at most the call already running when the loop was left


def test_the_client_sizes_its_pool_by_the_limiter_ceiling(make_canvas_client):
    client = make_canvas_client(max_concurrency=3)
    threads: set[str] = set()
    barrier = threading.Barrier(3, timeout=5)

    def call(n: int) -> int:
        threads.add(threading.current_thread().name)
        if n < 3:
            barrier.wait()  # only passes if three calls really run at once
        return n

    assert sorted(key for key, _ in client.run_concurrently(call, range(9))) == list(range(9))
    assert len(threads) == 3
