"""`flask seed-demo`, `flask create-user` and the worker entry point."""

import os
import subprocess
import sys
from pathlib import Path

from webapp.extensions import db
from webapp.models import Client, Enrolment, Occurrence, User


def test_seed_demo_builds_a_believable_rto_and_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--password", "admin=demo-admin-pass"])
    assert first.exit_code == 0, first.output
    assert "admin / demo-admin-pass" in first.output and "trainer / " in first.output and "viewer / " in first.output
    occurrence = db.session.get(Occurrence, 121)
    assert [u.code for u in occurrence.units] == [
        "BSBWHS411", "BSBWHS412", "BSBWHS413", "BSBWHS414", "BSBWHS415", "BSBWHS416"]
    assert len(occurrence.enrolments) == 16 and len(occurrence.tasks) == 4
    counts = (db.session.scalar(db.select(db.func.count()).select_from(Client)),
              db.session.scalar(db.select(db.func.count()).select_from(Enrolment)))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "created login" not in second.output
    assert counts == (db.session.scalar(db.select(db.func.count()).select_from(Client)),
                      db.session.scalar(db.select(db.func.count()).select_from(Enrolment)))
    assert counts[0] == 40


def test_demo_admin_reaches_occurrence_121(app, client):
    from tests.helpers import sign_in

    app.test_cli_runner().invoke(args=["seed-demo", "--password", "admin=demo-admin-pass"])
    sign_in(client, "admin", "demo-admin-pass")
    page = client.get("/occurrences/121").get_data(as_text=True)
    assert "WHS Cert IV - Online - 2026 Term 4" in page and "Enrolments" in page and "C0040" in page


def test_create_user_command(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "pat", "--name", "Pat Trainer", "--role", "Trainer", "--password", "a long password"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).where(User.username == "pat"))
    assert [r.name for r in user.roles] == ["Trainer"]
    bad = app.test_cli_runner().invoke(args=["create-user", "sam", "--role", "Wizard", "--password", "a long password"])
    assert bad.exit_code != 0 and "No role named Wizard" in bad.output


def test_worker_starts_builds_the_app_and_drains_the_queue(redis_url):
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, REDIS_URL=redis_url)
    result = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=root, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Listening on canvaslink" in result.stderr
