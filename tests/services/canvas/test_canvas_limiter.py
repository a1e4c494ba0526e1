"""The shared limiter sizes concurrency from X-Rate-Limit-Remaining: each request in flight holds
Canvas's up-front cost (50), so the headroom says how many more fit; a 403 halves it."""

import threading
from contextlib import ExitStack

import pytest

from canvas_sim.testing import running_simulator
from webapp.services.canvas import CanvasClient, ConcurrencyLimiter, StaticToken

COURSE = {"id": 55, "name": "WHS"}


class Saturated:
    """Keeps every slot but the answering one's in use, as a run with more students than slots does."""

    def __init__(self, limiter: ConcurrencyLimiter, held: ExitStack) -> None:
        self.limiter, self.held, self.count = limiter, held, 0

    def answer(self, remaining: float | None, times: int = 1, *, throttled: bool = False) -> None:
        for _ in range(times):
            while self.count < self.limiter.limit - 1:
                self.held.enter_context(self.limiter.slot())
                self.count += 1
            self.limiter.record(remaining, throttled=throttled)


@pytest.fixture
def saturated():
    with ExitStack() as held:
        yield lambda limiter: Saturated(limiter, held)


def test_starts_at_half_the_ceiling():
    assert ConcurrencyLimiter(11).limit == 5
    limiter = ConcurrencyLimiter()
    assert (limiter.ceiling, limiter.limit) == (12, 6)


def test_grows_by_one_when_a_whole_window_of_answers_leaves_room_for_one_more(saturated):
    limiter = ConcurrencyLimiter(12)
    run = saturated(limiter)
    run.answer(600.0, 5)  # a window is as many answers as the limit: about one round trip
    assert limiter.limit == 6
    run.answer(600.0)
    assert limiter.limit == 7
    run.answer(600.0, 6)
    assert limiter.limit == 7
    run.answer(600.0)
    assert limiter.limit == 8

    run.answer(101.0, 1000)  # room for one more request (it holds 50) with 50 to spare
    assert limiter.limit == 12  # never above the ceiling


def test_one_answer_without_room_for_another_request_holds_the_window_back(saturated):
    limiter = ConcurrencyLimiter(12)
    run = saturated(limiter)
    run.answer(600.0, 5)
    run.answer(90.0)  # the others promised room that this one's bucket did not have
    assert limiter.limit == 6
    run.answer(600.0, 6)
    assert limiter.limit == 7


def test_holds_while_the_answers_leave_room_for_just_its_own_requests(saturated):
    limiter = ConcurrencyLimiter(12)
    run = saturated(limiter)
    run.answer(100.0, 50)
    run.answer(50.5, 50)
    assert limiter.limit == 6


def test_does_not_grow_while_slots_stand_idle():
    limiter = ConcurrencyLimiter(12)
    for _ in range(100):
        limiter.record(600.0)
    assert limiter.limit == 6


def test_an_answer_without_room_for_its_slot_cuts_the_shortfall_once_per_window(saturated):
    limiter = ConcurrencyLimiter(11)
    run = saturated(limiter)
    run.answer(600.0, 200)
    assert limiter.limit == 11

    run.answer(50.0)  # the slot's next request would reach the high-water mark
    assert limiter.limit == 10
    run.answer(0.0, 11)  # answers to the 11 requests sent before the cut report the same bucket
    assert limiter.limit == 10
    run.answer(0.0)  # a full bucket is two requests short
    assert limiter.limit == 8
    run.answer(-500.0, 20)
    assert limiter.limit == 1  # never none


def test_a_cut_right_after_a_rise_is_not_held_back(saturated):
    limiter = ConcurrencyLimiter(12)
    run = saturated(limiter)
    run.answer(600.0, 6)
    assert limiter.limit == 7
    run.answer(30.0)  # the request the rise let in tipped the bucket
    assert limiter.limit == 6


def test_a_throttle_halves_once_per_window_not_once_per_answer(saturated):
    limiter = ConcurrencyLimiter(11)
    run = saturated(limiter)
    run.answer(600.0, 200)

    run.answer(0.0, throttled=True)
    assert limiter.limit == 5
    run.answer(0.0, 11, throttled=True)  # answers to the other requests of the same burst
    assert limiter.limit == 5
    run.answer(0.0, throttled=True)  # throttled still, a window later
    assert limiter.limit == 2


def test_throttling_halves_down_to_one():
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


def test_the_client_feeds_canvas_headers_to_its_limiter(canvas_mock, make_canvas_client, url):
    limiter = ConcurrencyLimiter(8)
    client = make_canvas_client(limiter=limiter)
    canvas_mock.get(url("/api/v1/courses/55"), json=COURSE, headers={"X-Rate-Limit-Remaining": "20.0"})
    canvas_mock.get(url("/api/v1/courses/55"), status=403, body="403 Forbidden (Rate Limit Exceeded)\n",
                    headers={"X-Rate-Limit-Remaining": "0.0"})
    canvas_mock.get(url("/api/v1/courses/55"), json=COURSE, headers={"X-Rate-Limit-Remaining": "590.0"})

    client.get_course(55)
    assert limiter.limit == 3  # no room left for the slot's next request
    for _ in range(4):
        limiter.record(90.0)  # the window after the cut passes
    client.get_course(55)  # throttled, then answered on the retry
    assert limiter.limit == 1  # halved by the 403; one request in flight is no reason to grow


# Against the simulator's bucket (Canvas's defaults: hwm 600, up-front 50) over real HTTP ------

TOKEN = "7~limiter-test-token"
STUDENTS = range(2001, 2151)


def _seed() -> dict:
    return {"users": [{"id": 1, "name": "Admin", "login_id": "admin@rto.test", "admin": True, "tokens": [TOKEN]},
                      *({"id": s, "name": f"Student {s}", "login_id": f"s{s}@rto.test"} for s in STUDENTS)],
            "courses": [{"id": 55, "name": "WHS", "sections": [{"id": 87, "name": "WHS"}],
                         "modules": [{"id": 901, "name": "Module", "items": ["Page"]}]}],
            "enrollments": [{"user_id": s, "section_id": 87} for s in STUDENTS]}


def _fetch(sim, limiter: ConcurrencyLimiter, students: range) -> dict:
    with CanvasClient(sim.url, StaticToken(TOKEN), limiter=limiter) as client:
        return dict(client.run_concurrently(lambda s: client.get_student_module_states(55, s), students))


def test_fills_canvas_bucket_to_the_brim_without_being_throttled():
    # Cheap requests (Canvas charges their CPU and database seconds) that take 50 ms: only the
    # up-front cost held by the requests in flight fills the bucket.
    with running_simulator(seed=_seed(), latency_ms=50, request_cost=0.05) as sim:
        results = _fetch(sim, ConcurrencyLimiter(12), STUDENTS)
        counters = sim.counters()

    assert len(results) == len(STUDENTS) and all(isinstance(modules, list) for modules in results.values())
    assert counters["throttled"] == 0
    (bucket,) = counters["buckets"].values()
    assert bucket["peak"] > 500, "at least 11 requests should have been in flight at once"


def test_leaves_the_room_another_client_of_the_token_holds():
    with running_simulator(seed=_seed(), latency_ms=100, request_cost=0.05) as sim:
        for _ in range(6):  # another worker's six requests hold 300 units throughout: 5 more fit
            assert sim.simulation.throttle.reserve(TOKEN)
        results = _fetch(sim, ConcurrencyLimiter(8), STUDENTS[:100])  # starts at 4, would grow to 8
        counters = sim.counters()

    assert len(results) == 100 and all(isinstance(modules, list) for modules in results.values())
    assert counters["throttled"] == 0
