"""Module progress with `student_id` (reference §3.1): what "playing the student" shows."""

from datetime import datetime, timezone

import pytest

MODULES = "/api/v1/courses/55/modules"


@pytest.fixture
def enrolled(sim_api):
    """Ella (1001) enrolled and active in the demo section."""
    sim_api.post("/api/v1/sections/sis_section_id:121/enrollments",
                 data={"enrollment[user_id]": "1001", "enrollment[enrollment_state]": "active"})
    return 1001


def states(sim_api, student_id):
    response = sim_api.get(f"{MODULES}?student_id={student_id}&include[]=items&per_page=100")
    assert response.status_code == 200
    return {m["id"]: m for m in response.json}


def test_without_student_id_there_is_no_state(sim_api):
    module = sim_api.get(f"{MODULES}/902").json
    assert "state" not in module and "completed_at" not in module and module["published"] is True


def test_fresh_student_sees_unlocked_and_locked_by_unlock_date(sim_api, enrolled):
    modules = states(sim_api, enrolled)
    assert len(modules) == 11
    assert modules[902]["state"] == "unlocked"  # unlocked on 2026-10-04
    assert modules[905]["state"] == "locked"  # unlocks 2027-01-17
    assert modules[905]["completed_at"] is None and "published" not in modules[905]
    assert [i["completion_requirement"]["completed"] for i in modules[902]["items"]] == [False, False]


def test_started_and_completed_states(simulation, sim_api, enrolled):
    simulation.set_module_state(enrolled, 902, "started")
    simulation.set_module_state(enrolled, 904, "completed", completed_at=datetime(2026, 11, 20, 3, 4, 5, tzinfo=timezone.utc))
    modules = states(sim_api, enrolled)
    assert (modules[902]["state"], modules[902]["completed_at"]) == ("started", None)
    assert [i["completion_requirement"]["completed"] for i in modules[902]["items"]] == [True, False]
    assert (modules[904]["state"], modules[904]["completed_at"]) == ("completed", "2026-11-20T03:04:05Z")
    assert all(i["completion_requirement"]["completed"] for i in modules[904]["items"])
    simulation.set_module_state(enrolled, 904, "unlocked")
    assert states(sim_api, enrolled)[904]["state"] == "unlocked"


def test_a_module_unlocks_when_its_date_passes(sim_api, sim_clock, enrolled):
    sim_clock.advance(60 * 86400)  # 2027-01-25
    assert states(sim_api, enrolled)[905]["state"] == "unlocked"


def test_a_module_without_requirements_completes_on_entry(sim_api, sim_clock, enrolled):
    sim_api.client.post("/sim/api/courses/55/modules", json={"name": "Optional reading"})
    module = next(m for m in states(sim_api, enrolled).values() if m["name"] == "Optional reading")
    assert (module["state"], module["completed_at"]) == ("completed", "2026-11-26T00:00:00Z")


def test_prerequisites_lock_until_completed(simulation, sim_api, enrolled):
    new = sim_api.client.post("/sim/api/courses/55/modules",
                              json={"name": "Capstone", "prerequisite_module_ids": [902], "items": ["Brief"]}).json
    assert states(sim_api, enrolled)[new["id"]]["state"] == "locked"
    simulation.set_module_state(enrolled, 902, "completed")
    assert states(sim_api, enrolled)[new["id"]]["state"] == "unlocked"


def test_items_endpoint_with_student_id(simulation, sim_api, enrolled):
    simulation.set_module_state(enrolled, 901, "completed")
    items = sim_api.get(f"{MODULES}/901/items?student_id={enrolled}").json
    assert [(i["title"], i.get("completion_requirement")) for i in items] == [
        ("Course guide", {"type": "must_view", "completed": True}),
        ("Introduce yourself", {"type": "must_contribute", "completed": True}),
        ("Student support", None)]


@pytest.mark.parametrize("task", ["conclude", "deactivate", "delete"])
def test_student_id_of_a_student_no_longer_current_is_unauthorized(sim_api, enrolled, task):
    enrollment_id = sim_api.get("/api/v1/courses/55/enrollments?user_id=1001").json[0]["id"]
    sim_api.delete(f"/api/v1/courses/55/enrollments/{enrollment_id}?task={task}")
    response = sim_api.get(f"{MODULES}?student_id={enrolled}")
    assert (response.status_code, response.json["status"]) == (403, "unauthorized")


def test_student_id_must_be_the_numeric_canvas_id(sim_api, enrolled):
    assert sim_api.get(f"{MODULES}?student_id=sis_user_id:C0025").status_code == 403
    assert sim_api.get(f"{MODULES}?student_id=1003").status_code == 403  # not enrolled


def test_a_student_token_sees_its_own_progress(simulation, sim_api_for, sim_app, enrolled):
    token = sim_app.test_client().post("/sim/api/tokens", json={"user_id": enrolled}).json["access_token"]
    student = sim_api_for(sim_app, token)
    simulation.set_module_state(enrolled, 902, "started")
    assert student.get(f"{MODULES}/902").json["state"] == "started"
    assert student.get(f"{MODULES}?student_id=1002").status_code == 403


def test_inline_items_and_search(sim_api):
    modules = sim_api.get(f"{MODULES}?per_page=100&search_term=bsbwhs41").json
    assert [m["id"] for m in modules] == [902, 903, 905, 907, 908, 910]
    assert "items" not in modules[0]
    assert sim_api.get(f"{MODULES}/911").json["items_url"] == "http://localhost/api/v1/courses/55/modules/911/items"
    assert sim_api.get(f"{MODULES}/999").status_code == 404
