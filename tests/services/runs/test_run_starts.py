"""One model for runs (issue 20): every kind in one registry, `start_run` the only way a run is made,
and one live run per kind and scope held by the database, even when two starts race."""

import ast
import importlib
import threading
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from rq.job import Job
from sqlalchemy import func, select, text

import webapp
from webapp.extensions import db
from webapp.models import FAILED, Client, Enrolment, EnrolmentStatus, JobRun
from webapp.queue import QueueUnavailable, job_queue
from webapp.services import DomainError
from webapp.services.canvas_sync import listen
from webapp.services.canvas_sync import runs as sync
from webapp.services.canvas_sync import transfer as enrolment_transfer
from webapp.services.result_transfer import bulk
from webapp.services.runs import history, lifecycle
from webapp.services.runs.kinds import KINDS
from webapp.services.runs.lifecycle import end_run, start_run
from webapp.services.sms.enrolments import update_enrolment

WEBAPP = Path(webapp.__file__).parent


def _calls(name: str):
    """(module, call) for every call of `name` in webapp."""
    for path in sorted(WEBAPP.rglob("*.py")):
        module = ".".join(("webapp", *path.relative_to(WEBAPP).with_suffix("").parts)).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and (getattr(node.func, "id", None) == name
                                               or getattr(node.func, "attr", None) == name):
                yield module, node


def test_every_kind_a_module_starts_is_in_the_registry():
    started = {eval(ast.unparse(call.args[0]), vars(importlib.import_module(module)))  # noqa: S307
               for module, call in _calls("start_run")}
    assert {"canvas_sync", "canvas_sync_all", "result_download", "bulk_result_process"} <= started
    assert started <= set(KINDS)
    assert all(kind.label and kind.runner and kind.right for kind in KINDS.values())


def test_start_run_is_the_only_place_a_run_is_made():
    assert {module for module, _ in _calls("JobRun")} == {"webapp.services.runs.lifecycle"}


def test_the_run_history_names_the_sync_kinds(app):
    kinds = dict(history.kind_choices(list(KINDS)))
    assert (kinds[sync.KIND], kinds[sync.BULK_KIND]) == ("Canvas sync", "Canvas sync, every occurrence")
    assert history.kind_label(JobRun(kind="canvas_refresh", params={})) == "Canvas refresh"


def _concurrent_starts(app, kind: str, occurrence_id: int | None, monkeypatch) -> list:
    """Two starts in two threads, each with its own session and connection, both reading "none under
    way" before either inserts. The second insert waits for the first transaction (a row lock on
    PostgreSQL, the write lock on SQLite), then meets the index."""
    both_read = threading.Barrier(2, timeout=20)
    read = lifecycle.active_run

    def read_then_wait(*args):
        found = read(*args)
        both_read.wait()
        return found

    monkeypatch.setattr(lifecycle, "active_run", read_then_wait)
    outcomes = []

    def start():
        with app.app_context():
            try:
                run, created = start_run(kind, occurrence_id, {}, 1, None)
                db.session.commit()
                outcomes.append((run.id, created))
            except Exception as err:  # noqa: BLE001 - the test reports what went wrong in the thread
                outcomes.append(err)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("kind, scoped", [(enrolment_transfer.KIND, True), (bulk.KIND, False)])
def test_two_concurrent_starts_give_one_run(app, make_occurrence, monkeypatch, kind, scoped):
    occurrence_id = make_occurrence().id if scoped else None
    db.session.commit()

    outcomes = _concurrent_starts(app, kind, occurrence_id, monkeypatch)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(created for _, created in outcomes) == [False, True]
    assert len({run_id for run_id, _ in outcomes}) == 1
    assert db.session.scalar(select(func.count()).select_from(JobRun).where(JobRun.kind == kind)) == 1


def test_a_change_while_a_sync_runs_queues_one_beside_it_which_takes_the_next_change_along(transferred_121):
    _withdraw("C0025")
    running = db.session.scalar(select(JobRun).where(JobRun.kind == sync.KIND))
    lifecycle.mark_running(running)
    db.session.commit()

    _withdraw("C0026")
    _withdraw("C0027")

    after = db.session.scalars(select(JobRun).where(JobRun.kind == sync.KIND, JobRun.id != running.id)).all()
    assert [(run.status, run.beside_id, len(run.params["triggers"])) for run in after] == [("queued", running.id, 2)]
    assert after[0].params["trigger"].endswith("; and 1 more change")
    assert Job.fetch(after[0].rq_job_id, connection=job_queue().connection).args == (after[0].id,)


def test_a_sync_the_queue_cannot_take_ends_failed_and_says_the_change_stands(transferred_121, monkeypatch):
    def unreachable(run_id):
        raise QueueUnavailable("The background job queue (Redis) is not reachable.")

    monkeypatch.setattr(listen, "enqueue_run", unreachable)
    _withdraw("C0025")
    run = db.session.scalar(select(JobRun).where(JobRun.kind == sync.KIND))
    assert run.status == "failed" and run.message == ("The background job queue (Redis) is not reachable. The change "
                                                      "in canvaslink stands; the next sync (tonight's at the latest) "
                                                      "makes it.")


def _withdraw(code: str) -> None:
    enrolment = db.session.scalar(select(Enrolment).join(Client).where(Client.code == code,
                                                                        Enrolment.occurrence_id == 121))
    update_enrolment(enrolment, start_date=enrolment.start_date, end_date=enrolment.end_date,
                     status=db.session.scalar(select(EnrolmentStatus).where(EnrolmentStatus.name == "Withdrawn")))
    db.session.commit()
    db.session.expire_all()


def test_a_stopped_bulk_download_is_not_resumed_beside_a_newer_one(app):
    stopped, _ = start_run(bulk.KIND, None, {}, 1, None)
    end_run(stopped, FAILED, "Stopped.")
    newer, created = start_run(bulk.KIND, None, {}, 1, None)
    db.session.commit()
    assert created
    with pytest.raises(DomainError, match="Another bulk download is under way"):
        bulk.resume(stopped)
    db.session.rollback()
    assert (db.session.get(JobRun, stopped.id).status, db.session.get(JobRun, newer.id).status) == \
        ("failed", "queued")


def test_the_migration_ends_live_duplicates_made_before_it(app, make_occurrence):
    occurrence_id = make_occurrence().id
    db.session.commit()
    insert = text("INSERT INTO job_run (kind, occurrence_id, status, params, total, done, failed, cancel_requested, "
                  "created_at) VALUES (:kind, :occurrence, :status, '{}', 1, 0, 0, false, '2026-12-01 09:00:00')")
    downgrade(revision="0012_canvas_sync")
    try:
        with db.engine.begin() as connection:
            for kind, occurrence, status in [("enrolment_transfer", occurrence_id, "running"),
                                             ("enrolment_transfer", occurrence_id, "queued"),
                                             ("enrolment_transfer", occurrence_id, "finished"),
                                             ("bulk_result_download", None, "queued"),
                                             ("bulk_result_download", None, "queued"),
                                             ("bulk_result_download", None, "queued")]:
                connection.execute(insert, {"kind": kind, "occurrence": occurrence, "status": status})
    finally:
        upgrade()

    runs = db.session.scalars(select(JobRun).order_by(JobRun.id)).all()
    assert [run.status for run in runs] == ["failed", "queued", "finished", "failed", "failed", "queued"]
    assert runs[0].finished_at is not None and runs[0].message.startswith("Stopped: a newer run of the same work")
