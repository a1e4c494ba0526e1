"""LMS integrations: secrets at rest, OAuth2 against the simulator, token renewal, clear messages, audit."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import text

from webapp.extensions import db
from webapp.models import AuditEntry, LmsIntegration
from webapp.services import DomainError
from webapp.services import integrations as service
from webapp.services.canvas_address import normalise_canvas_address
from webapp.services.secrets import decrypt

REDIRECT = "http://127.0.0.1/manage/lms-integrations/oauth/callback"


class FakeClock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def canvas(clock):
    from canvas_sim.testing import running_simulator

    with running_simulator(seed="demo", clock=clock) as sim:
        yield sim


def _approve_in_canvas(canvas, authorise_url: str) -> str:
    """Play the Canvas admin pressing Approve; returns the code Canvas sends back."""
    query = parse_qs(urlsplit(authorise_url).query)
    answer = requests.post(f"{canvas.url}/login/oauth2/accept", allow_redirects=False, timeout=10, data={
        "client_id": query["client_id"][0], "redirect_uri": query["redirect_uri"][0], "state": query["state"][0],
        "user_id": "1"})
    back = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert back["state"] == query["state"]
    return back["code"][0]


def _draft_through_page_2(user, canvas, secret=None):
    draft = service.start_draft(user.id)
    service.save_step(draft, 1, dict(draft.data, name="Demo Canvas"))
    client_id, client_secret = canvas.developer_key
    service.save_step(draft, 2, dict(draft.data, base_url=canvas.url, client_id=client_id),
                      {"client_secret": secret or client_secret})
    return draft


def _authorised_integration(user, canvas) -> LmsIntegration:
    draft = _draft_through_page_2(user, canvas)
    url, _state = service.authorisation_url(draft, REDIRECT)
    report = service.complete_authorisation(draft, _approve_in_canvas(canvas, url), REDIRECT)
    assert report.acts_as == "Integration Admin (Canvas user 1)" and report.ready
    integration = service.finish(draft, user.id)
    db.session.commit()
    return integration


def _all_stored_text() -> str:
    rows = []
    for table in ("lms_integration", "integration_draft", "audit_entry"):
        rows += [str(r) for r in db.session.execute(text(f"SELECT * FROM {table}"))]
    return "\n".join(rows)


def test_secrets_are_encrypted_at_rest_and_never_rendered(client, login, canvas):
    admin = login()
    integration = _authorised_integration(admin, canvas)
    client_secret = canvas.developer_key[1]
    access, refresh = decrypt(integration.access_token_enc), decrypt(integration.refresh_token_enc)
    assert access and refresh and decrypt(integration.client_secret_enc) == client_secret

    stored = _all_stored_text()
    for secret in (client_secret, access, refresh):
        assert secret not in stored

    step1 = client.post(f"/manage/lms-integrations/{integration.id}/edit").headers["Location"]
    client.post(step1, data={"name": "Demo Canvas", "product": "canvas", "transfer_units": "y", "nav": "next"})
    pages = [client.get(p).get_data(as_text=True) for p in (
        "/manage/lms-integrations/", f"/manage/lms-integrations/{integration.id}", step1, step1[:-1] + "2")]
    assert "Authorised with OAuth; the token renews itself." in pages[3]
    for page in pages:
        for secret in (client_secret, access, refresh):
            assert secret not in page
    assert "Client Secret</dt><dd>set</dd>" in pages[1]


def test_an_expired_access_token_is_renewed_transparently(login, canvas, clock):
    admin = login()
    integration = _authorised_integration(admin, canvas)
    old_token = decrypt(integration.access_token_enc)
    clock.now += 7200  # Canvas now considers the token expired ...
    integration.token_expires_at = None  # ... but canvaslink does not know: the 401 path must cope
    db.session.commit()
    with service.canvas_client(integration) as canvas_client:
        assert canvas_client.whoami().name == "Integration Admin"
    db.session.expire_all()
    renewed = decrypt(db.session.get(LmsIntegration, integration.id).access_token_enc)
    assert renewed and renewed != old_token


def test_wrong_client_secret_is_named_when_authorising(login, canvas):
    admin = login()
    draft = _draft_through_page_2(admin, canvas, secret="not-the-secret")
    url, _state = service.authorisation_url(draft, REDIRECT)
    with pytest.raises(DomainError) as refused:
        service.complete_authorisation(draft, _approve_in_canvas(canvas, url), REDIRECT)
    assert "does not recognise the developer key" in refused.value.message
    assert "Client Secret" in refused.value.message


def _test_connection_says(client, base_url, token="some-token"):
    response = client.post("/manage/lms-integrations/new")
    step1 = response.headers["Location"]
    client.post(step1, data={"name": "Probe", "product": "canvas", "transfer_units": "y", "nav": "next"})
    test_url = step1.rsplit("/", 1)[0] + "/test"
    answer = client.post(test_url, headers={"HX-Request": "true"}, data={
        "base_url": base_url, "account_id": "self", "client_id": "", "access_token": token,
        "enrol_mode": "active", "time_zone": "Australia/Sydney"})
    return answer.status_code, answer.get_data(as_text=True)


def test_unreachable_address_has_its_own_message(client, login):
    login()
    status, body = _test_connection_says(client, "http://127.0.0.1:9")
    assert status == 422 and "127.0.0.1:9 could not be reached" in body


def test_http_address_on_a_public_host_is_refused(client, login):
    login()
    status, body = _test_connection_says(client, "http://canvas.example.edu.au")
    assert status == 422 and "Canvas must be reached over https" in body


def test_a_revoked_token_has_its_own_message(client, login, canvas):
    login()
    status, body = _test_connection_says(client, canvas.url, token="1~revoked")
    assert status == 422 and "access token" in body.lower()
    assert "1~revoked" not in body


def test_connection_names_who_the_token_acts_as(client, login, canvas):
    login()
    status, body = _test_connection_says(client, canvas.url, token=canvas.admin_token)
    assert status == 200 and "Connected and ready. The token acts as Integration Admin (Canvas user 1)" in body


@pytest.mark.parametrize("typed, expected", [
    ("https://Canvas.Example.edu.au/", "https://canvas.example.edu.au"),
    ("canvas.example.edu.au", "https://canvas.example.edu.au"),
    ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
    ("http://localhost:8081/", "http://localhost:8081"),
])
def test_canvas_addresses_are_normalised(typed, expected):
    assert normalise_canvas_address(typed) == expected


@pytest.mark.parametrize("typed, reason", [
    ("", "Enter the Canvas address"),
    ("http://canvas.example.edu.au", "must be reached over https"),
    ("https://canvas.example.edu.au/courses/12", "without “/courses/12”"),
    ("https://canvas.example.edu.au/?x=1", "Enter only the Canvas site"),
    ("https://admin:pw@canvas.example.edu.au", "Leave names and passwords out"),
    ("ftp://canvas.example.edu.au", "is not a web address"),
    ("https://canvas.example.edu.au:99999", "is not a web address"),
])
def test_bad_canvas_addresses_are_refused_with_the_reason(typed, reason):
    with pytest.raises(DomainError) as refused:
        normalise_canvas_address(typed)
    assert reason in refused.value.message and refused.value.field == "base_url"


def test_every_change_is_audited_without_secret_values(login, canvas):
    admin = login()
    integration = _authorised_integration(admin, canvas)
    draft = service.start_draft(admin.id, integration)
    service.save_step(draft, 2, dict(draft.data, enrol_mode="invited"), {"client_secret": "a-new-secret"})
    service.finish(draft, admin.id)
    service.delete_integration(integration, admin.id)
    db.session.commit()
    entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["create", "edit", "delete"]
    assert entries[0].changes["client_secret"] == "set" and entries[0].changes["name"] == [None, "Demo Canvas"]
    assert entries[1].changes == {"enrol_mode": ["active", "invited"], "client_secret": "replaced"}
    assert all(e.user_id == admin.id for e in entries)
    assert "a-new-secret" not in _all_stored_text()


def test_a_draft_belongs_to_its_user(client, login, make_user):
    from tests.helpers import sign_in

    login()
    step1 = client.post("/manage/lms-integrations/new").headers["Location"]
    make_user("other-admin")
    client.post("/logout")
    sign_in(client, "other-admin")
    assert client.get(step1).status_code == 404


def test_pages_cannot_be_skipped(client, login):
    login()
    step1 = client.post("/manage/lms-integrations/new").headers["Location"]
    response = client.get(step1[:-1] + "4")
    assert response.status_code == 302 and response.headers["Location"].endswith("/1")


def test_at_least_one_transfer_level(client, login):
    login()
    step1 = client.post("/manage/lms-integrations/new").headers["Location"]
    response = client.post(step1, data={"name": "No levels", "product": "canvas", "nav": "next"})
    assert response.status_code == 422
    assert "Choose at least one transfer level" in response.get_data(as_text=True)
