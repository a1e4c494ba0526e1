"""The calls of linking, transferring enrolments and authorising, over real HTTP against the demo seed."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from canvas_sim.testing import running_simulator
from webapp.services.canvas import (
    CanvasClient,
    CanvasValidationError,
    NotFound,
    OAuthTokenProvider,
    StaticToken,
    exchange_authorization_code,
)

ELLA, ARCHIE = 1001, 1002  # demo users: Ella has SIS user ID C0025, Archie's login has no SIS ID


@pytest.fixture
def sim(clock):
    with running_simulator(seed="demo", clock=clock) as sim:
        yield sim


@pytest.fixture
def canvas_client(sim):
    with CanvasClient(sim.url, StaticToken(sim.admin_token)) as client:
        yield client


def test_link_finds_the_section_whose_sis_id_is_the_occurrence_id(canvas_client):
    section = canvas_client.get_section_by_sis_id("121")
    course = canvas_client.get_course(section.course_id)

    assert (section.id, course.id) == (87, 55)
    assert [m.id for m in canvas_client.list_modules(course.id)][:2] == [901, 902]
    with pytest.raises(NotFound, match="no course section with SIS ID 999 — set the section's SIS ID"):
        canvas_client.get_section_by_sis_id("999")


def test_transfer_reuses_existing_users_and_never_duplicates(canvas_client):
    assert canvas_client.get_user_by_sis_id("C0025").id == ELLA
    assert canvas_client.get_user_by_login_id("archie.clarke@student.example.edu.au").id == ARCHIE

    created = canvas_client.create_user(1, name="Noah Kelly", email="noah.kelly@student.example.edu.au",
                                        sis_user_id="C0100")
    again = canvas_client.create_user(1, name="Noah Kelly", email="noah.kelly@student.example.edu.au",
                                      sis_user_id="C0100")
    assert again.id == created.id
    logins = canvas_client.list_user_logins(created.id)
    assert [login.unique_id for login in logins] == ["noah.kelly@student.example.edu.au"]

    with pytest.raises(CanvasValidationError) as caught:
        canvas_client.create_user(1, name="Archie Clarke", email="archie.clarke@student.example.edu.au",
                                  sis_user_id="C0026")
    assert caught.value.has("taken", "unique_id")


def test_enrolment_is_idempotent_and_changes_state(canvas_client):
    first = canvas_client.enrol_in_section(87, ELLA, limit_privileges_to_course_section=True)
    second = canvas_client.enrol_in_section(87, ELLA, limit_privileges_to_course_section=True)
    assert second.id == first.id and first.enrollment_state == "active"

    [listed] = canvas_client.list_section_enrollments(87, types=["StudentEnrollment"], user_id=ELLA)
    assert listed.id == first.id and listed.limit_privileges_to_course_section is True

    assert canvas_client.deactivate_enrollment(55, first.id).enrollment_state == "inactive"
    assert canvas_client.reactivate_enrollment(55, first.id).enrollment_state == "active"
    assert canvas_client.conclude_enrollment(55, first.id).enrollment_state == "completed"


def test_an_expired_oauth_token_is_renewed_once(sim, clock):
    client_id, client_secret = sim.developer_key
    approved = requests.post(f"{sim.url}/login/oauth2/accept", allow_redirects=False, data={
        "client_id": client_id, "redirect_uri": "http://localhost/lms/callback", "user_id": 1})
    code = parse_qs(urlsplit(approved.headers["Location"]).query)["code"][0]
    tokens = exchange_authorization_code(sim.url, client_id, client_secret, code, "http://localhost/lms/callback")
    saved = []
    provider = OAuthTokenProvider(sim.url, client_id, client_secret, tokens.refresh_token,
                                  access_token=tokens.access_token, on_new_tokens=saved.append)

    with CanvasClient(sim.url, provider) as client:
        assert client.whoami().id == 1
        clock.now += 3601  # the simulator's token lifetime passes; our provider's clock does not know
        assert client.whoami().id == 1

    assert len(saved) == 1 and saved[0].access_token != tokens.access_token
