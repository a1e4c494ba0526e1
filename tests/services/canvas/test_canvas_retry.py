"""Failures worth retrying are retried with growing, jittered waits; throttling is waited out."""

import pytest
import requests
from responses import matchers

from webapp.services.canvas import CanvasValidationError, ThrottledTooLong, Unavailable

COURSE = {"id": 55, "name": "Certificate IV in WHS"}
THROTTLED = {"status": 403, "body": "403 Forbidden (Rate Limit Exceeded)\n",
             "headers": {"X-Rate-Limit-Remaining": "0.0"}, "content_type": "text/plain"}
USER = {"id": 4711, "name": "Ada Lovelace", "sis_user_id": "C001", "login_id": "ada@example.edu"}
ENROLLMENT = {"id": 880, "user_id": 4711, "course_id": 55, "course_section_id": 121,
              "type": "StudentEnrollment", "enrollment_state": "active"}


def test_5xx_is_retried_with_exponential_jittered_backoff(canvas_mock, canvas_client, url, sleeps):
    canvas_mock.get(url("/api/v1/courses/55"), status=503, body="Service Unavailable")
    canvas_mock.get(url("/api/v1/courses/55"), status=502, body="<html>Bad Gateway</html>")
    canvas_mock.get(url("/api/v1/courses/55"), json=COURSE)

    assert canvas_client.get_course(55).name == "Certificate IV in WHS"
    # Backoff(base=1): the n-th wait lies in [2**n / 2, 2**n].
    assert 0.5 <= sleeps[0] <= 1 and 1 <= sleeps[1] <= 2


@pytest.mark.parametrize("failure", [requests.ConnectionError("connection reset by peer"),
                                     requests.ReadTimeout("read timed out"),
                                     requests.exceptions.ChunkedEncodingError("connection dropped mid-body")])
def test_dropped_connections_and_timeouts_are_retried(canvas_mock, canvas_client, url, sleeps, failure):
    canvas_mock.get(url("/api/v1/courses/55"), body=failure)
    canvas_mock.get(url("/api/v1/courses/55"), json=COURSE)

    assert canvas_client.get_course(55).id == 55
    assert len(sleeps) == 1


def test_damaged_json_is_retried(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55"), body='{"id": 55, "na', content_type="application/json")
    canvas_mock.get(url("/api/v1/courses/55"), json=COURSE)

    assert canvas_client.get_course(55).id == 55


def test_gives_up_after_max_attempts(canvas_mock, make_canvas_client, url, sleeps):
    client = make_canvas_client(max_attempts=3)
    for _ in range(3):
        canvas_mock.get(url("/api/v1/courses/55"), body=requests.ReadTimeout("read timed out"))

    with pytest.raises(Unavailable) as caught:
        client.get_course(55)

    assert str(caught.value) == ("Canvas at canvas.test could not be reached while working on course 55; "
                                 "check the address, or try again later.")
    assert len(sleeps) == 2


def test_throttling_403_and_429_are_waited_out_and_never_count_as_failures(canvas_mock, make_canvas_client, url,
                                                                           sleeps):
    client = make_canvas_client(max_attempts=1)
    canvas_mock.get(url("/api/v1/courses/55"), **THROTTLED)
    canvas_mock.get(url("/api/v1/courses/55"), status=429, body="Too Many Requests", content_type="text/plain")
    canvas_mock.get(url("/api/v1/courses/55"), json=COURSE, headers={"X-Rate-Limit-Remaining": "580.5"})

    assert client.get_course(55).id == 55
    assert len(sleeps) == 2


def test_only_failures_in_a_row_exhaust_the_attempts(canvas_mock, make_canvas_client, url):
    client = make_canvas_client(max_attempts=2)
    for _ in range(3):
        canvas_mock.get(url("/api/v1/courses/55"), status=503, body="Service Unavailable")
        canvas_mock.get(url("/api/v1/courses/55"), **THROTTLED)
    canvas_mock.get(url("/api/v1/courses/55"), json=COURSE)

    assert client.get_course(55).id == 55


def test_retry_after_of_a_429_is_honoured(canvas_mock, canvas_client, url, sleeps):
    canvas_mock.get(url("/api/v1/courses/55"), status=429, headers={"Retry-After": "20"}, body="slow down")
    canvas_mock.get(url("/api/v1/courses/55"), json=COURSE)

    canvas_client.get_course(55)

    assert sleeps == [20.0]


def test_throttling_gives_up_only_after_the_total_wait_budget(canvas_mock, make_canvas_client, url, sleeps, no_jitter):
    client = make_canvas_client(max_throttle_wait=10)
    for _ in range(4):
        canvas_mock.get(url("/api/v1/courses/55"), **THROTTLED)

    with pytest.raises(ThrottledTooLong) as caught:
        client.get_course(55)

    assert sleeps == [1, 2, 4]  # the next wait, 8 s, would pass the 10 s budget
    assert str(caught.value) == "Canvas kept throttling requests for course 55 for 7 s; it is busy, try again later."


def test_the_idempotent_enrolment_post_is_retried(canvas_mock, canvas_client, url):
    canvas_mock.post(url("/api/v1/sections/121/enrollments"), status=502, body="Bad Gateway")
    canvas_mock.post(url("/api/v1/sections/121/enrollments"), json=ENROLLMENT)

    assert canvas_client.enrol_in_section(121, 4711).id == 880


def test_state_changes_are_retried(canvas_mock, canvas_client, url):
    conclude = url("/api/v1/courses/55/enrollments/880")
    canvas_mock.delete(conclude, body=requests.ReadTimeout("read timed out"))
    canvas_mock.delete(conclude, match=[matchers.query_param_matcher({"task": "conclude"})],
                       json={**ENROLLMENT, "enrollment_state": "completed"})

    assert canvas_client.conclude_enrollment(55, 880).enrollment_state == "completed"


class TestCreateUserIsNeverBlindlyRetried:
    def create(self, canvas_client):
        return canvas_client.create_user(1, name="Ada Lovelace", email="ada@example.edu", sis_user_id="C001")

    @pytest.mark.parametrize("failure", [{"status": 503, "body": "Service Unavailable"},
                                         {"body": requests.ReadTimeout("read timed out")}])
    def test_after_an_unknown_outcome_the_user_is_looked_up(self, canvas_mock, canvas_client, url, failure):
        canvas_mock.post(url("/api/v1/accounts/1/users"), **failure)
        canvas_mock.get(url("/api/v1/users/sis_user_id:C001"), json=USER)

        assert self.create(canvas_client).id == 4711

    def test_when_the_lookup_finds_nobody_the_failure_is_reported(self, canvas_mock, canvas_client, url, sleeps):
        canvas_mock.post(url("/api/v1/accounts/1/users"), status=503, body="Service Unavailable")
        canvas_mock.get(url("/api/v1/users/sis_user_id:C001"), status=404,
                        json={"errors": [{"message": "The specified resource does not exist."}]})

        with pytest.raises(Unavailable, match="error 503 while working on new user Ada Lovelace"):
            self.create(canvas_client)
        assert sleeps == []

    def test_a_taken_sis_id_means_the_user_exists(self, canvas_mock, canvas_client, url):
        canvas_mock.post(url("/api/v1/accounts/1/users"), status=400, json={"errors": {
            "user": {}, "pseudonym": {"sis_user_id": [
                {"attribute": "sis_user_id", "type": "taken", "message": 'SIS ID "C001" is already in use'}]}}})
        canvas_mock.get(url("/api/v1/users/sis_user_id:C001"), json=USER)

        assert self.create(canvas_client).sis_user_id == "C001"

    def test_a_login_taken_by_someone_else_is_reported_per_field(self, canvas_mock, canvas_client, url):
        canvas_mock.post(url("/api/v1/accounts/1/users"), status=400, json={"errors": {
            "user": {}, "pseudonym": {"unique_id": [
                {"attribute": "unique_id", "type": "taken",
                 "message": "ID already in use for this account and authentication provider"}]},
            "observee": {}, "pairing_code": {}, "recaptcha": None}})
        canvas_mock.get(url("/api/v1/users/sis_user_id:C001"), status=404,
                        json={"errors": [{"message": "The specified resource does not exist."}]})

        with pytest.raises(CanvasValidationError) as caught:
            self.create(canvas_client)

        assert caught.value.has("taken", "unique_id")
        assert not caught.value.has("taken", "sis_user_id")
        assert "ID already in use" in str(caught.value)

    def test_other_validation_errors_are_not_looked_up(self, canvas_mock, canvas_client, url):
        canvas_mock.post(url("/api/v1/accounts/1/users"), status=400, json={"errors": {"pseudonym": {"unique_id": [
            {"attribute": "unique_id", "type": "invalid", "message": "Invalid login"}]}}})

        with pytest.raises(CanvasValidationError, match="Invalid login"):
            self.create(canvas_client)
