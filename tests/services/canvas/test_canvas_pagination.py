"""Every Canvas list is followed through its Link header to the last page (reference §6)."""

import pytest
from responses import matchers

from webapp.services.canvas import BadResponse


def _enrollment(n: int) -> dict:
    return {"id": n, "user_id": 4000 + n, "course_id": 55, "course_section_id": 121,
            "type": "StudentEnrollment", "enrollment_state": "active"}


def test_follows_next_links_verbatim_until_there_is_none(canvas_mock, canvas_client, url):
    first = url("/api/v1/sections/121/enrollments")
    second = url("/api/v1/sections/121/enrollments?page=bookmark:WzEwMF0&per_page=100")
    third = url("/api/v1/sections/121/enrollments?page=bookmark:WzIwMF0&per_page=100")
    canvas_mock.get(first, match=[matchers.query_param_matcher({"per_page": "100"})],
                    json=[_enrollment(n) for n in range(100)],
                    headers={"Link": f'<{first}?per_page=100>; rel="current", <{second}>; rel="next", '
                                f'<{first}?per_page=100>; rel="first"'})
    canvas_mock.get(second, json=[_enrollment(n) for n in range(100, 200)],
                    headers={"link": f'<{third}>; rel="next"'})  # header names are case-insensitive
    canvas_mock.get(third, json=[_enrollment(200)], headers={"Link": f'<{second}>; rel="prev"'})

    enrollments = canvas_client.list_section_enrollments(121)

    assert [e.id for e in enrollments] == list(range(201))
    assert [call.request.url for call in canvas_mock.calls[1:]] == [second, third]


def test_an_empty_last_page_ends_the_list(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55/modules"), json=[],
                    headers={"Link": f'<{url("/api/v1/courses/55/modules?page=1&per_page=100")}>; rel="current"'})

    assert canvas_client.list_modules(55) == []


def test_a_next_link_to_another_host_is_refused_so_the_token_stays_home(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55/modules"), json=[],
                    headers={"Link": '<https://elsewhere.test/api/v1/courses/55/modules?page=2>; rel="next"'})

    with pytest.raises(BadResponse, match="next page is on another host"):
        canvas_client.list_modules(55)


def test_a_page_that_is_not_a_list_is_a_bad_response(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/courses/55/modules"), json={"modules": []})

    with pytest.raises(BadResponse, match="modules of course 55"):
        canvas_client.list_modules(55)
