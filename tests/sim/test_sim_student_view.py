"""What a student sees (reference §3.1, §11.7), and finished students (§11.6)."""

import pytest

MODULES = "/api/v1/courses/5/modules"
HIDDEN = {"errors": [{"message": "The specified resource does not exist."}]}


@pytest.fixture
def view_app(make_sim_app):
    """Students 10 and 11; module 51 has an unpublished and a differentiated item, 52 is
    unpublished, 53 is only for student 11, 54 has only a requirement-free item for 10."""
    seed = {"users": [{"id": 1, "name": "Admin", "login_id": "admin", "admin": True, "tokens": ["t"]},
                      {"id": 10, "name": "Ten", "login_id": "ten", "tokens": ["ten"]},
                      {"id": 11, "name": "Eleven", "login_id": "eleven"}],
            "courses": [{"id": 5, "name": "C", "sections": [{"id": 50, "name": "S"}], "modules": [
                {"id": 51, "name": "Week 1", "items": [
                    {"id": 1, "title": "Read", "requirement": {"type": "must_view"}},
                    {"id": 2, "title": "Draft page", "published": False, "requirement": {"type": "must_view"}},
                    {"id": 3, "title": "Extension task", "assigned_to": [11], "requirement": {"type": "must_view"}}]},
                {"id": 52, "name": "Not ready", "published": False, "items": ["Later"]},
                {"id": 53, "name": "Catch-up", "assigned_to": [11], "items": ["Catch up"]},
                {"id": 54, "name": "Optional", "items": [
                    {"id": 4, "title": "Note", "type": "SubHeader"},
                    {"id": 5, "title": "For eleven", "assigned_to": [11], "requirement": {"type": "must_view"}}]}]}],
            "enrollments": [{"user_id": 10, "section_id": 50}, {"user_id": 11, "section_id": 50}]}
    return make_sim_app(seed)


@pytest.fixture
def admin(view_app, sim_api_for):
    return sim_api_for(view_app, "t")


def student_view(api, student_id=10):
    return {m["id"]: m for m in api.get(f"{MODULES}?student_id={student_id}&include[]=items").json}


def test_a_student_sees_neither_unpublished_nor_others_modules(admin):
    assert list(student_view(admin, 10)) == [51, 54]
    assert list(student_view(admin, 11)) == [51, 53, 54]
    assert admin.get(f"{MODULES}/52?student_id=10").json == HIDDEN
    assert admin.get(f"{MODULES}/53?student_id=10").status_code == 404
    assert admin.get(f"{MODULES}/53/items?student_id=10").status_code == 404
    assert admin.get(f"{MODULES}/53?student_id=11").status_code == 200


def test_hidden_items_leave_the_items_and_the_count(admin):
    module = student_view(admin, 10)[51]
    assert (module["items_count"], [i["id"] for i in module["items"]]) == (1, [1])
    assert [i["id"] for i in admin.get(f"{MODULES}/51/items?student_id=10").json] == [1]
    eleven = student_view(admin, 11)[51]
    assert (eleven["items_count"], [i["id"] for i in eleven["items"]]) == (2, [1, 3])


def test_state_counts_only_the_visible_requirements(view_app, admin):
    simulation = view_app.extensions["canvas_sim"]
    simulation.set_module_state(10, 51, "started")
    # Ten's only visible requirement is item 1, so "started" meets none of them yet...
    assert student_view(admin, 10)[51]["items"][0]["completion_requirement"]["completed"] is False
    simulation.set_module_state(10, 51, "completed")
    assert student_view(admin, 10)[51]["state"] == "completed"
    # ...and a module whose visible items carry no requirement is complete once unlocked.
    assert (student_view(admin, 10)[54]["state"], student_view(admin, 11)[54]["state"]) == ("completed", "unlocked")


def test_the_admin_view_is_unchanged(admin):
    modules = {m["id"]: m for m in admin.get(f"{MODULES}?include[]=items").json}
    assert list(modules) == [51, 52, 53, 54]
    assert (modules[51]["items_count"], modules[52]["published"]) == (3, False)
    assert [(i["id"], i["published"]) for i in modules[51]["items"]] == [(1, True), (2, False), (3, True)]
    assert len(admin.get(f"{MODULES}/51/items").json) == 3


def test_a_student_token_gets_the_student_view(admin, sim_api_for, view_app):
    ten = sim_api_for(view_app, "ten")
    assert [m["id"] for m in ten.get(MODULES).json] == [51, 54]
    assert ten.get(f"{MODULES}/52").status_code == 404
    assert ten.get(f"{MODULES}/51").json["items_count"] == 1


def test_admin_api_builds_hidden_modules_and_items(view_app, admin):
    created = view_app.test_client().post("/sim/api/courses/5/modules", json={
        "name": "Private", "published": True, "assigned_to": [11],
        "items": [{"title": "Hidden", "published": False}, {"title": "Shown"}]}).json
    assert created["id"] not in student_view(admin, 10)
    assert [i["title"] for i in student_view(admin, 11)[created["id"]]["items"]] == ["Shown"]


@pytest.mark.parametrize("state", ["completed", "inactive", "rejected", "deleted"])
def test_progress_of_a_finished_student_is_refused(view_app, admin, state):
    enrollment = next(e for e in view_app.extensions["canvas_sim"].state.enrollments.values() if e.user_id == 10)
    view_app.test_client().patch(f"/sim/api/enrollments/{enrollment.id}", json={"state": state})
    refused = admin.get(f"{MODULES}?student_id=10")
    assert (refused.status_code, refused.json["status"]) == (403, "unauthorized")
    assert admin.get(f"{MODULES}?student_id=11").status_code == 200
