"""SIS ids go on the wire escaped as the reference §1 says, `.` included."""

import pytest

from webapp.services.canvas import sis_path_id

SECTION = {"id": 121, "course_id": 55, "name": "Period 2", "sis_section_id": "CS/101.11é"}


@pytest.mark.parametrize(("value", "expected"), [
    ("121", "sis_section_id:121"),
    ("CS/101.11é", "sis_section_id:CS%2F101%2E11%C3%A9"),  # Canvas's own example
    ("a b+c?d#e&f", "sis_section_id:a%20b%2Bc%3Fd%23e%26f"),
    ("v1.2.3", "sis_section_id:v1%2E2%2E3"),
])
def test_sis_path_id_escapes_like_canvas(value, expected):
    assert sis_path_id("sis_section_id", value) == expected


def test_an_empty_sis_id_is_refused_before_any_request():
    with pytest.raises(ValueError, match="empty sis_user_id"):
        sis_path_id("sis_user_id", "")


def test_the_escaped_dot_survives_requests_url_handling(canvas_mock, canvas_client, url):
    canvas_mock.get(url("/api/v1/sections/sis_section_id:CS%2F101%2E11%C3%A9"), json=SECTION)

    section = canvas_client.get_section_by_sis_id("CS/101.11é")

    assert section.sis_section_id == "CS/101.11é"
    assert canvas_mock.calls[0].request.url == url("/api/v1/sections/sis_section_id:CS%2F101%2E11%C3%A9")


@pytest.mark.parametrize(("method", "value", "path"), [
    ("get_user_by_sis_id", "C0.01/é", "/api/v1/users/sis_user_id:C0%2E01%2F%C3%A9"),
    ("get_user_by_login_id", "ada.l@example.edu", "/api/v1/users/sis_login_id:ada%2El%40example%2Eedu"),
])
def test_user_lookups_use_prefixed_escaped_ids(canvas_mock, canvas_client, url, method, value, path):
    canvas_mock.get(url(path), json={"id": 4711, "name": "Ada Lovelace"})

    assert getattr(canvas_client, method)(value).id == 4711
    assert canvas_mock.calls[0].request.url == url(path)
