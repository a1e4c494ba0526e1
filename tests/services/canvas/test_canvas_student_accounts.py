"""Finding or creating a student's Canvas user where real Canvas answers in ways a lenient simulator
does not (reference §11.2–11.4), with Canvas mocked call by call."""

import pytest

from webapp.services.canvas import PermissionDenied
from webapp.services.canvas_sync.accounts import CREATE, REVIVE, Refused, Resolution, Student, resolve_user
from webapp.services.canvas_sync.transfer import _transfer_in_canvas
from webapp.services.integrations.rights import check_rights

STUDENT = Student(enrolment_id=7, client_id=3, code="C0030", name="Oliver Nguyen", email="oliver.nguyen@student.example.edu.au",
                  canvas_user_id=None, transferred_user_id=None)
SIS_TAKEN = {"errors": {"user": {}, "pseudonym": {"sis_user_id": [
    {"attribute": "sis_user_id", "type": "taken", "message": 'SIS ID "C0030" is already in use'}]},
    "observee": {}, "pairing_code": {}, "recaptcha": None}}
NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}
NOT_LOOKED_UP = Resolution(CREATE, None)  # looked up beforehand: nobody, so the transfer creates the user
SETTINGS = {"account": "self", "section_id": 87, "state": "active", "limit": True, "notify": False,
            "zone": "Australia/Sydney", "reopen": set()}


def _nobody_found(canvas_mock, url):
    canvas_mock.get(url("/api/v1/users/sis_user_id:C0030"), status=404, json=NOT_FOUND)
    canvas_mock.get(url("/api/v1/users/sis_login_id:oliver%2Enguyen%40student%2Eexample%2Eedu%2Eau"), status=404,
                    json=NOT_FOUND)


def test_a_deleted_login_that_kept_the_sis_id_is_restored(canvas_mock, canvas_client, url):
    _nobody_found(canvas_mock, url)
    canvas_mock.post(url("/api/v1/accounts/self/users"), status=400, json=SIS_TAKEN)
    _nobody_found(canvas_mock, url)  # looked up again after "taken": still nobody (a deleted login hides)
    canvas_mock.post(url("/api/v1/accounts/self/users"), json={
        "id": 4711, "name": "Oliver Nguyen", "sis_user_id": "C0030", "login_id": STUDENT.email})

    resolution = resolve_user(canvas_client, "self", STUDENT, create=True)

    assert (resolution.action, resolution.canvas_user_id, resolution.detail) == (REVIVE, 4711, "")
    creates = [c.request for c in canvas_mock.calls if c.request.method == "POST"]
    assert "enable_sis_reactivation" not in creates[0].body
    assert "enable_sis_reactivation=true" in creates[1].body


def test_a_login_canvas_cannot_restore_refuses_that_student_and_sends_no_enrolment(canvas_mock, canvas_client, url):
    _nobody_found(canvas_mock, url)
    canvas_mock.post(url("/api/v1/accounts/self/users"), status=400, json=SIS_TAKEN)
    _nobody_found(canvas_mock, url)
    canvas_mock.post(url("/api/v1/accounts/self/users"), status=400, json=SIS_TAKEN)

    outcome = _transfer_in_canvas(canvas_client, SETTINGS, {}, STUDENT, NOT_LOOKED_UP)

    assert isinstance(outcome, Refused)
    assert str(outcome).startswith("Canvas keeps the SIS user ID C0030 on a deleted login and could not restore it")
    assert "Ask your Canvas administrator to restore that student's deleted login" in str(outcome)
    assert not [c for c in canvas_mock.calls if "/enrollments" in c.request.url]


@pytest.mark.parametrize(("answer", "expected"), [
    ({"sis_user_id": None}, "Canvas created the user without SIS user ID C0030, because the integration's Canvas "
                            "user lacks “SIS Data - manage”"),
    ({}, "Canvas does not show SIS IDs to the integration's Canvas user (it lacks “SIS Data - read”)"),
])
def test_a_user_created_without_its_sis_id_is_reported(canvas_mock, canvas_client, url, answer, expected):
    _nobody_found(canvas_mock, url)
    canvas_mock.post(url("/api/v1/accounts/self/users"), json={"id": 4711, "name": "Oliver Nguyen", **answer})

    resolution = resolve_user(canvas_client, "self", STUDENT, create=True)

    assert resolution.action == CREATE and resolution.canvas_user_id == 4711
    assert expected in resolution.detail


def test_a_sub_account_admin_is_told_what_the_empty_403_means(canvas_mock, canvas_client, url):
    _nobody_found(canvas_mock, url)
    canvas_mock.post(url("/api/v1/accounts/self/users"), status=403, json={})

    with pytest.raises(PermissionDenied) as refused:  # one student's failure: the run lists it, and goes on
        _transfer_in_canvas(canvas_client, SETTINGS, {}, STUDENT, NOT_LOOKED_UP)

    assert "the integration's Canvas user is an admin of a sub-account only" in str(refused.value)
    assert "authorise the integration as an admin of the root account" in str(refused.value)
    assert not [c for c in canvas_mock.calls if "/enrollments" in c.request.url]


@pytest.mark.parametrize("email", ["a" * 90 + "@example.edu", "tab\there@example.edu"])
def test_a_login_canvas_would_refuse_is_refused_before_asking_canvas(canvas_mock, canvas_client, url, email):
    student = Student(7, 3, "C0030", "Oliver Nguyen", email, None, None)
    canvas_mock.get(url("/api/v1/users/sis_user_id:C0030"), status=404, json=NOT_FOUND)

    with pytest.raises(Refused) as refused:
        resolve_user(canvas_client, "self", student, create=True)

    assert "at most 100 printable characters" in str(refused.value)
    assert "Give the client a shorter address" in str(refused.value)


def test_test_connection_fails_a_token_that_is_no_admin(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/users/self"), json={"id": 1001, "name": "Ella Wright"})
    canvas_mock.get(url("/api/v1/accounts/self"), status=403, json={
        "status": "unauthorized", "errors": [{"message": "user not authorized to perform that action"}]})
    canvas_mock.get(url("/api/v1/accounts/self/permissions"), json={})

    report = check_rights(canvas_client)

    assert not report.ready
    assert report.summary.startswith("Connected as Ella Wright (Canvas user 1001), but not ready: 8 of 8 checks fail")
    assert report.checks[0].label == "Admin of the root account" and "Account Admin" in report.checks[0].fix
    assert [c.label for c in report.checks[1:]] == ["Read SIS IDs", "See login IDs", "Create users",
                                                    "Give users SIS IDs", "Enrol students", "See who is staff",
                                                    "Read module progress"]
    assert "“SIS Data - manage”" in report.checks[4].fix
