"""Round 3 of matching Canvas (reference §12): granular enrolment rights, e-mail channels, reading
e-mail addresses, and the answers that were kinder than Canvas's."""

import pytest

from canvas_sim.seeds import load_seed
from tests.sim.conftest import demo_with

NOT_AUTHORIZED = {"status": "unauthorized", "errors": [{"message": "user not authorized to perform that action"}]}
ENROLMENTS = "/api/v1/courses/55/enrollments"


@pytest.fixture
def granular_app(make_sim_app):
    """The demo with two custom admin roles (Students – add only; add and remove) and a student enrolled."""
    seed = demo_with(
        {"id": 30, "name": "Adds only", "login_id": "adds", "admin": True, "tokens": ["adds"],
         "without_permissions": ["remove_student_from_course", "read_email_addresses"]},
        {"id": 31, "name": "Adds and removes", "login_id": "removes", "admin": True, "tokens": ["removes"],
         "without_permissions": ["manage_students", "allow_course_admin_actions"]},
        enrollments=[{"id": 500, "user_id": 1001, "section_id": 87, "state": "active"},
                     {"id": 501, "user_id": 1003, "section_id": 87, "state": "inactive"}])
    return make_sim_app(seed, granular_permissions=True)


@pytest.fixture
def as_(granular_app, sim_api_for):
    return lambda token="7~canvaslink-demo-admin-token": sim_api_for(granular_app, token)


RIGHTS = "permissions[]=add_student_to_course&permissions[]=remove_student_from_course" \
         "&permissions[]=manage_students&permissions[]=read_email_addresses"


def test_permissions_answer_the_granular_rights_truthfully(as_):
    assert as_().get(f"/api/v1/accounts/self/permissions?{RIGHTS}").json == {
        "add_student_to_course": True, "remove_student_from_course": True, "manage_students": True,
        "read_email_addresses": True}
    assert as_("adds").get(f"/api/v1/accounts/self/permissions?{RIGHTS}").json == {
        "add_student_to_course": True, "remove_student_from_course": False, "manage_students": True,
        "read_email_addresses": False}


@pytest.mark.parametrize("task", ["deactivate", "inactivate", "delete"])
def test_ending_an_enrolment_needs_remove_student_from_course(as_, task):
    refused = as_("adds").delete(f"{ENROLMENTS}/500?task={task}")
    assert (refused.status_code, refused.json) == (403, NOT_AUTHORIZED)
    assert as_().get(f"{ENROLMENTS}?state[]=active").json[0]["id"] == 500  # untouched
    ended = as_("removes").delete(f"{ENROLMENTS}/500?task={task}")
    assert ended.status_code == 200 and ended.json["enrollment_state"] in ("inactive", "deleted")
    assert "user" not in ended.json  # Canvas's destroy answer has no user object (§12.1)


def test_concluding_needs_manage_students_or_course_admin_actions(as_):
    refused = as_("removes").delete(f"{ENROLMENTS}/500")  # task missing: conclude
    assert (refused.status_code, refused.json) == (403, NOT_AUTHORIZED)
    assert as_("adds").delete(f"{ENROLMENTS}/500?task=conclude").json["enrollment_state"] == "completed"


def test_reactivating_needs_remove_and_answers_without_user(as_):
    assert as_("adds").put(f"{ENROLMENTS}/501/reactivate").status_code == 403
    back = as_("removes").put(f"{ENROLMENTS}/501/reactivate")
    assert (back.status_code, back.json["enrollment_state"], "user" in back.json) == (200, "active", False)


def test_enrolling_needs_add_student_to_course(make_sim_app, sim_api_for):
    app = make_sim_app(demo_with({"id": 32, "name": "Removes only", "login_id": "r", "admin": True, "tokens": ["r"],
                                  "without_permissions": ["add_student_to_course"]}), granular_permissions=True)
    form = {"enrollment[user_id]": "1002", "enrollment[type]": "StudentEnrollment"}
    assert sim_api_for(app, "r").post("/api/v1/sections/87/enrollments", data=form).status_code == 403
    app.extensions["canvas_sim"].configure(granular_permissions=False)  # manage_students covers it then
    assert sim_api_for(app, "r").post("/api/v1/sections/87/enrollments", data=form).status_code == 200


def test_an_email_change_makes_an_unconfirmed_channel_on_top(as_):
    admin = as_()
    before = admin.get("/api/v1/users/1001/communication_channels").json
    assert [(c["address"], c["workflow_state"], c["position"]) for c in before] == [
        ("ella.wright@student.example.edu.au", "active", 1)]
    changed = admin.put("/api/v1/users/1001", data={"user[email]": "ella@new.example.edu"})
    assert (changed.status_code, changed.json["email"]) == (200, "ella@new.example.edu")
    after = admin.get("/api/v1/users/1001/communication_channels").json
    assert [(c["address"], c["workflow_state"], c["position"]) for c in after] == [
        ("ella@new.example.edu", "unconfirmed", 1), ("ella.wright@student.example.edu.au", "active", 2)]
    # Back to the old address: found, moved to the top, still confirmed.
    admin.put("/api/v1/users/1001", data={"user[email]": "Ella.Wright@student.example.edu.au"})
    assert [(c["workflow_state"], c["position"]) for c in
            admin.get("/api/v1/users/1001/communication_channels").json] == [("active", 1), ("unconfirmed", 2)]


def test_an_invalid_email_fails_after_the_names_were_saved(as_):
    admin = as_()
    failed = admin.put("/api/v1/users/1001", data={"user[name]": "Ella Wright-Jones", "user[email]": "not an address"})
    assert failed.status_code == 400
    assert admin.get("/api/v1/users/1001").json["name"] == "Ella Wright-Jones"
    assert len(admin.get("/api/v1/users/1001/communication_channels").json) == 1


def test_channels_need_the_right_to_manage_user_details(make_sim_app, sim_api_for):
    app = make_sim_app(demo_with({"id": 33, "name": "No logins", "login_id": "n", "admin": True, "tokens": ["n"],
                                  "without_permissions": ["manage_user_logins"]}))
    assert sim_api_for(app, "n").get("/api/v1/users/1001/communication_channels").status_code == 403


def test_email_needs_read_email_addresses_whatever_include_says(as_):
    assert as_().get("/api/v1/users/1001?include[]=email").json["email"] == "ella.wright@student.example.edu.au"
    assert "email" not in as_("adds").get("/api/v1/users/1001?include[]=email").json
    assert as_("adds").get("/api/v1/users/1001/profile").json["primary_email"] is None


def test_user_id_without_state_lists_active_and_invited_only(make_sim_app, sim_api_for):
    seed = load_seed("demo")
    seed = {**seed, "courses": [{**seed["courses"][0], "workflow_state": "unpublished"}],
            "enrollments": [{"user_id": 1001, "section_id": 87, "state": "creation_pending"},
                            {"user_id": 1003, "section_id": 87, "state": "active"}]}
    api = sim_api_for(make_sim_app(seed))
    assert api.get("/api/v1/sections/87/enrollments?user_id=1001").json == []
    assert [e["user_id"] for e in api.get("/api/v1/sections/87/enrollments").json] == [1001, 1003]
    assert len(api.get("/api/v1/sections/87/enrollments?user_id=1001&state[]=creation_pending").json) == 1


def _progress_seed(sequential: bool):
    seed = load_seed("demo")
    course = seed["courses"][0]
    modules = [{**m, "unlock_at": None, "require_sequential_progress": sequential} for m in course["modules"]]
    modules.insert(0, {"id": 900, "name": "Read me", "position": 0,
                       "items": [{"title": "About", "type": "SubHeader"}]})  # no requirements
    return {**seed, "courses": [{**course, "modules": modules}],
            "enrollments": [{"user_id": 1001, "section_id": 87, "state": "active"}]}


@pytest.mark.parametrize("sequential", [False, True])
def test_next_requirement_url_only_for_sequential_modules(make_sim_app, sim_api_for, sequential):
    api = sim_api_for(make_sim_app(_progress_seed(sequential)))
    url = api.get("/api/v1/courses/55/bulk_user_progress").json[0]["progress"]["next_requirement_url"]
    assert (url is not None) == sequential


def test_reading_progress_changes_nothing(make_sim_app, sim_api_for):
    app = make_sim_app(_progress_seed(False))
    state = app.extensions["canvas_sim"].state
    sim_api_for(app).get("/api/v1/courses/55/bulk_user_progress")
    assert state.progress == {}  # no completion of the requirement-less module 900 stored
