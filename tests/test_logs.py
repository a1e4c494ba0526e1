"""Logs: one line per request with its request id, which flows into the jobs a request queues; JSON on
request; and no password, Canvas token, client secret, OAuth code or session cookie in any line, at any
level, on the paths that handle them (issue 26)."""

import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.canvas_fixtures import link_and_transfer
from tests.helpers import KEEPING_IN_STEP, PASSWORD, sign_in
from webapp import logs
from webapp.extensions import db
from webapp.models import IntegrationDraft, LmsIntegration
from webapp.queue import enqueue_run, job_queue
from webapp.services.integrations import wizard
from webapp.services.integrations.secrets import decrypt


class Lines(logging.Handler):
    """Every record as the text and the JSON format would write it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(logs.RequestIdFilter())
        self.text, self.json = logging.Formatter(logs._TEXT), logs.JsonFormatter(logs._FIELDS)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines += [self.text.format(record), self.json.format(record)]


@pytest.fixture
def captured():
    handler, root = Lines(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def _approve_in_canvas(sim, authorise_url: str) -> tuple[str, str]:
    """The Canvas admin presses Approve: the code and state Canvas sends the browser back with."""
    query = parse_qs(urlsplit(authorise_url).query)
    answer = requests.post(f"{sim.url}/login/oauth2/accept", allow_redirects=False, timeout=10, data={
        "client_id": query["client_id"][0], "redirect_uri": query["redirect_uri"][0], "state": query["state"][0],
        "user_id": "1"})
    back = parse_qs(urlsplit(answer.headers["Location"]).query)
    return back["code"][0], back["state"][0]


def test_no_secret_reaches_a_log_line(app, client, make_user, sim, demo, captured):
    admin = make_user("admin-logs")
    assert sign_in(client, "admin-logs").status_code == 302
    client_id, client_secret = sim.developer_key

    # Page 2 of the wizard saved with a manual token and the client secret, tested against Canvas.
    step1 = client.post("/manage/lms-integrations/new").headers["Location"]
    client.post(step1, data={"name": "Demo Canvas", "product": "canvas", "transfer_units": "y", "nav": "next"})
    page2 = {"base_url": sim.url, "account_id": "self", "client_id": client_id, "client_secret": client_secret,
             "access_token": sim.admin_token, "enrol_mode": "active", "time_zone": "Australia/Sydney",
             **KEEPING_IN_STEP}
    assert client.post(step1.rsplit("/", 1)[0] + "/test", data=page2).status_code in (200, 302)
    # Then authorised with OAuth: the browser goes to Canvas and comes back with a code.
    authorise = client.post(step1[:-1] + "2", data={**page2, "access_token": "", "nav": "authorise"})
    code, state = _approve_in_canvas(sim, authorise.headers["Location"])
    back = client.get(f"/manage/lms-integrations/oauth/callback?code={code}&state={state}")
    assert back.status_code == 302
    draft = db.session.scalar(db.select(IntegrationDraft).order_by(IntegrationDraft.id.desc()))
    integration = wizard.finish(draft, admin.id)
    db.session.commit()
    integration = db.session.get(LmsIntegration, integration.id)
    access, refresh = decrypt(integration.access_token_enc), decrypt(integration.refresh_token_enc)
    assert access and refresh, "the OAuth exchange gave no tokens: the test would prove nothing"

    # A transfer to Canvas with the OAuth token, and a run queued from a page.
    link_and_transfer(demo, integration, admin)
    assert client.get("/").status_code == 200
    session_cookie = client.get_cookie("session").value

    secrets = {"password": PASSWORD, "client secret": client_secret, "manual token": sim.admin_token,
               "OAuth code": code, "access token": access, "refresh token": refresh, "session cookie": session_cookie}
    said = "\n".join(captured.lines)
    # The paths were logged (so the check below reads something): requests, Canvas calls, the transfer.
    assert "POST /login" in said and "/manage/lms-integrations/oauth/callback" in said
    assert "/api/v1/" in said and "ended: finished" in said
    for what, secret in secrets.items():
        assert secret not in said, f"the {what} appears in a log line"


def test_one_line_per_request_with_its_id_which_the_jobs_it_queues_carry(app, client, captured):
    answer = client.get("/healthz", headers={"X-Request-ID": "lb-check-0001"})
    assert answer.headers["X-Request-ID"] == "lb-check-0001"
    lines = [line for line in captured.lines if "GET /healthz" in line]
    assert len(lines) == 2  # one record, in the text and the JSON format
    record = json.loads(lines[1])
    assert record["request_id"] == "lb-check-0001" and record["status"] == 200 and record["endpoint"] == "operations.healthz"

    made_up = client.get("/healthz", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
    assert made_up != "<script>" and len(made_up) == 32  # not a plain token: one of our own instead

    with app.test_request_context("/", headers={"X-Request-ID": "click-12345678"}):
        app.preprocess_request()
        job_id = enqueue_run(42)
    assert job_queue().fetch_job(job_id).meta["request_id"] == "click-12345678"
