"""Link occurrence 121, map its modules and transfer its enrolments in the browser, against the
Canvas simulator over real HTTP, with the transfer run by a real RQ worker process."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from webapp.extensions import db
from webapp.models import CanvasModule, Unit

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def test_link_map_and_transfer_occurrence_121(page, browser_sign_in, demo, integration, canvas, redis_url):
    browser_sign_in("admin", "x" * 12)
    page.goto("/occurrences/121")
    page.get_by_role("link", name="Link occurrence to Canvas LMS…").click()
    page.get_by_label("LMS integration").select_option(label=f"Demo Canvas ({canvas.url})")
    page.get_by_role("button", name="Link occurrence to Canvas").click()
    expect(page.locator(".flash-success")).to_contain_text(
        "Linked to Canvas course “WHS Cert IV - Online - 2026 Term 4”")

    page.get_by_role("button", name="Update Canvas module list").click()
    expect(page.locator(".flash-success")).to_contain_text("Canvas has 11 modules: 11 new")
    unit_of_411 = page.get_by_label("Unit for BSBWHS411 Implement and monitor WHS policies, procedures and programs")
    expect(unit_of_411).to_have_value(str(db.session.scalar(db.select(Unit.id).where(Unit.code == "BSBWHS411"))))
    expect(page.locator("tbody tr").nth(1).get_by_title("Matched automatically")).to_be_visible()
    expect(page.get_by_label("Unit for Welcome and orientation")).to_have_value("")
    page.get_by_label("Unit for Welcome and orientation").select_option(
        label="BSBWHS416 Contribute to workplace incident response")
    page.get_by_role("button", name="Save mappings").click()
    expect(page.locator(".flash-success")).to_contain_text("Saved the module mappings (1 changed)")
    welcome = db.session.scalar(db.select(CanvasModule).where(CanvasModule.canvas_module_id == 901))
    assert welcome.unit.code == "BSBWHS416" and welcome.unit_auto is False

    page.get_by_role("link", name="Transfer enrolments").click()
    page.get_by_role("link", name="all").click()
    page.get_by_role("button", name="Next ›").click()
    expect(page.locator("tbody tr")).to_have_count(16)
    expect(page.get_by_text("Link the existing Canvas user (SIS ID = client code)")).to_have_count(2)
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("status")).to_contain_text("0 of 16")
    expect(page.get_by_role("status")).to_contain_text("waiting for a worker")

    worker = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env=dict(os.environ, REDIS_URL=redis_url))
    assert worker.returncode == 0, worker.stderr
    expect(page.get_by_role("status")).to_contain_text("16 of 16", timeout=15_000)  # the page polls itself
    expect(page.get_by_role("status")).to_contain_text("finished")
    expect(page.locator("table")).to_contain_text("Linked existing Canvas user (same login and name) and enrolled")

    in_section = [e for e in canvas.state.enrollments.values() if e.section_id == 87]
    assert len(in_section) == 16 and len({e.user_id for e in in_section}) == 16
    assert {(e.workflow_state, e.limit_privileges_to_course_section) for e in in_section} == {("active", True)}
    students = [u for u in canvas.state.users.values() if u.id != 1]
    assert len(students) == 16  # three were already in Canvas and were reused

    page.get_by_role("link", name="Back to the enrolments").click()
    expect(page.locator("#enrolments .badge.transferred")).to_have_count(16)


def test_a_small_transfer_shows_the_same_progress_when_a_worker_is_there(
        page, browser_sign_in, demo, integration, canvas, worker, make_user):
    """Three students (under the inline limit of 5) go to the running worker like sixteen would: the
    page shows the run's progress bar and polls it to the end, instead of waiting on a blank page."""
    from webapp.models import JobRun
    from webapp.services.canvas_links.link import link_occurrence
    from webapp.services.integrations.connection import canvas_client
    from webapp.workers import any_worker_alive
    from webapp.queue import redis_connection

    with canvas_client(integration) as api:
        link_occurrence(demo, integration, api, make_user("linker").id)
    db.session.commit()
    deadline = time.monotonic() + 30
    while not any_worker_alive(redis_connection()):  # the worker's first beat, as it starts
        assert time.monotonic() < deadline, "the worker never beat"
    browser_sign_in("admin", "x" * 12)
    page.goto("/occurrences/121/canvas/transfer")
    boxes = page.get_by_role("checkbox", name="Transfer")
    for box in boxes.all():
        box.uncheck()
    for box in boxes.all()[:3]:
        box.check()
    page.get_by_role("button", name="Next ›").click()
    page.get_by_role("button", name="Finish").click()

    expect(page.get_by_role("progressbar")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("3 of 3", timeout=30_000)
    expect(page.get_by_role("status")).to_contain_text("finished")
    run = db.session.scalar(db.select(JobRun).order_by(JobRun.id.desc()))
    db.session.refresh(run)
    assert run.total == 3 and run.rq_job_id  # queued to the worker, not run inside the request
