"""Enrolment as Canvas does it (reference §5): idempotent create, state changes, listing."""

import pytest

SECTION = "/api/v1/sections/sis_section_id:121/enrollments"


def enrol(sim_api, user_id, **fields):
    data = {"enrollment[user_id]": user_id, **{f"enrollment[{k}]": v for k, v in fields.items()}}
    return sim_api.post(SECTION, data=data)


def test_enrol_returns_the_canvas_enrollment(sim_api):
    response = enrol(sim_api, "sis_user_id:C0025", type="StudentEnrollment", enrollment_state="active",
                     limit_privileges_to_course_section="true")
    body = response.json
    assert response.status_code == 200
    assert {k: body[k] for k in ("user_id", "course_id", "course_section_id", "type", "role", "role_id",
                                 "enrollment_state", "limit_privileges_to_course_section", "root_account_id",
                                 "sis_section_id", "sis_user_id")} == {
        "user_id": 1001, "course_id": 55, "course_section_id": 87, "type": "StudentEnrollment",
        "role": "StudentEnrollment", "role_id": 3, "enrollment_state": "active",
        "limit_privileges_to_course_section": True, "root_account_id": 1, "sis_section_id": "121",
        "sis_user_id": "C0025"}
    assert "user" not in body  # the create answer has no user object (reference §11.8)
    listed = sim_api.get(SECTION).json
    assert listed[0]["user"]["login_id"] == "ella.wright@student.example.edu.au"
    assert body["html_url"] == "http://localhost/courses/55/users/1001"


def test_enrolling_twice_returns_the_same_enrollment(sim_api, simulation):
    first = enrol(sim_api, 1001, enrollment_state="active").json
    again = enrol(sim_api, 1001, enrollment_state="invited").json
    assert again["id"] == first["id"]
    assert again["enrollment_state"] == "active"  # an active enrollment comes back unchanged
    assert len(simulation.state.enrollments) == 1


def test_a_deleted_or_inactive_enrollment_is_reused_in_the_requested_state(sim_api):
    first = enrol(sim_api, 1001, enrollment_state="active").json
    sim_api.delete(f"/api/v1/courses/55/enrollments/{first['id']}?task=delete")
    revived = enrol(sim_api, 1001, enrollment_state="invited").json
    assert (revived["id"], revived["enrollment_state"]) == (first["id"], "invited")


def test_default_state_is_invited_and_notify_is_recorded(sim_api, simulation):
    body = enrol(sim_api, 1003, notify="true").json
    assert body["enrollment_state"] == "invited"
    assert simulation.state.enrollments[body["id"]].notify is True


def test_a_json_body_works_like_a_form(sim_api):
    response = sim_api.post(SECTION, json={"enrollment": {"user_id": 1001, "enrollment_state": "active"}})
    assert response.json["enrollment_state"] == "active"


def test_another_section_gets_its_own_enrollment(sim_api, simulation):
    sim_api.client.post("/sim/api/courses/55/sections", json={"name": "Other", "sis_section_id": "122"})
    first = enrol(sim_api, 1001).json
    other = sim_api.post("/api/v1/sections/sis_section_id:122/enrollments", data={"enrollment[user_id]": 1001}).json
    assert other["id"] != first["id"] and other["sis_section_id"] == "122"


def test_course_enrollment_goes_to_the_default_section(sim_api, simulation):
    body = sim_api.post("/api/v1/courses/55/enrollments", data={"enrollment[user_id]": 1001}).json
    section = simulation.state.sections[body["course_section_id"]]
    assert section.default_section and section.id != 87


@pytest.mark.parametrize(("data", "message"), [
    ({}, "No parameters given"),
    ({"enrollment[user_id]": "1001", "enrollment[type]": "PandaEnrollment"}, "Invalid type"),
    ({"enrollment[user_id]": "1001", "enrollment[role_id]": "99"}, "Invalid role"),
    ({"enrollment[user_id]": "1001", "enrollment[role_id]": "4", "enrollment[type]": "StudentEnrollment"},
     "The specified type must match the base type for the role"),
    ({"enrollment[type]": "StudentEnrollment"},
     "Can't create an enrollment without a user. Include enrollment[user_id] to create an enrollment"),
])
def test_bad_requests_are_400_with_message(sim_api, data, message):
    response = sim_api.post(SECTION, data=data)
    assert response.status_code == 400
    assert response.json == {"message": message}


def test_concluded_course_and_unknown_user(sim_api, simulation):
    assert enrol(sim_api, "sis_user_id:NOPE").status_code == 404
    simulation.state.courses[55].workflow_state = "completed"
    assert enrol(sim_api, 1001).json == {"message": "Can't add an enrollment to a concluded course."}


def test_conclude_deactivate_delete_and_reactivate(sim_api):
    enrollment_id = enrol(sim_api, 1001, enrollment_state="active").json["id"]
    path = f"/api/v1/courses/55/enrollments/{enrollment_id}"
    assert sim_api.delete(path).json["enrollment_state"] == "completed"  # conclude is the default task
    assert sim_api.put(path + "/reactivate").json == {"error": "enrollment not inactive"}
    assert sim_api.delete(path + "?task=deactivate").json["enrollment_state"] == "inactive"
    assert sim_api.put(path + "/reactivate").json["enrollment_state"] == "active"
    assert sim_api.delete(path + "?task=inactivate").json["enrollment_state"] == "inactive"
    assert sim_api.delete(path + "?task=delete").json["enrollment_state"] == "deleted"
    assert sim_api.delete(path).status_code == 404  # a course's enrollments leave deleted ones out
    assert sim_api.put(path + "/reactivate").status_code == 404


def test_listing_filters_by_state_type_and_user(sim_api):
    ids = {user: enrol(sim_api, user, enrollment_state="active").json["id"] for user in (1001, 1002, 1003)}
    sim_api.delete(f"/api/v1/courses/55/enrollments/{ids[1002]}?task=deactivate")
    sim_api.delete(f"/api/v1/courses/55/enrollments/{ids[1003]}?task=conclude")

    def listed(query=""):
        return [e["user_id"] for e in sim_api.get(f"{SECTION}?per_page=100{query}").json]

    assert listed() == [1001, 1002]  # active + invited, and inactive for an admin
    assert listed("&state[]=completed") == [1003]
    assert listed("&state[]=active&state[]=completed") == [1001, 1003]
    assert listed("&type[]=TeacherEnrollment") == []
    assert listed("&user_id=sis_user_id:C0025") == [1001]
    assert [e["id"] for e in sim_api.get("/api/v1/courses/55/enrollments?state[]=inactive").json] == [ids[1002]]
    assert sim_api.get(f"/api/v1/accounts/1/enrollments/{ids[1003]}").json["enrollment_state"] == "completed"
