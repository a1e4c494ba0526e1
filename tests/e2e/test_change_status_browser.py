"""Withdraw several students at once in the browser (issue 21 §6): select twelve on the occurrence's Enrolments
with the keyboard, Change status…, Withdrawn, confirm. One sync takes the batch, so the mass-change guard meets it
and holds it until a person types the number; then a real RQ worker concludes the twelve in Canvas."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from tests.e2e.axe import axe_violations, describe
from webapp.extensions import db
from webapp.models import JobRun
from webapp.rto_time import rto_today

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SHOTS = os.environ.get("CANVASLINK_SHOTS")  # a folder: also save screenshots there
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
LEAVING = [f"C00{n}" for n in range(25, 37)]
STAYING = ["C0037", "C0038", "C0039", "C0040"]


def _shots(page, name: str, at: str | None = None) -> None:
    """Screenshots at desktop and phone sizes, scrolled to `at` (a selector) when given."""
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        if at:
            page.locator(at).evaluate("element => element.scrollIntoView()")
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{size['width']}.png"))
    page.set_viewport_size(DESKTOP)


def _worker(redis_url):
    worker = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env=dict(os.environ, REDIS_URL=redis_url), check=False)
    assert worker.returncode == 0, worker.stderr


def _states(canvas, codes) -> set[str]:
    users = {canvas_user_of(code) for code in codes}
    with canvas.state.lock:
        return {e.workflow_state for e in canvas.state.enrollments.values()
                if e.section_id == 87 and e.user_id in users}


def test_select_twelve_students_and_withdraw_them_at_once(page, browser_sign_in, transferred_121, canvas, redis_url):
    page.set_viewport_size(DESKTOP)
    browser_sign_in("admin", "x" * 12)
    problems = []
    page.goto("/occurrences/121")

    every = page.get_by_label("Select every student")
    every.focus()
    page.keyboard.press("Space")
    expect(page.get_by_text("16 selected")).to_be_visible()
    for code in STAYING:
        page.get_by_role("checkbox", name=re.compile(rf"\({code}\)$")).focus()
        page.keyboard.press("Space")
    expect(page.get_by_text("12 selected")).to_be_visible()
    expect(every).to_have_js_property("indeterminate", True)
    _shots(page, "enrolments-selected", at=".selection-actions")
    problems += describe("Enrolments with a selection", axe_violations(page))

    page.get_by_role("button", name="Change status…").click()
    expect(page.get_by_role("heading", name="Change status: 12 students in #121")).to_be_visible()
    page.get_by_label("New status").select_option(label="Withdrawn (Withdrawn)")
    end = page.get_by_label("End date")
    expect(end).to_have_value(f"{rto_today():%d/%m/%Y}")
    end.fill("06/11/2026")
    _shots(page, "change-status")
    problems += describe("Change status", axe_violations(page))
    end.press("Enter")
    expect(page.get_by_role("heading", name="Change the status of 12 students to Withdrawn?")).to_be_visible()
    _shots(page, "change-status-confirm")
    problems += describe("Change status: confirm", axe_violations(page))
    page.get_by_role("button", name="Change 12 students").click()
    expect(page.locator(".flash-success")).to_contain_text("Changed the status of 12 students to Withdrawn.")
    assert not problems, "\n".join(problems)

    _worker(redis_url)
    assert db.session.scalar(select(db.func.count()).select_from(JobRun).where(JobRun.kind == "canvas_sync")) == 1
    assert _states(canvas, LEAVING) == {"active"}  # the guard holds the batch: twelve at once is a mass change
    page.goto("/occurrences/121/canvas/enrolments")
    expect(page.get_by_role("heading", name="Held by the mass-change guard")).to_be_visible()
    count = page.get_by_label("Type 12 to end their access and apply every change")
    count.fill("11")
    page.get_by_role("button", name="Confirm and apply").click()
    expect(page.locator("#confirm-error")).to_have_text(
        "Type 12, the number of students whose Canvas access ends, to confirm. 11 is not 12: nothing was started, "
        "and they stay held.")
    expect(count).to_be_focused()
    _shots(page, "guard-wrong-number", at="#held-heading")
    problems += describe("Held by the guard, a wrong number typed", axe_violations(page))
    assert not problems, "\n".join(problems)
    count.fill("12")
    page.get_by_role("button", name="Confirm and apply").click()

    _worker(redis_url)
    assert _states(canvas, LEAVING) == {"completed"} and _states(canvas, STAYING) == {"active"}
    page.goto("/occurrences/121")
    expect(page.locator("#enrolments .badge.status-withdrawn")).to_have_count(12)
