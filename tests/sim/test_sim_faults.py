"""Latency and injected faults: seeded, so the same run fails the same way."""

import json
import time

import pytest
import requests

from canvas_sim.testing import running_simulator


def statuses(make_sim_app, sim_api_for, n=60, **settings):
    api = sim_api_for(make_sim_app(fault_kinds="500,502,503,malformed", **settings))
    return [api.get("/api/v1/users/self").status_code for _ in range(n)]


def test_the_same_seed_fails_the_same_requests(make_sim_app, sim_api_for):
    first = statuses(make_sim_app, sim_api_for, fault_rate=0.3, random_seed=7)
    assert first == statuses(make_sim_app, sim_api_for, fault_rate=0.3, random_seed=7)
    assert first != statuses(make_sim_app, sim_api_for, fault_rate=0.3, random_seed=8)
    assert {500, 502, 503} <= set(first) and 200 in first


def test_reset_and_reseeding_repeat_the_draws(simulation, sim_api):
    simulation.configure(fault_rate=0.5, fault_kinds="500", random_seed=3)
    first = [sim_api.get("/api/v1/users/self").status_code for _ in range(20)]
    simulation.configure(random_seed=3)
    assert [sim_api.get("/api/v1/users/self").status_code for _ in range(20)] == first
    simulation.reset()
    assert [sim_api.get("/api/v1/users/self").status_code for _ in range(20)] == first


@pytest.mark.parametrize(("kind", "status", "content_type"), [
    ("500", 500, "application/json; charset=utf-8"), ("502", 502, "text/html"), ("503", 503, "text/html")])
def test_error_faults(simulation, sim_api, kind, status, content_type):
    simulation.configure(fault_rate=1, fault_kinds=kind)
    response = sim_api.get("/api/v1/users/self")
    assert (response.status_code, response.headers["Content-Type"]) == (status, content_type)
    if kind == "500":
        assert response.json == {"errors": [{"message": "An error occurred.", "error_code": "internal_server_error"}],
                                 "error_report_id": 1}
    assert simulation.figures()["faults"] == {kind: 1}


def test_malformed_json_is_cut_short(simulation, sim_api):
    simulation.configure(fault_rate=1, fault_kinds="malformed")
    response = sim_api.get("/api/v1/users/self")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.data)


def test_proxy_faults_do_not_touch_the_bucket(simulation, sim_api):
    simulation.configure(fault_rate=1, fault_kinds="502")
    sim_api.get("/api/v1/users/self")
    assert simulation.figures()["buckets"] == {}


def test_dropped_connection_and_slow_answer_over_http():
    with running_simulator(fault_rate=1, fault_kinds="drop") as sim:
        headers = {"Authorization": f"Bearer {sim.admin_token}"}
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{sim.url}/api/v1/users/self", headers=headers, timeout=5)
        sim.configure(fault_kinds="slow", slow_ms=2000)
        with pytest.raises(requests.ReadTimeout):
            requests.get(f"{sim.url}/api/v1/users/self", headers=headers, timeout=0.3)
        sim.configure(fault_rate=0)
        assert requests.get(f"{sim.url}/api/v1/users/self", headers=headers, timeout=5).status_code == 200
        assert sim.counters()["faults"] == {"drop": 1, "slow": 1}


def test_latency_delays_the_answer_but_not_the_admin_pages():
    with running_simulator(latency_ms=500, jitter_ms=50) as sim:
        started = time.monotonic()
        requests.get(f"{sim.url}/api/v1/users/self", headers={"Authorization": f"Bearer {sim.admin_token}"}, timeout=5)
        assert time.monotonic() - started >= 0.5
        started = time.monotonic()
        requests.get(f"{sim.url}/sim/api/settings", timeout=5)
        assert time.monotonic() - started < 0.5
