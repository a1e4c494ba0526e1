"""The README's walk in a browser — authorise, test, link, module list, transfer, results — against a
Canvas whose developer key enforces scopes and does not allow include parameters, as many
institutions run it (reference §11.1); and the same walk against a key that does neither."""

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import Client, Enrolment, EnrolmentTransfer

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["scoped", "unscoped"])
def any_canvas(request, live_server):
    from canvas_sim.testing import running_simulator

    settings = {"enforce_scopes": True, "allow_includes": False} if request.param == "scoped" else {}
    with running_simulator(seed="demo", **settings) as sim:
        yield sim


def test_the_whole_walk(page, browser_sign_in, demo, any_canvas, redis_url):
    canvas = any_canvas
    enforced = canvas.simulation.settings.enforce_scopes
    client_id, client_secret = canvas.developer_key
    browser_sign_in("admin", "x" * 12)

    # Configure: authorise with OAuth (asking for exactly our scopes), then test every right.
    page.goto("/manage/lms-integrations/")
    page.get_by_role("button", name="Add LMS integration…").click()
    page.get_by_label("Name").fill("Demo Canvas")
    page.get_by_role("button", name="Next ›").click()
    page.get_by_label("Canvas address").fill(canvas.url)
    page.get_by_label("Client ID").fill(client_id)
    page.get_by_label("Client Secret").fill(client_secret)
    page.get_by_role("button", name="Authorise with Canvas").click()
    page.get_by_label("Signed in as").select_option(label="Integration Admin (account admin)")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".flash-success")).to_contain_text("Connected and ready")
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-result")).to_contain_text("Connected and ready")
    expect(page.locator("#connection-result li.pass")).to_have_count(9)
    for title in ("Unit results", "Task statuses"):
        page.get_by_role("button", name="Next ›").click()
        expect(page.get_by_role("heading", name=title)).to_be_visible()
    page.get_by_role("button", name="Finish").click()
    expect(page.locator(".flash-success")).to_contain_text("Saved LMS integration Demo Canvas")

    # Link and map.
    page.goto("/occurrences/121")
    page.get_by_role("link", name="Link occurrence to Canvas LMS…").click()
    page.get_by_role("button", name="Link occurrence to Canvas").click()
    expect(page.locator(".flash-success")).to_contain_text("Linked to Canvas course")
    page.get_by_role("button", name="Update Canvas module list").click()
    expect(page.locator(".flash-success")).to_contain_text("Canvas has 11 modules: 11 new")
    page.get_by_role("button", name="Save mappings").click()
    expect(page.locator(".flash-success")).to_contain_text("Saved the module mappings")

    # Transfer all 16 through a real worker.
    page.get_by_role("link", name="Transfer enrolments").click()
    page.get_by_role("link", name="all").click()
    page.get_by_role("button", name="Next ›").click()
    expect(page.locator("tbody tr")).to_have_count(16)
    expect(page.locator("tbody")).not_to_contain_text("Cannot transfer")
    page.get_by_role("button", name="Finish").click()
    worker = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env=dict(os.environ, REDIS_URL=redis_url))
    assert worker.returncode == 0, worker.stderr
    expect(page.get_by_role("status")).to_contain_text("16 of 16", timeout=15_000)
    expect(page.get_by_role("status")).not_to_contain_text("failed")
    assert db.session.scalar(db.select(db.func.count()).select_from(EnrolmentTransfer)) == 16

    # Results: a student completes a unit's module in Canvas (its assessment is still to come), and the
    # transfer brings it back as a unit in progress.
    canvas.set_module_state(canvas_user_of("C0028"), 902, "completed",
                            datetime(2026, 10, 20, 3, 0, tzinfo=timezone.utc))
    page.goto("/occurrences/121")
    page.get_by_role("button", name="Transfer results from Canvas LMS…").click()
    expect(page.get_by_text("Downloaded")).to_contain_text("for 16 students")
    page.get_by_role("button", name="Process all").first.click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    enrolment_id = db.session.scalar(db.select(Enrolment.id).join(Client).where(
        Client.code == "C0028", Enrolment.occurrence_id == 121))
    page.goto(f"/enrolments/{enrolment_id}")
    expect(page.get_by_label("Result for BSBWHS411")).to_have_value(
        str(db.session.scalar(db.text("SELECT id FROM result_type WHERE name = 'Continuing enrolment'"))))

    # The token was granted exactly the scopes canvaslink asked for, and every call fitted them.
    from webapp.services.canvas import SCOPES

    tokens = [t for t in canvas.state.tokens.values() if t.developer_key_id is not None]
    assert tokens and all(set(t.scopes) == set(SCOPES) for t in tokens)
    if enforced:  # include[] was stripped, so module items came by the items route
        assert canvas.counters()["requests"].get("GET /api/v1/courses/:course_id/modules/:module_id/items", 0) > 0
