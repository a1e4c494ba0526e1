"""Canvas's leaky bucket (reference §7), driven by a clock the test controls."""

import threading

import requests

from canvas_sim.settings import Settings
from canvas_sim.testing import running_simulator
from canvas_sim.throttle import Throttle, bucket_key

BODY = b"403 Forbidden (Rate Limit Exceeded)\n"


def make_throttle(sim_clock, **settings):
    return Throttle(Settings(clock=sim_clock, **settings))


def test_a_request_holds_the_up_front_cost_and_pays_its_real_cost(sim_clock):
    throttle = make_throttle(sim_clock)
    assert throttle.reserve("a")
    assert throttle.figures()[bucket_key("a")]["count"] == 50.0
    assert throttle.settle("a", 1.5) == 598.5


def test_the_twelfth_concurrent_request_is_refused(sim_clock):
    throttle = make_throttle(sim_clock)
    assert all(throttle.reserve("a") for _ in range(11))  # 11 x 50 = 550 in flight
    assert not throttle.reserve("a")  # 550 + 50 = 600 reaches the high-water mark
    assert throttle.settle("a", 0.0) == 50.0  # the refused one gives its 50 back


def test_the_bucket_leaks_ten_units_a_second(sim_clock):
    throttle = make_throttle(sim_clock)
    for _ in range(11):
        throttle.reserve("a")
    sim_clock.advance(10)  # leaks 100
    assert throttle.reserve("a")
    figures = throttle.figures()[bucket_key("a")]
    assert figures["count"] == 500.0 and figures["peak"] == 550.0


def test_the_bucket_is_clipped_to_zero_and_the_maximum(sim_clock):
    throttle = make_throttle(sim_clock, throttle_up_front_cost=1000.0)
    assert not throttle.reserve("a")
    assert throttle.figures()[bucket_key("a")]["count"] == 800.0
    throttle.settle("a", 0.0)
    sim_clock.advance(3600)
    assert throttle.settle("a", 0.0) == 600.0


def test_every_number_is_settable(sim_clock):
    throttle = make_throttle(sim_clock, throttle_hwm=100.0, throttle_up_front_cost=30.0, throttle_outflow=1.0)
    assert throttle.reserve("a") and throttle.reserve("a") and throttle.reserve("a")
    assert not throttle.reserve("a")  # 120 >= 100


def test_headers_report_cost_and_remaining(sim_api, sim_clock):
    first = sim_api.get("/api/v1/users/self")
    assert first.headers["X-Request-Cost"] == "1.0"
    assert first.headers["X-Rate-Limit-Remaining"] == "599.0"
    assert sim_api.get("/api/v1/users/self").headers["X-Rate-Limit-Remaining"] == "598.0"
    sim_clock.advance(0.125)  # leaks 1.25 of the 2.0 spent
    assert sim_api.get("/api/v1/users/self").headers["X-Rate-Limit-Remaining"] == "598.25"


def test_throttled_answer_is_plain_text_403_until_the_bucket_leaks(simulation, sim_api, sim_clock):
    simulation.configure(request_cost=100)
    for _ in range(6):
        assert sim_api.get("/api/v1/users/self").status_code == 200
    refused = sim_api.get("/api/v1/users/self")
    assert refused.status_code == 403
    assert refused.data == BODY
    assert refused.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert refused.headers["X-Rate-Limit-Remaining"] == "0.0"
    assert "X-Request-Cost" not in refused.headers
    sim_clock.advance(10)
    assert sim_api.get("/api/v1/users/self").status_code == 200
    assert simulation.figures()["throttled"] == 1


def test_each_token_has_its_own_bucket_and_no_token_no_bucket(simulation, sim_api, sim_api_for, sim_app):
    simulation.configure(request_cost=700)
    sim_api.get("/api/v1/users/self")
    assert sim_api.get("/api/v1/users/self").status_code == 403
    student_token = sim_app.test_client().post("/sim/api/tokens", json={"user_id": 1001}).json["access_token"]
    assert sim_api_for(sim_app, student_token).get("/api/v1/users/self").status_code == 200
    anonymous = sim_api_for(sim_app, None).get("/api/v1/users/self")
    assert anonymous.status_code == 401 and "X-Rate-Limit-Remaining" not in anonymous.headers


def test_throttling_can_be_switched_off(simulation, sim_api):
    simulation.configure(throttle_enabled=False, request_cost=1000)
    responses = [sim_api.get("/api/v1/users/self") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert "X-Rate-Limit-Remaining" not in responses[-1].headers


def test_concurrent_requests_over_http_fill_the_bucket(sim_clock):
    """16 requests in flight at once on one token: 11 fit under 600, 5 are refused."""
    with running_simulator(clock=sim_clock, latency_ms=800) as sim:
        barrier = threading.Barrier(16)
        statuses = []

        def call():
            barrier.wait()
            response = requests.get(f"{sim.url}/api/v1/users/self",
                                    headers={"Authorization": f"Bearer {sim.admin_token}"}, timeout=10)
            statuses.append(response.status_code)

        threads = [threading.Thread(target=call) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200] * 11 + [403] * 5
        assert sim.counters()["throttled"] == 5
