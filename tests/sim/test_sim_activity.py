"""A student's activity on their enrolment (reference §5.2): `last_activity_at` and
`total_activity_time` move when the student works through a module or views a page, only on an
active enrolment, and reach only callers with read_reports (or the student themselves)."""

import pytest

from canvas_sim.activity import record_activity
from tests.sim.conftest import demo_with

ENROLMENTS = "/api/v1/sections/87/enrollments"


@pytest.fixture
def course_app(make_sim_app):
    seed = demo_with(
        {"id": 30, "name": "No reports", "login_id": "no.reports", "admin": True, "tokens": ["noreports"],
         "without_permissions": ["read_reports"]},
        enrollments=[{"id": 501, "user_id": 1001, "section_id": 87, "state": "active"},
                     {"id": 502, "user_id": 1003, "section_id": 87, "state": "invited"}])
    return make_sim_app(seed)


def _listed(api) -> dict:
    return {e["user_id"]: e for e in api.get(ENROLMENTS).json}


def test_a_page_view_and_module_progress_move_the_activity(course_app, sim_api_for, sim_clock):
    api = sim_api_for(course_app, "7~canvaslink-demo-admin-token")
    before = _listed(api)[1001]
    assert (before["last_activity_at"], before["total_activity_time"]) == (None, 0)  # never active yet

    viewed = course_app.test_client().post("/sim/api/activity", json={"user_id": 1001, "course_id": 55,
                                                                       "seconds": 90})
    assert viewed.status_code == 200
    sim_clock.advance(3600)
    course_app.test_client().post("/sim/api/module_states", json={"user_id": 1001, "module_id": 902,
                                                                   "state": "started", "seconds": 300})
    after = _listed(api)[1001]
    assert after["last_activity_at"] == "2026-11-26T01:00:00Z" and after["total_activity_time"] == 390
    assert after["updated_at"] == before["updated_at"]  # Canvas records activity without touching updated_at


def test_an_invited_enrolment_records_nothing_and_bad_seconds_are_refused(course_app, sim_api_for):
    api = sim_api_for(course_app, "7~canvaslink-demo-admin-token")
    viewed = course_app.test_client().post("/sim/api/activity", json={"user_id": 1003, "course_id": 55})
    assert viewed.json == {"enrollments": []}
    assert _listed(api)[1003]["last_activity_at"] is None
    refused = course_app.test_client().post("/sim/api/activity", json={"user_id": 1001, "course_id": 55,
                                                                        "seconds": "a while"})
    assert refused.status_code == 400 and "whole number" in refused.json["error"]


def test_a_module_canvas_completes_by_itself_is_no_activity(course_app, sim_api_for):
    """Reading progress evaluates modules without requirements as completed; the student did nothing."""
    api = sim_api_for(course_app, "7~canvaslink-demo-admin-token")
    assert api.get("/api/v1/courses/55/modules?student_id=1001").status_code == 200
    assert _listed(api)[1001]["total_activity_time"] == 0


def test_only_read_reports_or_the_student_sees_the_activity(course_app, sim_api_for):
    simulation = course_app.extensions["canvas_sim"]
    record_activity(simulation.state, 1001, 55, 120)
    without = _listed(sim_api_for(course_app, "noreports"))[1001]
    assert not {"last_activity_at", "total_activity_time", "last_attended_at"} & without.keys()
    token = simulation.state.add_token(simulation.state.users[1001]).token
    own = sim_api_for(course_app, token).get("/api/v1/users/self/enrollments").json
    assert [e["total_activity_time"] for e in own] == [120]


def test_the_demo_has_a_student_quiet_for_three_weeks_and_one_never_active(make_sim_app, sim_api_for):
    app = make_sim_app()
    simulation = app.extensions["canvas_sim"]
    for user_id in (1002, 1003):  # as canvaslink's transfer enrols them
        simulation.state.add_enrollment(simulation.state.users[user_id], simulation.state.sections[87],
                                        "StudentEnrollment", "active")
    listed = _listed(sim_api_for(app, "7~canvaslink-demo-admin-token"))
    assert (listed[1002]["last_activity_at"], listed[1002]["total_activity_time"]) == ("2026-11-05T00:00:00Z", 15300)
    assert (listed[1003]["last_activity_at"], listed[1003]["total_activity_time"]) == (None, 0)


def test_a_dumped_state_replays_its_activity(course_app, make_sim_app, sim_api_for):
    simulation = course_app.extensions["canvas_sim"]
    course_app.test_client().post("/sim/api/module_states", json={"user_id": 1001, "module_id": 902,
                                                                   "state": "completed"})
    dump = course_app.test_client().get("/sim/api/state").json
    replayed = make_sim_app(dump)
    original = _listed(sim_api_for(course_app, "7~canvaslink-demo-admin-token"))[1001]
    again = _listed(sim_api_for(replayed, "7~canvaslink-demo-admin-token"))[1001]
    assert simulation.state.enrollments[501].total_activity_time == 600
    assert (again["last_activity_at"], again["total_activity_time"]) == (original["last_activity_at"], 600)
