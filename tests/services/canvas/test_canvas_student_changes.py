"""Changing a student in Canvas: the calls the sync makes, as Canvas answers them (reference §4.3,
§5.4, §10), with Canvas mocked call by call."""

from urllib.parse import parse_qs

import pytest

from webapp.services.canvas import CanvasValidationError, NotFound, PermissionDenied
from webapp.services.canvas.scopes import scope_for

UNAUTHORIZED = {"status": "unauthorized", "errors": [{"message": "user not authorized to perform that action"}]}
LOGIN_TAKEN = {"errors": {"unique_id": [{"attribute": "unique_id", "type": "taken",
                                         "message": "ID already in use for this account and authentication provider"}]}}
ENROLLMENT = {"id": 880, "user_id": 4711, "course_id": 55, "course_section_id": 87, "type": "StudentEnrollment",
              "enrollment_state": "completed", "updated_at": "2026-12-02T01:00:00Z"}


def test_a_rename_sends_every_name_so_canvas_keeps_no_stale_display_name(canvas_mock, canvas_client, url):
    canvas_mock.put(url("/api/v1/users/4711"), json={"id": 4711, "name": "Ada King", "short_name": "Ada King",
                                                     "sortable_name": "King, Ada", "email": "ada@new.example"})
    user = canvas_client.update_user(4711, name="Ada King", short_name="Ada King", sortable_name="King, Ada",
                                     email="ada@new.example")
    assert user.email == "ada@new.example"
    assert parse_qs(canvas_mock.calls[0].request.body) == {
        "user[name]": ["Ada King"], "user[short_name]": ["Ada King"], "user[sortable_name]": ["King, Ada"],
        "user[email]": ["ada@new.example"]}


def test_an_email_canvas_will_not_let_this_user_change_refuses_the_whole_call(canvas_mock, canvas_client, url):
    canvas_mock.put(url("/api/v1/users/4711"), status=403, json=UNAUTHORIZED)
    with pytest.raises(PermissionDenied):
        canvas_client.update_user(4711, name="Ada King", email="ada@new.example")


def test_a_login_another_user_holds_is_named_as_taken(canvas_mock, canvas_client, url):
    canvas_mock.put(url("/api/v1/accounts/self/logins/31"), status=400, json=LOGIN_TAKEN)
    with pytest.raises(CanvasValidationError) as refused:
        canvas_client.set_login_unique_id("self", 31, "someone@example.edu")
    assert refused.value.has("taken", "unique_id")


@pytest.mark.parametrize("method, task", [("conclude_enrollment", "conclude"), ("deactivate_enrollment", "deactivate"),
                                          ("delete_enrollment", "delete")])
def test_ending_an_enrolment_is_one_delete_with_its_task(canvas_mock, canvas_client, url, method, task):
    canvas_mock.delete(url(f"/api/v1/courses/55/enrollments/880?task={task}"), json=ENROLLMENT)
    assert getattr(canvas_client, method)(55, 880).enrollment_state == "completed"


def test_an_enrolment_gone_from_canvas_is_not_found(canvas_mock, canvas_client, url):
    canvas_mock.delete(url("/api/v1/courses/55/enrollments/880?task=conclude"), status=404,
                       json={"errors": [{"message": "The specified resource does not exist."}]})
    with pytest.raises(NotFound):
        canvas_client.conclude_enrollment(55, 880)


@pytest.mark.parametrize("method, path", [
    ("PUT", "/api/v1/users/4711"), ("PUT", "/api/v1/accounts/self/logins/31"),
    ("DELETE", "/api/v1/courses/55/enrollments/880"), ("PUT", "/api/v1/courses/55/enrollments/880/reactivate")])
def test_every_change_the_sync_makes_is_in_the_scopes_canvaslink_asks_for(method, path):
    assert scope_for(method, path) is not None
