"""The /sim/ controls: build a scenario, play the student, read counters, change settings, reset."""

import pytest


@pytest.fixture
def admin(sim_app):
    return sim_app.test_client()


def test_build_a_scenario_and_use_it_through_the_canvas_api(admin, sim_api):
    course = admin.post("/sim/api/courses", json={"name": "Business", "sis_course_id": "B-120"}).json["id"]
    section = admin.post(f"/sim/api/courses/{course}/sections", json={"name": "S", "sis_section_id": "120"}).json["id"]
    module = admin.post(f"/sim/api/courses/{course}/modules",
                        json={"name": "BSBCRT411 Apply critical thinking", "unlock_at": "2026-01-01T00:00:00Z",
                              "items": ["Read", {"title": "Quiz", "type": "Quiz",
                                                 "requirement": {"type": "min_score", "min_score": 5}}]}).json
    user = admin.post("/sim/api/users", json={"name": "Kai Rossi", "login_id": "kai@example.edu",
                                              "sis_user_id": "C0040"}).json["id"]
    admin.post("/sim/api/enrollments", json={"user_id": user, "section_id": section})
    admin.post("/sim/api/module_states", json={"user_id": user, "module_id": module["id"], "state": "completed",
                                               "completed_at": "2026-03-02T01:00:00Z"})

    assert sim_api.get("/api/v1/sections/sis_section_id:120").json["id"] == section
    progress = sim_api.get(f"/api/v1/courses/{course}/modules?student_id={user}&include[]=items").json[0]
    assert (progress["state"], progress["completed_at"]) == ("completed", "2026-03-02T01:00:00Z")
    assert [i["id"] for i in progress["items"]] == module["item_ids"]


def test_bad_admin_requests_are_400(admin):
    assert admin.post("/sim/api/users", json={"name": "X", "login_id": "ella.wright@student.example.edu.au"}).json == {
        "error": "ID already in use for this account and authentication provider"}
    assert admin.post("/sim/api/module_states", json={"user_id": 1001, "module_id": 902, "state": "done"}
                      ).status_code == 400
    assert admin.post("/sim/api/courses/999/sections", json={"name": "S"}).status_code == 400
    assert admin.post("/sim/api/settings", json={"nonsense": 1}).json == {"error": "unknown setting(s): nonsense"}


def test_settings_read_and_change(admin, simulation):
    changed = admin.post("/sim/api/settings", json={"latency_ms": 5, "fault_kinds": ["500", "drop"],
                                                    "throttle_enabled": False}).json
    assert (changed["latency_ms"], changed["fault_kinds"], changed["throttle_enabled"]) == (5.0, ["500", "drop"], False)
    assert simulation.settings.fault_kinds == ("500", "drop")
    assert admin.get("/sim/api/settings").json["latency_ms"] == 5.0


def test_counters_per_endpoint_and_reset(admin, sim_api):
    sim_api.get("/api/v1/courses/55/modules")
    sim_api.get("/api/v1/courses/55/modules?page=2")
    sim_api.get("/api/v1/sections/sis_section_id:121")
    counters = admin.get("/sim/api/counters").json
    assert counters["requests"] == {"GET /api/v1/courses/:course_id/modules": 2,
                                    "GET /api/v1/sections/:id": 1}
    assert counters["total"] == 3 and counters["throttled"] == 0
    [bucket] = counters["buckets"].values()
    assert bucket["peak"] == 52.0  # the third request found 2.0 spent and held 50
    admin.post("/sim/api/counters/reset", json={})
    assert admin.get("/sim/api/counters").json["total"] == 0


def test_reset_returns_to_the_seed(admin, sim_api, simulation):
    admin.post("/sim/api/users", json={"name": "Temp", "login_id": "temp@example.edu"})
    simulation.configure(latency_ms=1)
    admin.post("/sim/api/reset", json={})
    assert sorted(simulation.state.users) == [1, 1001, 1002, 1003]
    assert simulation.settings.latency_ms == 1.0  # settings are the operator's, not the scenario's


def test_the_page_plays_the_student_through_a_form(admin, sim_api, simulation):
    sim_api.post("/api/v1/sections/87/enrollments", data={"enrollment[user_id]": "1003"})
    page = admin.get("/sim/")
    assert page.status_code == 200
    assert b"Play the student" in page.data and b"Matilda Scott" in page.data
    posted = admin.post("/sim/api/module_states",
                        data={"user_id": "1003", "module_id": "903", "state": "started", "completed_at": ""})
    assert posted.status_code == 302 and "/sim/?message=" in posted.location
    assert simulation.state.progress[(1003, 903)].state == "started"
    assert b'class="started"' in admin.get("/sim/").data
    failed = admin.post("/sim/api/module_states", data={"user_id": "1003", "module_id": "1", "state": "started"})
    assert "Not+done" in failed.location


def test_state_dump_replays_as_a_seed(admin, make_sim_app):
    admin.post("/sim/api/module_states", json={"user_id": 1001, "module_id": 902, "state": "started"})
    dump = admin.get("/sim/api/state").json
    replayed = make_sim_app(dump).test_client().get("/sim/api/state").json
    assert replayed == dump
