"""Seeing what goes on (issue 14): progress picture, exceptions, run history, audit, health."""

import csv
import io
import re
import smtplib
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from tests.services.result_transfer.test_result_transfer import _download
from webapp.extensions import db
from webapp.models import CanvasModule, EnrolmentTransfer, JobRun, ModuleStateDownload, Role
from webapp.config import mail_settings
from webapp.services.runs import nightly
from webapp.services.oversight.health import token_health
from webapp.services.oversight.progress import (
    AGREE, COMPLETED, DISAGREE, LOCKED, NO_MODULE, STARTED, UNLOCKED, Saved, agreement, canvas_state,
)
from webapp.services.result_transfer.values import ModuleState

UTC = timezone.utc


def _state(state, requirements=True, i=1):
    return ModuleState(i, f"M{i}", state, None, None, has_requirements=requirements)


# The pure decisions ---------------------------------------------------------------------------

def test_a_cell_reads_its_modules_together():
    assert canvas_state([]) == NO_MODULE
    assert canvas_state([_state("completed", i=1), _state("completed", i=2)]) == COMPLETED
    assert canvas_state([_state("completed", i=1), _state("locked", i=2)]) == STARTED
    assert canvas_state([_state("unlocked", i=1), _state("locked", i=2)]) == UNLOCKED
    assert canvas_state([_state("locked")]) == LOCKED
    # A module Canvas completes for everyone is no evidence while there is another.
    assert canvas_state([_state("completed", requirements=False, i=1), _state("unlocked", i=2)]) == UNLOCKED


def test_canvas_and_the_saved_result_agree_or_not():
    competent, continuing = Saved("Competent", True), Saved("Continuing enrolment", False)
    assert agreement(NO_MODULE, competent) is None
    assert agreement(COMPLETED, competent) == AGREE
    assert agreement(COMPLETED, continuing) == DISAGREE
    assert agreement(COMPLETED, None) == DISAGREE
    assert agreement(STARTED, continuing) == AGREE
    assert agreement(STARTED, None) == DISAGREE
    assert agreement(LOCKED, None) == AGREE
    assert agreement(LOCKED, Saved("Not started", False, begun=False)) == AGREE
    assert agreement(STARTED, Saved("Not yet started", False, begun=False)) == DISAGREE
    assert agreement(UNLOCKED, competent) == DISAGREE


def test_token_health_says_when_and_whether_it_renews(app, integration):
    now = datetime(2026, 12, 1, 10, 0)
    assert "does not expire" in token_health(integration, now).words
    integration.token_expires_at = now - timedelta(hours=1)
    health = token_health(integration, now)
    assert health.expired and not health.renewable and "authorise again" in health.words
    integration.refresh_token_enc, integration.client_id, integration.client_secret_enc = "x", "1", "y"
    assert token_health(integration, now).renewable


def test_nightly_summary_is_mailed_through_smtp_from_the_environment(app, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("tls",))

        def login(self, user, password):
            sent.append(("login", user, password))

        def send_message(self, message):
            sent.append(("message", message["To"], message["Subject"], message.get_content()))

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    run = JobRun(id=7, kind="bulk_result_download", status="finished", total=16, done=16, failed=2,
                 params={"nightly": True, "saved": 5, "waiting": 3, "kept": 1}, created_at=datetime(2026, 12, 1))
    env = {"CANVASLINK_SMTP_HOST": "mail.example.edu", "CANVASLINK_SMTP_PORT": "587", "CANVASLINK_SMTP_USER": "u",
           "CANVASLINK_SMTP_PASSWORD": "p", "CANVASLINK_NIGHTLY_EMAIL_TO": "staff@example.edu"}
    assert nightly.send_summary(*nightly.nightly_summary(run), mail_settings(env))
    assert sent[0] == ("connect", "mail.example.edu", 587) and ("login", "u", "p") in sent
    _, to, subject, body = sent[-1]
    assert to == "staff@example.edu" and "2 failed, 3 to review" in subject
    assert "Students downloaded: 14 of 16; failed: 2." in body and "Rows saved: 5; waiting for review: 3" in body
    # In development it is only logged.
    sent.clear()
    assert not nightly.send_summary("s", "b", mail_settings(env | {"CANVASLINK_ENV": "development"}))
    assert sent == []


def test_the_dashboard_names_a_failed_or_unfinished_night():
    assert nightly.nightly_notice(None) is None
    good = JobRun(status="finished", total=3, failed=0, params={"nightly": True, "waiting": 0})
    assert nightly.nightly_notice(good) is None
    left = JobRun(status="finished", total=3, failed=1, params={"nightly": True, "waiting": 2})
    assert nightly.nightly_notice(left) == ("Last night's result transfer: 1 of 3 students could not be downloaded; "
                                         "2 rows wait for review.")
    assert "failed: boom" in nightly.nightly_notice(JobRun(status="failed", message="boom", params={}))


# Over the simulator -------------------------------------------------------------------------------

def _rows(html: str, table_id: str) -> list[list[str]]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def _after_a_download(client, sim):
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")
    sim.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    sim.set_module_state(canvas_user_of("C0027"), 906, "completed", datetime(2026, 11, 3, 23, 30, tzinfo=UTC))
    _download(client)


def test_the_progress_grid_shows_the_staged_states_and_totals(client, login, transferred_121, sim):
    login()
    _after_a_download(client, sim)
    before = {k: v for k, v in sim.counters().items() if k != "buckets"}
    html = client.get("/occurrences/121/progress").get_data(as_text=True)
    assert {k: v for k, v in sim.counters().items() if k != "buckets"} == before  # the page asks Canvas nothing
    staged = db.session.scalars(select(ModuleStateDownload)).all()
    completed_905 = sum(1 for s in staged for m in s.states or [] if m["id"] == 905 and m["state"] == "completed")
    assert completed_905 == 1
    cells = re.findall(r'class="pcell s-(\w+)( disagree)?"\s+data-state="(\w+)"', html)
    assert len(cells) == 16 * len(re.findall(r'<th scope="col" title=', html))
    assert sum(1 for c in cells if c[2] == "started") >= 1 and sum(1 for c in cells if c[2] == "completed") >= 2
    # Completed in Canvas with nothing saved yet: the cell says they do not agree.
    assert any(c[0] == "completed" and c[1] for c in cells)
    assert re.search(r"1 of 16 completed", html)
    assert "Clara" in html or "/enrolments/" in html


def test_exceptions_list_and_csv_carry_the_same_rows(client, login, transferred_121, sim):
    login()
    _after_a_download(client, sim)
    transfer = db.session.scalars(select(EnrolmentTransfer)).first()
    transfer.canvas_state = "invited"
    db.session.commit()
    page = client.get("/canvas-exceptions?occurrence=121").get_data(as_text=True)
    rows = _rows(page, "exceptions")
    kinds = {row[0] for row in rows}
    assert {"Invited but not accepted", "Completed in Canvas, no result saved"} <= kinds
    exported = _csv(client.get("/canvas-exceptions.csv?occurrence=121"))
    assert exported[0] == ["Exception", "Occurrence", "Student", "Detail", "Since"]
    assert [r[:4] for r in exported[1:]] == [r[:4] for r in rows]
    only = _rows(client.get("/canvas-exceptions?kind=invited").get_data(as_text=True), "exceptions")
    assert len(only) == 1 and only[0][0] == "Invited but not accepted"
    assert client.get("/canvas-exceptions?occurrence=notanumber").status_code == 200


def test_run_history_lists_every_kind_with_counts(client, login, transferred_121, sim):
    login()
    _after_a_download(client, sim)
    db.session.add(JobRun(kind="canvas_refresh", status="failed", total=2, done=2, failed=1,
                          created_at=datetime(2026, 12, 1), params={}))
    db.session.commit()
    rows = _rows(client.get("/runs").get_data(as_text=True), "runs")
    kinds = [row[1] for row in rows]
    assert "Result download" in kinds and "Enrolment transfer" in kinds and "Canvas refresh" in kinds
    transfer = next(row for row in rows if row[1] == "Enrolment transfer")
    assert transfer[3] == "Setup-Admin" and transfer[7] == "16 of 16" and transfer[8] == "0"
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "enrolment_transfer"))
    detail = client.get(f"/runs/{run.id}").get_data(as_text=True)
    assert len(_rows(detail, "items")) == 16
    assert client.get("/runs/999999").status_code == 404


def test_mapping_health_names_renamed_and_unmapped_modules(client, login, transferred_121):
    login()
    module = db.session.scalar(select(CanvasModule).where(CanvasModule.unit_id.is_not(None)))
    old = module.name
    module.name = "Renamed after a course copy"
    db.session.commit()
    html = client.get("/mapping-health?occurrence=121").get_data(as_text=True)
    assert f"“{old}” is now “Renamed after a course copy”" in html
    assert "The mapping was kept: still mapped to" in html and "The new name matches no unit or task" in html
    assert client.get("/mapping-health?occurrence=999999").status_code == 404


def test_audit_viewer_filters_and_exports_and_permission_changes_are_audited(client, login, transferred_121,
                                                                             htmx_headers):
    admin = login()
    role = db.session.scalar(select(Role).where(Role.name == "Read only"))
    client.post(f"/manage/security/roles/{role.id}/permissions", headers=htmx_headers,
                data={"entity": "client", "action": "edit", "granted": "on"})
    rows = _rows(client.get(f"/manage/audit?user={admin.id}").get_data(as_text=True), "audit")
    assert any("Granted edit clients to Read only" in row[5] for row in rows)
    exported = _csv(client.get(f"/manage/audit.csv?user={admin.id}"))
    assert [r[1:6] for r in exported[1:]] == [r[1:6] for r in rows]
    linked = _rows(client.get("/manage/audit?what=occurrence&record=121").get_data(as_text=True), "audit")
    assert linked and all(r[2] == "Occurrence" and r[3] == "121" for r in linked)
    bad = client.get("/manage/audit?date_from=31/02/2026")
    assert bad.status_code == 422 and "There is no such date" in bad.get_data(as_text=True)
    assert client.get("/manage/audit.csv?date_from=nope").status_code == 422


def test_integration_health_counts_canvas_calls(client, login, transferred_121, integration):
    login()
    html = client.get(f"/manage/lms-integrations/{integration.id}").get_data(as_text=True)
    calls = int(re.search(r"(\d+) calls, (\d+) throttled", html).group(1))
    assert calls >= 16  # the link, module list and 16 transfers went through the counted client
    assert "121" in _rows(html, f"health-occurrences-{integration.id}")[0][0]
    listed = client.get("/manage/lms-integrations/").get_data(as_text=True)
    assert re.search(r"\d+ calls, \d+ throttled, \d+ errors", listed)
    report = client.post(f"/manage/lms-integrations/{integration.id}/rights", headers={"HX-Request": "true"})
    assert report.status_code == 200 and "Connected and ready" in report.get_data(as_text=True)
