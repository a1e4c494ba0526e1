"""LMS integrations: secrets at rest, OAuth2 against the simulator, token renewal, clear messages, audit."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import text

from tests.helpers import KEEPING_IN_STEP
from webapp.extensions import db
from webapp.models import AuditEntry, LmsIntegration
from webapp.services import DomainError
from webapp.services.integrations import connection, drafts, oauth, wizard
from webapp.services.integrations.address import normalise_canvas_address
from webapp.services.integrations.secrets import decrypt

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
def sim(clock):
    from canvas_sim.testing import running_simulator

    with running_simulator(seed="demo", clock=clock) as sim:
        yield sim


def _approve_in_canvas(sim, authorise_url: str) -> str:
    """Play the Canvas admin pressing Approve; returns the code Canvas sends back."""
    query = parse_qs(urlsplit(authorise_url).query)
    answer = requests.post(f"{sim.url}/login/oauth2/accept", allow_redirects=False, timeout=10, data={
        "client_id": query["client_id"][0], "redirect_uri": query["redirect_uri"][0], "state": query["state"][0],
        "user_id": "1"})
    back = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert back["state"] == query["state"]
    return back["code"][0]


def _draft_through_page_2(user, sim, secret=None):
    draft = wizard.start_draft(user.id)
    wizard.save_step(draft, 1, dict(draft.data, name="Demo Canvas"))
    client_id, client_secret = sim.developer_key
    wizard.save_step(draft, 2, dict(draft.data, base_url=sim.url, client_id=client_id),
                      {"client_secret": secret or client_secret})
    return draft


def _authorised_integration(user, sim) -> LmsIntegration:
    draft = _draft_through_page_2(user, sim)
    url, _state = oauth.authorisation_url(draft, REDIRECT)
    report = oauth.complete_authorisation(draft, _approve_in_canvas(sim, url), REDIRECT)
    assert report.acts_as == "Integration Admin (Canvas user 1)" and report.ready
    integration = wizard.finish(draft, user.id)
    db.session.commit()
    return integration


def _all_stored_text() -> str:
    rows = []
    for table in ("lms_integration", "integration_draft", "audit_entry"):
        rows += [str(r) for r in db.session.execute(text(f"SELECT * FROM {table}"))]
    return "\n".join(rows)


def test_secrets_are_encrypted_at_rest_and_never_rendered(client, login, sim):
    admin = login()
    integration = _authorised_integration(admin, sim)
    client_secret = sim.developer_key[1]
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


def test_an_expired_access_token_is_renewed_transparently(login, sim, clock):
    admin = login()
    integration = _authorised_integration(admin, sim)
    old_token = decrypt(integration.access_token_enc)
    clock.now += 7200  # Canvas now considers the token expired ...
    integration.token_expires_at = None  # ... but canvaslink does not know: the 401 path must cope
    db.session.commit()
    with connection.canvas_client(integration) as canvas_client:
        assert canvas_client.whoami().name == "Integration Admin"
    db.session.expire_all()
    renewed = decrypt(db.session.get(LmsIntegration, integration.id).access_token_enc)
    assert renewed and renewed != old_token


def test_wrong_client_secret_is_named_when_authorising(login, sim):
    admin = login()
    draft = _draft_through_page_2(admin, sim, secret="not-the-secret")
    url, _state = oauth.authorisation_url(draft, REDIRECT)
    with pytest.raises(DomainError) as refused:
        oauth.complete_authorisation(draft, _approve_in_canvas(sim, url), REDIRECT)
    assert "does not recognise the developer key" in refused.value.message
    assert "Client Secret" in refused.value.message


def _test_connection_says(client, base_url, token="some-token"):
    response = client.post("/manage/lms-integrations/new")
    step1 = response.headers["Location"]
    client.post(step1, data={"name": "Probe", "product": "canvas", "transfer_units": "y", "nav": "next"})
    test_url = step1.rsplit("/", 1)[0] + "/test"
    answer = client.post(test_url, headers={"HX-Request": "true"}, data={
        "base_url": base_url, "account_id": "self", "client_id": "", "access_token": token,
        "enrol_mode": "active", "time_zone": "Australia/Sydney", **KEEPING_IN_STEP})
    return answer.status_code, answer.get_data(as_text=True)


def test_unreachable_address_has_its_own_message(client, login):
    login()
    status, body = _test_connection_says(client, "http://127.0.0.1:9")
    assert status == 422 and "No Canvas answered at http://127.0.0.1:9. Check the Canvas address" in body


def test_http_address_on_a_public_host_is_refused(client, login):
    login()
    status, body = _test_connection_says(client, "http://canvas.example.edu.au")
    assert status == 422 and "Canvas must be reached over https" in body


def test_a_revoked_token_has_its_own_message(client, login, sim):
    login()
    status, body = _test_connection_says(client, sim.url, token="1~revoked")
    assert status == 422 and "access token" in body.lower()
    assert "1~revoked" not in body


def test_connection_names_who_the_token_acts_as(client, login, sim):
    login()
    status, body = _test_connection_says(client, sim.url, token=sim.admin_token)
    assert status == 200 and "Connected and ready. The token acts as Integration Admin (Canvas user 1)" in body


@pytest.mark.parametrize("typed, expected", [
    ("https://Canvas.Example.edu.au/", "https://canvas.example.edu.au"),
    ("canvas.example.edu.au", "https://canvas.example.edu.au"),
    ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
    ("http://localhost:8081/", "http://localhost:8081"),
    ("https://canvas.example.edu.au./", "https://canvas.example.edu.au"),
    ("http://localhost.:8081", "http://localhost:8081"),
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
    # Refused even here, where the tests allow private networks (for the simulator):
    ("https://169.254.169.254", "link-local or cloud metadata"),
    ("https://169.254.169.254./", "link-local or cloud metadata"),
    ("https://100.100.100.200", "link-local or cloud metadata"),
    ("https://[fd00:ec2::254]", "link-local or cloud metadata"),
    ("https://[fe80::1]", "link-local or cloud metadata"),
    ("https://metadata.google.internal", "cloud metadata service"),
    ("https://2130706433", "is not a host name"),
    ("https://0x7f000001", "is not a host name"),
    ("https://127.1", "is not a host name"),
    ("https://0177.0.0.1", "is not a host name"),
    ("https://exa mple.edu.au", "is not a host name"),
    ("https://-canvas.example.edu.au", "is not a host name"),
    ("https://canvas.example.edu.au:0", "is not a web address"),
    ("https://0.0.0.0", "not an address Canvas can have"),
])
def test_bad_canvas_addresses_are_refused_with_the_reason(typed, reason):
    with pytest.raises(DomainError) as refused:
        normalise_canvas_address(typed)
    assert reason in refused.value.message and refused.value.field == "base_url"


def test_every_change_is_audited_without_secret_values(login, sim):
    admin = login()
    integration = _authorised_integration(admin, sim)
    draft = wizard.start_draft(admin.id, integration)
    wizard.save_step(draft, 2, dict(draft.data, enrol_mode="invited"), {"client_secret": "a-new-secret"})
    wizard.finish(draft, admin.id)
    wizard.delete_integration(integration, admin.id)
    db.session.commit()
    entries = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["test_address", "create", "edit", "delete"]
    assert entries[1].changes["client_secret"] == "set" and entries[1].changes["name"] == [None, "Demo Canvas"]
    assert entries[2].changes == {"enrol_mode": ["active", "invited"], "client_secret": "replaced"}
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


@pytest.fixture
def other_host():
    """Some host that is not Canvas: records what reaches it, answers 404 pages."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from types import SimpleNamespace

    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append((self.command, self.path, self.headers.get("Authorization")))
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<h1>Not found</h1>")

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", seen=seen)
    server.shutdown()
    server.server_close()


def _edit_step2_test(client, integration, data):
    step1 = client.post(f"/manage/lms-integrations/{integration.id}/edit").headers["Location"]
    client.post(step1, data={"name": integration.name, "product": "canvas", "transfer_units": "y", "nav": "next"})
    return client.post(step1.rsplit("/", 1)[0] + "/test", headers={"HX-Request": "true"}, data={
        "account_id": "self", "client_id": integration.client_id, "enrol_mode": "active",
        "time_zone": "Australia/Sydney", **KEEPING_IN_STEP} | data)


def test_a_new_address_gets_none_of_the_saved_secrets(client, login, sim, other_host):
    admin = login()
    integration = _authorised_integration(admin, sim)
    response = _edit_step2_test(client, integration, {"base_url": other_host.url})
    assert response.status_code == 422 and "not authorised yet" in response.get_data(as_text=True)
    assert other_host.seen == []

    draft = wizard.start_draft(admin.id, integration)
    wizard.save_step(draft, 2, dict(draft.data, base_url=other_host.url))
    assert not any(drafts.secret_is_set(draft, name) for name in drafts.SECRETS)
    wizard.save_step(draft, 3, draft.data)
    wizard.save_step(draft, 4, draft.data)
    saved = wizard.finish(draft, admin.id)
    db.session.commit()
    assert (saved.client_secret_enc, saved.access_token_enc, saved.refresh_token_enc) == (None, None, None)
    assert other_host.seen == []


def test_every_test_connection_to_a_new_address_is_audited(client, login, sim, other_host):
    admin = login()
    integration = _authorised_integration(admin, sim)
    response = _edit_step2_test(client, integration, {"base_url": other_host.url, "access_token": "typed-for-it"})
    assert response.status_code == 422
    assert other_host.seen == [("GET", "/api/v1/users/self", "Bearer typed-for-it")]
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "test_address")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.user_id == admin.id and entry.entity_id == integration.id
    assert entry.changes == {"base_url": [sim.url, other_host.url]}


def test_connection_errors_do_not_tell_an_open_port_from_a_closed_one(client, login, other_host):
    login()
    closed = "http://127.0.0.1:9"
    _status, open_body = _test_connection_says(client, other_host.url)
    _status, closed_body = _test_connection_says(client, closed)
    assert "No Canvas answered at" in open_body
    assert open_body.replace(other_host.url, closed) == closed_body


@pytest.mark.parametrize("typed", ["http://127.0.0.1:8081", "http://localhost:8081", "https://10.1.2.3",
                                   "https://192.168.0.10", "https://[::1]", "https://100.64.0.1",
                                   "https://[::ffff:127.0.0.1]"])
def test_private_and_loopback_addresses_need_the_setting(app, monkeypatch, typed):
    monkeypatch.setitem(app.config, "CANVAS_ALLOW_PRIVATE_ADDRESSES", False)
    with pytest.raises(DomainError) as refused:
        normalise_canvas_address(typed)
    assert "private network" in refused.value.message
    monkeypatch.setitem(app.config, "CANVAS_ALLOW_PRIVATE_ADDRESSES", True)
    assert normalise_canvas_address(typed)


def test_public_addresses_need_no_setting(app, monkeypatch):
    monkeypatch.setitem(app.config, "CANVAS_ALLOW_PRIVATE_ADDRESSES", False)
    assert normalise_canvas_address("https://8.8.8.8") == "https://8.8.8.8"
    assert normalise_canvas_address("canvas.example.edu.au") == "https://canvas.example.edu.au"
