"""Withdraw a transferred student in the browser: a real RQ worker stages their progress and concludes
their Canvas enrolment, leaving the others as they were; enrolled again, they are active again."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import AuditEntry, Client, Enrolment, ModuleStateDownload
from webapp.rto_time import format_rto_date
from webapp.services.clock import utcnow

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def _states(canvas) -> dict[int, str]:
    with canvas.state.lock:
        return {e.user_id: e.workflow_state for e in canvas.state.enrollments.values() if e.section_id == 87}


def _set_status(page, enrolment_id, label):
    page.goto(f"/enrolments/{enrolment_id}/edit")
    page.get_by_label("Status").select_option(label=label)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("Saved the enrolment")


def _worker(redis_url):
    worker = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env=dict(os.environ, REDIS_URL=redis_url))
    assert worker.returncode == 0, worker.stderr


def test_withdraw_then_enrol_again(page, browser_sign_in, transferred_121, canvas, redis_url):
    enrolment_id = db.session.scalar(select(Enrolment.id).join(Client).where(Client.code == "C0030"))
    student = canvas_user_of("C0030")
    canvas.set_module_state(student, 902, "completed")
    before = _states(canvas)
    browser_sign_in("admin", "x" * 12)

    started = time.monotonic()
    _set_status(page, enrolment_id, "Withdrawn (Withdrawn)")
    _worker(redis_url)
    assert time.monotonic() - started < 60

    after = _states(canvas)
    assert after[student] == "completed"
    assert {user: state for user, state in after.items() if user != student} == {
        user: state for user, state in before.items() if user != student}  # the others untouched
    db.session.expire_all()
    staged = db.session.scalar(select(ModuleStateDownload).where(ModuleStateDownload.enrolment_id == enrolment_id))
    concluded = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "canvas_conclude"))
    assert staged.error is None and staged.fetched_at <= concluded.at  # progress staged first
    assert next(m for m in staged.states if m["id"] == 902)["state"] == "completed"

    page.goto(f"/enrolments/{enrolment_id}")
    today = format_rto_date(utcnow(), "Australia/Sydney")
    expect(page.get_by_text(f"Concluded in Canvas {today} by sync")).to_be_visible()
    page.goto("/occurrences/121/canvas/enrolments")
    expect(page.locator("#progress")).to_contain_text("Concluded in Canvas (Withdrawn; module progress staged first")

    _set_status(page, enrolment_id, "Enrolled (Active)")
    _worker(redis_url)
    assert _states(canvas)[student] == "active"
    page.goto(f"/enrolments/{enrolment_id}")
    expect(page.get_by_text(f"Active in Canvas {today} by sync")).to_be_visible()
