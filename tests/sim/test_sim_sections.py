"""Sections and courses found by Canvas id or SIS id, encoded as the reference says (§1, §2)."""

from urllib.parse import quote

import pytest

NOT_FOUND = {"errors": [{"message": "The specified resource does not exist."}]}


def canvas_quote(value: str) -> str:
    """The reference's encoding: UTF-8, percent-escaped, with `.` as %2E."""
    return quote(value, safe="").replace(".", "%2E")


@pytest.fixture
def api(make_sim_app, sim_api_for):
    seed = {"users": [{"id": 1, "name": "Admin", "login_id": "admin", "admin": True, "tokens": ["t"]}],
            "courses": [{"id": 7, "name": "CS", "sis_course_id": "CRS/7.1",
                         "sections": [{"id": 70, "name": "Odd one", "sis_section_id": "CS/101.11é"},
                                      {"id": 71, "name": "Period 2", "sis_section_id": "121"}]}]}
    return sim_api_for(make_sim_app(seed), "t")


def test_canvas_example_sis_id_is_found_when_encoded_as_the_reference_says(api):
    assert canvas_quote("CS/101.11é") == "CS%2F101%2E11%C3%A9"
    response = api.get("/api/v1/sections/sis_section_id:CS%2F101%2E11%C3%A9")
    assert response.status_code == 200
    assert response.json["id"] == 70
    assert response.json["sis_section_id"] == "CS/101.11é"


def test_an_unescaped_dot_ends_the_id_as_in_rails(api):
    response = api.get("/api/v1/sections/sis_section_id:CS%2F101.11%C3%A9")
    assert response.status_code == 404
    assert response.json == NOT_FOUND


def test_section_payload_has_canvas_fields(api):
    response = api.get("/api/v1/sections/sis_section_id:121?include[]=total_students")
    assert response.json == {
        "id": 71, "course_id": 7, "name": "Period 2", "start_at": None, "end_at": None,
        "created_at": response.json["created_at"], "restrict_enrollments_to_section_dates": False,
        "nonxlist_course_id": None, "sis_section_id": "121", "sis_course_id": "CRS/7.1", "integration_id": None,
        "sis_import_id": None, "total_students": 0}


def test_section_by_numeric_id_and_under_its_course(api):
    assert api.get("/api/v1/sections/71").json["sis_section_id"] == "121"
    assert api.get("/api/v1/courses/7/sections/sis_section_id:121").json["id"] == 71
    assert api.get("/api/v1/courses/sis_course_id:CRS%2F7%2E1/sections/71").json["id"] == 71


def test_unknown_section_and_wrong_course_are_404(api):
    assert api.get("/api/v1/sections/sis_section_id:999").json == NOT_FOUND
    assert api.get("/api/v1/sections/12345").status_code == 404
    assert api.get("/api/v1/courses/8/sections/71").status_code == 404


def test_legacy_hex_sis_id_still_parses(api):
    assert api.get("/api/v1/sections/hex:sis_section_id:" + "121".encode().hex()).json["id"] == 71


def test_course_by_sis_id(api):
    course = api.get("/api/v1/courses/sis_course_id:CRS%2F7%2E1").json
    assert (course["id"], course["name"], course["sis_course_id"]) == (7, "CS", "CRS/7.1")


def test_course_sections_search_and_all(api):
    assert [s["id"] for s in api.get("/api/v1/courses/7/sections").json] == [70, 71]
    assert [s["id"] for s in api.get("/api/v1/courses/7/sections?search_term=period").json] == [71]
    short = api.get("/api/v1/courses/7/sections?search_term=p")
    assert short.status_code == 400
    assert short.json["errors"][0]["message"] == "2 or more characters is required"
    everything = api.get("/api/v1/courses/7/sections?all=1&per_page=1")
    assert len(everything.json) == 2 and "Link" not in everything.headers


def test_unknown_api_route_is_canvas_404(api):
    response = api.get("/api/v1/nonsense")
    assert response.status_code == 404
    assert response.json == NOT_FOUND
