"""Three Canvas tokens against a Canvas with granular enrolment rights whose developer key enforces
scopes (issue 23): a custom admin role without "Students - remove" reads as not ready for deactivating
(and ready again when leaving concludes); the same role with "remove" withdraws a student; a full
admin is ready. The simulator's flags come from CANVAS_SIM_ARGS, as `make run` takes them."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from canvas_sim.__main__ import parse_args
from canvas_sim.seeds import load_seed
from canvas_sim.settings import tunable_fields
from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import Client, Enrolment

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SIM_ARGS = os.environ.get("CANVAS_SIM_ARGS", "--granular-permissions --enforce-scopes")
# Custom admin roles: both lack rights canvaslink never needs; the first also lacks "Students - remove".
NOT_NEEDED = ["allow_course_admin_actions", "read_roster"]
ROLES = [{"id": 40, "name": "Adds Only", "login_id": "adds.only", "admin": True,
          "without_permissions": NOT_NEEDED + ["remove_student_from_course"]},
         {"id": 41, "name": "Adds And Removes", "login_id": "adds.removes", "admin": True,
          "without_permissions": NOT_NEEDED}]


@pytest.fixture
def canvas(live_server):
    from canvas_sim.testing import running_simulator

    args = parse_args(shlex.split(SIM_ARGS))
    settings = {spec.name: getattr(args, spec.name) for spec in tunable_fields()}
    seed = load_seed("demo")
    with running_simulator(seed={**seed, "users": seed["users"] + ROLES}, **settings) as sim:
        yield sim


def _authorise_as(page, canvas, who: str, expected: str):
    page.get_by_role("button", name="Authorise with Canvas").click()
    page.get_by_label("Signed in as").select_option(label=f"{who} (account admin)")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#wizard")).to_contain_text(expected)


def test_three_tokens_on_granular_scoped_canvas(page, browser_sign_in, transferred_121, canvas, redis_url):
    assert canvas.simulation.settings.granular_permissions and canvas.simulation.settings.enforce_scopes
    client_id, client_secret = canvas.developer_key
    browser_sign_in("admin", "x" * 12)
    page.goto(f"/manage/lms-integrations/{transferred_121.integration_id}")
    page.get_by_role("button", name="Edit LMS integration…").click()
    page.get_by_role("button", name="Next ›").click()
    page.get_by_label("Client ID").fill(client_id)
    page.get_by_label("Client Secret").fill(client_secret)
    page.get_by_label("Deactivate the enrolment").check()

    # 1. "Students - add" without "remove": not ready, and the check says which right and where.
    _authorise_as(page, canvas, "Adds Only", "not ready")
    page.get_by_role("button", name="Test connection").click()
    result = page.locator("#connection-result")
    expect(result).to_contain_text("Deactivate enrolments: fail.")
    expect(result).to_contain_text("“Students - remove”")
    # Choosing to conclude instead tests again at once: that needs another right, which this role holds.
    page.get_by_label("Conclude the enrolment").check()
    expect(result).to_contain_text("Connected and ready")
    page.get_by_label("Deactivate the enrolment").check()
    expect(result).to_contain_text("Deactivate enrolments: fail.")

    # 3. A full admin is ready.
    _authorise_as(page, canvas, "Integration Admin", "Connected and ready")

    # 2. The same role with "remove" is ready, and withdraws a student.
    _authorise_as(page, canvas, "Adds And Removes", "Connected and ready")
    for title in ("Unit results", "Task statuses"):
        page.get_by_role("button", name="Next ›").click()
        expect(page.get_by_role("heading", name=title)).to_be_visible()
    page.get_by_role("button", name="Finish").click()
    expect(page.locator(".flash-success")).to_contain_text("Saved LMS integration")

    enrolment_id = db.session.scalar(select(Enrolment.id).join(Client).where(Client.code == "C0031"))
    page.goto(f"/enrolments/{enrolment_id}/edit")
    page.get_by_label("Status").select_option(label="Withdrawn (Withdrawn)")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("Saved the enrolment")
    worker = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env=dict(os.environ, REDIS_URL=redis_url))
    assert worker.returncode == 0, worker.stderr

    student = canvas_user_of("C0031")
    with canvas.state.lock:
        assert next(e.workflow_state for e in canvas.state.enrollments.values()
                    if e.user_id == student and e.section_id == 87) == "inactive"
        token = next(t for t in canvas.state.tokens.values() if t.user_id == 41)
        assert token.developer_key_id is not None and token.scopes  # a scoped OAuth token did it
    page.goto(f"/enrolments/{enrolment_id}")
    expect(page.get_by_text("Deactivated in Canvas")).to_be_visible()
