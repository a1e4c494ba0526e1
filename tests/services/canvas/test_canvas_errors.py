"""Every error shape of reference §10 becomes a typed error an administrator can read."""

import pytest

from webapp.services.canvas import (
    BadResponse,
    CanvasValidationError,
    FieldError,
    MissingScope,
    ModuleItem,
    NotFound,
    PermissionDenied,
    Unavailable,
)
from webapp.services.canvas.diagnosis import read_error_body

NOT_AUTHORIZED = {"status": "unauthorized", "errors": [{"message": "user not authorized to perform that action"}]}
BEARER = {"WWW-Authenticate": 'Bearer realm="canvas-lms"'}


@pytest.mark.parametrize(("body", "message", "fields"), [
    ({"errors": [{"message": "The specified resource does not exist."}]},
     "The specified resource does not exist.", ()),
    (NOT_AUTHORIZED, "user not authorized to perform that action", ()),
    ({"errors": {"name": [{"attribute": "name", "type": "blank", "message": "can't be blank"}]}},
     "can't be blank", (FieldError("name", "blank", "can't be blank"),)),
    ({"errors": {"user": {}, "pseudonym": {"unique_id": [
        {"attribute": "unique_id", "type": "taken",
         "message": "ID already in use for this account and authentication provider"}]},
      "observee": {}, "pairing_code": {}, "recaptcha": None}},
     "ID already in use for this account and authentication provider",
     (FieldError("unique_id", "taken", "ID already in use for this account and authentication provider",
                 "pseudonym"),)),
    ({"message": "Can't add an enrollment to a concluded course."},
     "Can't add an enrollment to a concluded course.", ()),
    ({"error": "enrollment not inactive"}, "enrollment not inactive", ()),
    ({"error": {"message": "No progress available because this course is not module based"}},
     "No progress available because this course is not module based", ()),
    ({"errors": ["SIS imports can only be executed on root accounts"]},
     "SIS imports can only be executed on root accounts", ()),
    ({"errors": [{"field": "name", "message": "is too long", "error_code": "too_long"}]},
     "is too long", (FieldError("name", "too_long", "is too long"),)),
    ({"errors": [{"message": "user[name] is missing"}]}, "user[name] is missing", ()),
    ({"errors": [{"message": "An error occurred.", "error_code": "internal_server_error"}],
      "error_report_id": 123}, "An error occurred.", ()),
    ({"error": "invalid_grant", "error_description": "refresh_token not found"}, "refresh_token not found", ()),
    (None, "", ()),  # a logins update with no recognised field answers `null`
])
def test_read_error_body_understands_every_canvas_shape(body, message, fields):
    assert read_error_body(body) == (message, fields)


def test_404_names_the_missing_object(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55"), status=404,
                    json={"errors": [{"message": "The specified resource does not exist."}]})

    with pytest.raises(NotFound) as caught:
        canvas_client.get_course(55)

    assert str(caught.value) == "Canvas has no course 55."
    assert caught.value.status == 404


def test_a_missing_section_says_what_to_set_in_canvas(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/sections/sis_section_id:121"), status=404,
                    json={"errors": [{"message": "The specified resource does not exist."}]})

    with pytest.raises(NotFound) as caught:
        canvas_client.get_section_by_sis_id("121")

    assert str(caught.value) == ("Canvas has no course section with SIS ID 121 — set the section's SIS ID "
                                 "to the occurrence ID in Canvas.")


@pytest.mark.parametrize(("status", "headers", "body"), [
    (401, {}, NOT_AUTHORIZED),  # historical status, no WWW-Authenticate
    (403, {}, NOT_AUTHORIZED),  # api_auth_error_updates on
    (401, BEARER, NOT_AUTHORIZED),  # the body wins: refreshing cannot grant a permission
])
def test_permission_problems_are_not_token_problems(canvas_mock, canvas_client, url, status, headers, body):
    canvas_mock.get(url("/api/v1/courses/55/modules"), status=status, headers=headers, json=body)

    with pytest.raises(PermissionDenied) as caught:
        canvas_client.list_modules(55)

    assert "modules of course 55" in str(caught.value)
    assert "lacks the permission" in str(caught.value)
    assert len(canvas_mock.calls) == 1  # neither refreshed nor retried


@pytest.mark.parametrize("headers", [{}, BEARER])
def test_a_scope_the_key_does_not_grant_is_named(canvas_mock, canvas_client, url, headers):
    canvas_mock.get(url("/api/v1/courses/55/modules/901/items"), status=401, headers=headers,
                    json={"errors": [{"message": "Insufficient scopes on access token."}]})

    with pytest.raises(MissingScope) as caught:
        canvas_client._list(ModuleItem, "/api/v1/courses/55/modules/901/items", "items of module 901")

    assert caught.value.scope == "url:GET|/api/v1/courses/:course_id/modules/:module_id/items"
    assert str(caught.value) == (
        "Canvas refused items of module 901: the developer key enforces scopes and the access token lacks the "
        "scope url:GET|/api/v1/courses/:course_id/modules/:module_id/items. Add it to the key's scopes in Canvas "
        "(Admin › Developer Keys), then authorise the integration again.")
    assert len(canvas_mock.calls) == 1  # neither refreshed nor retried


def test_enrolling_an_unknown_user_or_into_an_unknown_section(canvas_mock, canvas_client, url):
    canvas_mock.post(url("/api/v1/sections/121/enrollments"), status=404,
                     json={"errors": [{"message": "The specified resource does not exist."}]})

    with pytest.raises(NotFound) as caught:
        canvas_client.enrol_in_section(121, 4711)

    assert str(caught.value) == "Canvas has no user 4711 or no section 121 to enrol them in."


def test_module_progress_of_someone_who_is_no_student_there(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55/modules"), status=401, json=NOT_AUTHORIZED)

    with pytest.raises(PermissionDenied) as caught:
        canvas_client.get_student_module_states(55, 4711)

    assert str(caught.value) == (
        "Canvas refused access to module progress of user 4711 in course 55: the Canvas user this integration "
        "acts as lacks the permission (Canvas said: user not authorized to perform that action), or user 4711 "
        "is not an active student in course 55.")


def test_validation_errors_expose_canvas_message_and_fields(canvas_mock, canvas_client, url):
    canvas_mock.post(url("/api/v1/sections/121/enrollments"), status=400,
                     json={"message": "Can't add an enrollment to a concluded course."})

    with pytest.raises(CanvasValidationError) as caught:
        canvas_client.enrol_in_section(121, 4711)

    assert str(caught.value).startswith("Canvas refused enrolment of user 4711 in section 121 (Canvas said: "
                                        "Can't add an enrollment to a concluded course.)")
    assert "extend its end date in Canvas" in str(caught.value)
    assert caught.value.status == 400
    assert len(canvas_mock.calls) == 1


def test_reactivating_an_enrollment_that_is_not_inactive(canvas_mock, canvas_client, url):
    canvas_mock.put(url("/api/v1/courses/55/enrollments/880/reactivate"), status=400,
                    json={"error": "enrollment not inactive"})

    with pytest.raises(CanvasValidationError, match=r"enrolment 880 in course 55 \(Canvas said: enrollment not"):
        canvas_client.reactivate_enrollment(55, 880)


def test_internal_errors_keep_the_raw_body_for_logs(canvas_mock, canvas_client, url, sleeps):
    body = {"errors": [{"message": "An error occurred.", "error_code": "internal_server_error"}],
            "error_report_id": 123}
    for _ in range(5):
        canvas_mock.get(url("/api/v1/courses/55"), status=500, json=body)

    with pytest.raises(Unavailable) as caught:
        canvas_client.get_course(55)

    assert str(caught.value) == ("Canvas failed with error 500 while working on course 55 "
                                 "(Canvas said: An error occurred.); try again later.")
    assert '"error_report_id": 123' in caught.value.detail
    assert len(sleeps) == 4


@pytest.mark.parametrize(("status", "headers", "body", "reason"), [
    (200, {"Content-Type": "text/html"}, "<html>Welcome to our intranet</html>", "it is not JSON"),
    (404, {"Content-Type": "text/html"}, "<html>Not Found</html>", "HTTP 404"),
    (418, {"Content-Type": "application/json"}, "{}", "HTTP 418"),
])
def test_answers_canvas_never_gives_point_at_the_address(canvas_mock, canvas_client, url, status, headers, body,
                                                         reason):
    canvas_mock.get(url("/api/v1/users/self"), status=status, headers=headers, body=body)

    with pytest.raises(BadResponse) as caught:
        canvas_client.whoami()

    assert str(caught.value) == (f"The answer from canvas.test for the user this access token acts as is not what "
                                 f"Canvas sends ({reason}); check the integration's Canvas address.")


def test_a_redirect_is_reported_with_its_target_and_not_followed(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/users/self"), status=301,
                    headers={"Location": "https://canvas.example.edu/api/v1/users/self"})

    with pytest.raises(BadResponse, match="redirects to https://canvas.example.edu/api/v1/users/self"):
        canvas_client.whoami()


def test_an_object_missing_canvas_fields_is_a_bad_response(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55"), json={"id": 55})

    with pytest.raises(BadResponse, match=r"course 55 is not what Canvas sends \(it has no 'name'\)"):
        canvas_client.get_course(55)
