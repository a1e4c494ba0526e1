"""Changing a user as Canvas does (users#update, pseudonyms#update) and a student accepting their
invitation (enrollments_api#accept): where Canvas is strict, the simulator is too."""

import pytest

STUDENT = 1001  # Ella Wright, C0025, ella.wright@student.example.edu.au
SECTION = "/api/v1/sections/sis_section_id:121/enrollments"


def test_a_new_name_keeps_the_short_name_unless_it_is_sent_too(sim_api, simulation):
    answer = sim_api.put(f"/api/v1/users/{STUDENT}", data={"user[name]": "Ella Wright-Jones"})
    assert answer.status_code == 200
    # The name others see in discussions stays the old one (User#infer_defaults); the sortable name follows.
    assert (answer.json["name"], answer.json["short_name"], answer.json["sortable_name"]) == (
        "Ella Wright-Jones", "Ella Wright", "Wright-Jones, Ella")
    sim_api.put(f"/api/v1/users/{STUDENT}", data={"user[short_name]": "Ella Wright-Jones",
                                                  "user[sortable_name]": "Wright Jones, Ella"})
    user = simulation.state.users[STUDENT]
    assert (user.short_name, user.sortable_name) == ("Ella Wright-Jones", "Wright Jones, Ella")


def test_an_email_needs_an_admin_who_manages_user_details(sim_api, sim_api_for, sim_app, simulation):
    answer = sim_api.put(f"/api/v1/users/{STUDENT}", data={"user[email]": "ella@new.example.edu.au"})
    assert answer.status_code == 200 and answer.json["email"] == "ella@new.example.edu.au"
    token = simulation.state.add_token(simulation.state.users[STUDENT]).token
    own = sim_api_for(sim_app, token)
    assert own.put(f"/api/v1/users/{STUDENT}", data={"user[name]": "Ella W"}).status_code == 200  # renaming oneself
    # A field the caller may not change refuses the whole request, the name with it.
    refused = own.put(f"/api/v1/users/{STUDENT}", data={"user[name]": "Ella X", "user[email]": "x@example.edu.au"})
    assert refused.status_code == 403 and refused.json["status"] == "unauthorized"
    assert simulation.state.users[STUDENT].name == "Ella W"
    assert own.put("/api/v1/users/1002", data={"user[name]": "Not mine"}).status_code == 403


def test_a_name_too_long_is_a_validation_error(sim_api):
    answer = sim_api.put(f"/api/v1/users/{STUDENT}", data={"user[name]": "x" * 256})
    assert answer.status_code == 400
    assert answer.json["errors"]["name"][0]["type"] == "too_long"


def test_a_login_another_user_holds_is_refused_and_nothing_merges(sim_api, simulation):
    [login] = sim_api.get(f"/api/v1/users/{STUDENT}/logins").json
    taken = sim_api.put(f"/api/v1/accounts/self/logins/{login['id']}",
                        data={"login[unique_id]": "MATILDA.scott@student.example.edu.au"})
    assert taken.status_code == 400 and taken.json["errors"]["unique_id"][0]["type"] == "taken"
    moved = sim_api.put(f"/api/v1/accounts/self/logins/{login['id']}",
                        data={"login[unique_id]": "ella.new@student.example.edu.au"})
    assert moved.json["unique_id"] == "ella.new@student.example.edu.au" and moved.json["sis_user_id"] == "C0025"
    found = sim_api.get("/api/v1/users/sis_login_id:" + "ella.new@student.example.edu.au".replace(".", "%2E"))
    assert found.json["id"] == STUDENT


@pytest.fixture
def invited(sim_api, simulation):
    enrollment = sim_api.post(SECTION, data={"enrollment[user_id]": STUDENT,
                                             "enrollment[enrollment_state]": "invited"}).json
    token = simulation.state.add_token(simulation.state.users[STUDENT]).token
    return enrollment["id"], token


def test_only_the_student_accepts_their_invitation(sim_api, sim_api_for, sim_app, simulation, invited):
    enrollment_id, token = invited
    path = f"/api/v1/courses/55/enrollments/{enrollment_id}/accept"
    assert sim_api.post(path).status_code == 403  # an admin's token cannot accept for the student
    answer = sim_api_for(sim_app, token).post(path)
    assert answer.json == {"success": True}
    assert simulation.state.enrollments[enrollment_id].workflow_state == "active"
    assert sim_api_for(sim_app, token).post(path).json == {"success": True}  # already accepted


@pytest.mark.parametrize("state, error", [("inactive", "membership not activated"),
                                          ("completed", "no current invitation")])
def test_no_invitation_to_accept(sim_api_for, sim_app, simulation, invited, state, error):
    enrollment_id, token = invited
    simulation.state.enrollments[enrollment_id].workflow_state = state
    answer = sim_api_for(sim_app, token).post(f"/api/v1/courses/55/enrollments/{enrollment_id}/accept")
    assert answer.status_code == 400 and answer.json == {"error": error}


def test_the_admin_surface_plays_the_student_accepting(sim_app, simulation, invited):
    enrollment_id, _ = invited
    answer = sim_app.test_client().post(f"/sim/api/enrollments/{enrollment_id}/accept", json={})
    assert answer.json == {"id": enrollment_id, "state": "active"}
    refused = sim_app.test_client().post(f"/sim/api/enrollments/{enrollment_id}/accept", json={})
    assert refused.status_code == 200  # accepting an active enrolment is a no-op, as in Canvas
    simulation.state.enrollments[enrollment_id].workflow_state = "completed"
    assert sim_app.test_client().post(f"/sim/api/enrollments/{enrollment_id}/accept", json={}).json == {
        "error": "no current invitation"}
