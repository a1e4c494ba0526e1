"""The home page tells staff who watch runs when the background processes are missing: a worker that died,
no worker for 2 minutes while jobs wait, a cron that stopped, a nightly job that missed its time (issue 26)."""

import html
from datetime import datetime, timedelta, timezone

import pytest

from tests.helpers import sign_in
from webapp.config import nightly_schedule
from webapp.cron import CRON_ALIVE, nightly_scheduler, previous_due
from webapp.extensions import db
from webapp.models import Role, RolePermission
from webapp.queue import job_queue
from webapp.services.clock import utcnow
from webapp.services.operations.notices import NIGHTLY_GRACE
from webapp.workers import ALIVE, STOPPED, _beat, mark_dead

import webapp.workers

UTC = timezone.utc


def _home(client) -> str:
    return html.unescape(client.get("/").get_data(as_text=True))


def _beat_at(monkeypatch, name: str, when: datetime) -> None:
    """The worker `name` beats as it would at `when` (naive UTC)."""
    monkeypatch.setattr(webapp.workers, "utcnow", lambda: when)
    _beat(job_queue().connection, name)
    monkeypatch.undo()


@pytest.fixture
def cron_running(app):
    """A cron that has beaten and enqueued the nightly jobs on time, and still beats."""
    clock = lambda: utcnow().replace(tzinfo=UTC)  # noqa: E731
    scheduler = nightly_scheduler(job_queue().connection, app.config["RTO_TIME_ZONE"], clock)
    scheduler.heartbeat()
    scheduler.connection.hset("canvaslink:cron:state", "first_seen", (utcnow() - timedelta(days=3)).isoformat())
    for job in scheduler.get_jobs():
        scheduler.connection.hset("canvaslink:cron:state", f"enqueued:{job.func_name}", utcnow().isoformat())
    return scheduler


def test_no_worker_for_two_minutes_while_jobs_wait(client, login, monkeypatch, cron_running):
    login("Read only")
    connection = job_queue().connection
    _beat_at(monkeypatch, "w-gone", utcnow() - timedelta(minutes=3))
    connection.hset(STOPPED, "w-gone", utcnow().isoformat())  # it was stopped on purpose
    connection.delete(ALIVE + "w-gone")
    assert "No worker" not in _home(client)  # nothing waits: nothing to say

    job_queue().enqueue("webapp.jobs.run_job", 999_999)
    page = _home(client)
    assert "No worker has been seen since" in page and "1 job waits" in page
    assert "python worker.py" in page  # what to start

    _beat_at(monkeypatch, "w-gone", utcnow() - timedelta(seconds=30))  # seen half a minute ago: not yet
    connection.delete(ALIVE + "w-gone")
    assert "No worker has been seen" not in _home(client)


def test_a_worker_that_died_is_told_until_another_starts(client, login, monkeypatch, cron_running):
    login("Trainer")
    connection = job_queue().connection
    _beat_at(monkeypatch, "w-1", utcnow() - timedelta(minutes=10))
    _beat(connection, "w-1")
    _beat_at(monkeypatch, "w-2", utcnow() - timedelta(minutes=10))
    _beat(connection, "w-2")
    assert "stopped without shutting down" not in _home(client)

    mark_dead(connection, "w-2")  # killed: what a supervisor tells, or its heartbeat lapsing
    page = _home(client)
    assert "A worker (w-2) stopped without shutting down" in page and "1 worker running now" in page

    _beat(connection, "w-3")  # a replacement started after it died
    assert "stopped without shutting down" not in _home(client)


def test_a_worker_stopped_on_purpose_is_not_news(client, login, cron_running):
    login()
    connection = job_queue().connection
    _beat(connection, "w-1")
    connection.delete(ALIVE + "w-1")
    connection.hset(STOPPED, "w-1", utcnow().isoformat())  # what the worker's teardown writes
    assert "stopped without shutting down" not in _home(client)


def test_a_missed_nightly_run_and_a_stopped_cron(client, login, app, cron_running):
    login()
    assert "nightly" not in _home(client).lower()

    # The cron was last seen two days ago, when it enqueued that night's jobs; since then nothing.
    connection, zone = cron_running.connection, app.config["RTO_TIME_ZONE"]
    sync_cron = nightly_schedule()[0]
    due = previous_due(sync_cron, zone, utcnow().replace(tzinfo=UTC) - NIGHTLY_GRACE).replace(tzinfo=None)
    connection.hset("canvaslink:cron:state", mapping={
        "enqueued:webapp.jobs.nightly_sync": (due - timedelta(days=1)).isoformat(),
        "enqueued:webapp.jobs.nightly_pull": (due - timedelta(days=1)).isoformat(),
        "beat": (due - timedelta(days=1)).isoformat()})
    connection.delete(CRON_ALIVE)
    page = _home(client)
    assert "The nightly schedule (the cron) has stopped" in page
    assert "the nightly Canvas sync due at" in page and "the nightly result transfer due at" in page
    assert "did not run" in page and "python -m webapp.cron" in page

    cron_running.heartbeat()  # started again: it runs now, but last night's jobs were still missed
    page = _home(client)
    assert "has stopped" not in page
    assert "The nightly Canvas sync due at" in page and "was not running then" in page


def test_a_cron_that_never_ran_is_told(client, login):
    login()
    assert "The nightly schedule (the cron) has never run here" in _home(client)


def test_staff_who_do_not_watch_runs_are_not_told(client, make_user):
    role = Role(name="Clients only", permissions=[RolePermission(entity="client", action="view")])
    db.session.add(role)
    db.session.commit()
    make_user("clerk", ("Clients only",))
    sign_in(client, "clerk")
    job_queue().enqueue("webapp.jobs.run_job", 999_999)
    page = _home(client)
    assert "No worker has been seen" not in page and "cron" not in page
