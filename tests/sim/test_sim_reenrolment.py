"""Re-enrolment side effects and concluded courses (reference §5.1, §11.5, §11.8)."""

import pytest

SECTION = "/api/v1/sections/87/enrollments"
CONCLUDED = {"message": "Can't add an enrollment to a concluded course."}


@pytest.fixture
def admin(sim_app):
    return sim_app.test_client()


def enrol(sim_api, user_id=1001, path=SECTION, **fields):
    data = {"enrollment[user_id]": user_id, **{f"enrollment[{k}]": v for k, v in fields.items()}}
    return sim_api.post(path, data=data)


def test_re_post_of_an_active_enrolment_overwrites_privileges_and_clears_dates(sim_api):
    first = enrol(sim_api, enrollment_state="active", limit_privileges_to_course_section="true",
                  start_at="2026-10-01T00:00:00Z", end_at="2027-10-01T00:00:00Z").json
    assert (first["start_at"], first["limit_privileges_to_course_section"]) == ("2026-10-01T00:00:00Z", True)
    again = enrol(sim_api, enrollment_state="invited", start_at="2026-12-01T00:00:00Z").json
    assert (again["id"], again["enrollment_state"]) == (first["id"], "active")
    assert (again["limit_privileges_to_course_section"], again["start_at"], again["end_at"]) == (False, None, None)


@pytest.mark.parametrize("state", ["completed", "inactive", "deleted", "invited", "rejected"])
def test_a_re_post_moves_any_other_state_to_the_requested_one(sim_api, admin, state):
    first = enrol(sim_api, enrollment_state="active").json
    assert admin.patch(f"/sim/api/enrollments/{first['id']}", json={"state": state}).json == {
        "id": first["id"], "state": state}
    again = enrol(sim_api, enrollment_state="active").json
    assert (again["id"], again["enrollment_state"]) == (first["id"], "active")


def test_unpublished_course_invites_as_creation_pending(sim_api, admin):
    assert admin.patch("/sim/api/courses/55", json={"workflow_state": "unpublished"}).status_code == 200
    assert sim_api.get("/api/v1/courses/55").json["workflow_state"] == "unpublished"
    assert enrol(sim_api, 1001).json["enrollment_state"] == "creation_pending"
    assert enrol(sim_api, 1002, enrollment_state="invited").json["enrollment_state"] == "creation_pending"
    assert enrol(sim_api, 1003, enrollment_state="active").json["enrollment_state"] == "active"


def test_listing_defaults_to_active_or_pending(sim_api, admin):
    admin.patch("/sim/api/courses/55", json={"workflow_state": "claimed"})
    pending = enrol(sim_api, 1001).json["id"]
    admin.patch("/sim/api/courses/55", json={"workflow_state": "available"})
    invited = enrol(sim_api, 1002, path="/api/v1/courses/55/enrollments", enrollment_state="invited").json["id"]
    inactive = enrol(sim_api, 1003, enrollment_state="inactive").json["id"]
    listed = [(e["id"], e["enrollment_state"]) for e in sim_api.get("/api/v1/courses/55/enrollments").json]
    assert listed == [(pending, "creation_pending"), (invited, "invited"), (inactive, "inactive")]
    enrol(sim_api, 1001, path="/api/v1/sections/87/enrollments", type="TeacherEnrollment", enrollment_state="active")
    concluded = [e for e in sim_api.get("/api/v1/courses/55/enrollments").json if e["type"] == "TeacherEnrollment"]
    admin.patch(f"/sim/api/enrollments/{concluded[0]['id']}", json={"state": "completed"})
    assert len(sim_api.get("/api/v1/courses/55/enrollments").json) == 3  # completed is not pending


def test_course_ended_by_date_refuses_enrolment(sim_api, admin, sim_clock):
    admin.patch("/sim/api/courses/55", json={"end_at": "2026-11-25T23:59:59Z"})
    refused = enrol(sim_api)
    assert (refused.status_code, refused.json) == (400, CONCLUDED)
    admin.patch("/sim/api/courses/55", json={"end_at": "2026-11-26T00:00:01Z"})
    assert enrol(sim_api).status_code == 200
    sim_clock.advance(2)  # the simulator's clock passes the end date
    assert enrol(sim_api, 1002).json == CONCLUDED


def test_completed_course_refuses_enrolment(sim_api, admin):
    admin.patch("/sim/api/courses/55", json={"workflow_state": "completed"})
    assert enrol(sim_api, path="/api/v1/courses/55/enrollments").json == CONCLUDED


def test_section_ended_by_date_refuses_only_when_restricted_to_its_dates(sim_api, admin):
    assert admin.patch("/sim/api/sections/87", json={"end_at": "2026-11-01T00:00:00Z"}).json == {
        "id": 87, "end_at": "2026-11-01T00:00:00Z", "restrict_enrollments_to_section_dates": False}
    assert enrol(sim_api).status_code == 200
    admin.patch("/sim/api/sections/87", json={"restrict_enrollments_to_section_dates": True})
    assert enrol(sim_api, 1002).json == CONCLUDED
    via_course = enrol(sim_api, 1002, path="/api/v1/courses/55/enrollments", course_section_id="87")
    assert via_course.json == CONCLUDED


def test_seed_and_admin_api_take_the_dates_and_states(make_sim_app, sim_api_for, admin):
    seed = {"users": [{"id": 1, "name": "Admin", "login_id": "admin", "admin": True, "tokens": ["t"]},
                      {"id": 2, "name": "S", "login_id": "s"}],
            "courses": [{"id": 3, "name": "Old", "end_at": "2026-01-01T00:00:00Z"},
                        {"id": 4, "name": "Draft", "workflow_state": "unpublished",
                         "sections": [{"id": 40, "name": "D", "end_at": "2026-01-01T00:00:00Z",
                                       "restrict_enrollments_to_section_dates": True}]}]}
    app = make_sim_app(seed)
    api = sim_api_for(app, "t")
    assert enrol(api, 2, path="/api/v1/courses/3/enrollments").json == CONCLUDED
    assert enrol(api, 2, path="/api/v1/sections/40/enrollments").json == CONCLUDED
    assert enrol(api, 2, path="/api/v1/courses/4/enrollments").json["enrollment_state"] == "creation_pending"
    created = admin.post("/sim/api/courses", json={"name": "New", "workflow_state": "completed",
                                                   "sections": [{"name": "N", "restrict_enrollments_to_section_dates":
                                                                 True, "end_at": "2030-01-01T00:00:00Z"}]}).json
    dumped = next(c for c in admin.get("/sim/api/state").json["courses"] if c["id"] == created["id"])
    assert dumped["workflow_state"] == "completed" and dumped["sections"][0]["restrict_enrollments_to_section_dates"]


def test_bad_changes_are_400(admin):
    assert admin.patch("/sim/api/courses/55", json={"workflow_state": "gone"}).status_code == 400
    assert admin.patch("/sim/api/enrollments/999", json={"state": "active"}).json == {"error": "no enrollment 999"}
    assert admin.patch("/sim/api/sections/999", json={}).status_code == 400
