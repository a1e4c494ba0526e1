"""The client against answers recorded from real Canvas instances (canvasapi's fixtures replayed
through our models, issue 23 §5): shapes the simulator never sends, each read as Canvas meant it."""

import pytest
from responses import matchers

from webapp.services.canvas import BadResponse, FieldError, NotFound
from webapp.services.canvas.diagnosis import read_error_body


def test_a_module_item_field_we_do_not_read_never_fails_the_modules(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55/modules"), json=[
        {"id": 902, "name": "BSBWHS411", "position": 2, "state": "completed",
         "items": [{"id": 7004, "title": None, "type": "Page", "completion_requirement": {
             "type": "must_view", "completed": True}},  # no module_id, no position, a null title
                   {"id": 7005, "module_id": "902", "position": "2", "title": "Quiz", "type": "Quiz"}]}])

    [module] = canvas_client.get_student_module_states(55, 1001)

    assert [item.completion_requirement.completed if item.completion_requirement else None
            for item in module.items] == [True, None]


def test_a_module_with_a_null_name_is_named_by_its_id(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55/modules"), json=[{"id": 901, "name": None, "position": 1},
                                                             {"id": 902, "name": "BSBWHS411", "position": 2}])
    assert [m.name for m in canvas_client.list_modules(55)] == ["Module 901 (no name in Canvas)", "BSBWHS411"]


def test_an_http_next_link_to_our_own_host_is_read_over_https(canvas_mock, canvas_client, url):
    path = "/api/v1/sections/87/enrollments"
    canvas_mock.get(url(path), json=[], match=[matchers.query_param_matcher({"per_page": "100"})], headers={
        "Link": f'<http://canvas.test{path}?page=bookmark:x>; rel="next"'})
    # Registered on https only: the token never travels in clear.
    canvas_mock.get(url(path), json=[], match=[matchers.query_param_matcher({"page": "bookmark:x"})])
    assert canvas_client.list_section_enrollments(87) == []


def test_an_http_next_link_to_another_host_is_still_refused(canvas_mock, canvas_client, url):
    path = "/api/v1/sections/87/enrollments"
    canvas_mock.get(url(path), json=[], headers={"Link": f'<http://elsewhere.test{path}?page=2>; rel="next"'})
    with pytest.raises(BadResponse, match="its next page is on another host"):
        canvas_client.list_section_enrollments(87)


def test_a_404_without_a_body_is_not_found(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55"), status=404, body="")
    with pytest.raises(NotFound, match="Canvas has no course 55."):
        canvas_client.get_course(55)


def test_a_progress_element_with_an_error_leaves_out_that_student_only(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55/bulk_user_progress"), json=[
        {"id": 1001, "display_name": "Ella", "progress": {"error": {"message": "no progress available"}}},
        {"id": 1003, "display_name": "Matilda", "progress": {"requirement_count": 4,
                                                             "requirement_completed_count": 1,
                                                             "next_requirement_url": None, "completed_at": None}}])
    assert [p.id for p in canvas_client.list_student_progress(55)] == [1003]


def test_a_taken_login_is_told_by_its_own_error_not_the_users_echo_of_it():
    taken = {"attribute": "unique_id", "type": "taken",
             "message": "ID already in use for this account and authentication provider"}
    body = {"errors": {"user": {"pseudonyms": [{"attribute": "pseudonyms", "type": "invalid",
                                                "message": "is invalid"}]},
                       "pseudonym": {"unique_id": [taken]}, "observee": {}, "pairing_code": {}, "recaptcha": None}}
    message, fields = read_error_body(body)
    assert message == "ID already in use for this account and authentication provider"
    assert FieldError("unique_id", "taken", taken["message"], "pseudonym") in fields
