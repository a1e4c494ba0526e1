"""Utilities › Transfer results from Canvas LMS: the bulk run, its progress, resume after a kill, review."""

import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from tests.helpers import kill_with_its_work_horse
from webapp.extensions import db
from webapp.models import JobRun, JobRunItem, ModuleStateDownload, ResultProvenance, TrainingPlanUnit
from webapp.services.result_transfer import bulk

ROOT = Path(__file__).resolve().parents[3]
UTC = timezone.utc


def _staged(run_id: int) -> set:
    rows = db.session.scalars(select(ModuleStateDownload).where(ModuleStateDownload.run_id == run_id)).all()
    return {(r.enrolment_id, repr(r.states), r.error) for r in rows}


def test_bulk_download_progress_review_and_process_all(client, login, transferred_121, sim, work):
    login()
    sim.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    sim.set_module_state(canvas_user_of("C0027"), 906, "completed", datetime(2026, 11, 3, 23, 30, tzinfo=UTC))
    client.post("/utilities/canvas-results/start")
    page = client.get("/utilities/canvas-results/").get_data(as_text=True)
    assert "0 of 16" in page and "waiting for a worker" in page
    again = client.post("/utilities/canvas-results/start", follow_redirects=True).get_data(as_text=True)
    assert "already under way" in again
    assert db.session.scalar(select(db.func.count()).select_from(JobRun).where(
        JobRun.kind == bulk.KIND)) == 1

    work()
    run = db.session.scalar(select(JobRun).where(JobRun.kind == bulk.KIND))
    progress = client.get(f"/utilities/canvas-results/runs/{run.id}/progress", headers={"HX-Request": "true"})
    assert progress.status_code == 286
    assert "16 of 16" in progress.get_data(as_text=True) and "1 of 1 occurrences" in progress.get_data(as_text=True)

    review = client.get(f"/utilities/canvas-results/runs/{run.id}/review?show=change").get_data(as_text=True)
    assert "Matilda Scott" in review and "Ella Wright" not in review  # only students with rows to save
    client.post(f"/utilities/canvas-results/runs/{run.id}/process", data={"start_rule": "enrolment"})
    work()
    unit = db.session.scalar(select(TrainingPlanUnit).where(TrainingPlanUnit.provenance.any()))
    assert unit.result_type.name == "Competent" and unit.result_end.isoformat() == "2026-11-04"
    assert db.session.scalar(select(db.func.count()).select_from(ResultProvenance)) == 2  # unit + task


def test_review_is_paginated_and_filtered_by_occurrence(client, login, transferred_121, work):
    login()
    client.post("/utilities/canvas-results/start")
    work()
    run = db.session.scalar(select(JobRun).where(JobRun.kind == bulk.KIND))
    page = client.get(f"/utilities/canvas-results/runs/{run.id}/review?occurrence=121").get_data(as_text=True)
    assert "Page 1" not in page and page.count('<tbody class="student">') == 16
    assert "Nothing started in mapped modules" in page


def test_killed_worker_run_resumes_to_exactly_the_rows_of_an_undisturbed_run(
        client, login, transferred_121, sim, redis_url, work, monkeypatch):
    login()
    for number, module in ((25, 907), (27, 905), (28, 902), (30, 903)):
        sim.set_module_state(canvas_user_of(f"C00{number}"), module, "started")
    sim.configure(latency_ms=600)  # slow enough to stop the worker half-way
    client.post("/utilities/canvas-results/start")
    run = db.session.scalar(select(JobRun).where(JobRun.kind == bulk.KIND))
    worker = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=dict(os.environ, REDIS_URL=redis_url),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db.session.expire_all()
            if 0 < db.session.scalar(select(db.func.count()).select_from(ModuleStateDownload)) < 16:
                break
            time.sleep(0.05)
    finally:
        kill_with_its_work_horse(worker)
        worker.wait()
    db.session.expire_all()
    run = db.session.get(JobRun, run.id)
    staged_before = len(_staged(run.id))
    assert 0 < staged_before < 16 and run.status == "running"

    # RQ saw its work horse die, or the dead worker's heartbeat lapses: the page says so long before the
    # run's 90 quiet seconds.
    deadline = time.monotonic() + 60
    while "Resume" not in (page := client.get("/utilities/canvas-results/").get_data(as_text=True)):
        assert time.monotonic() < deadline, "the page never said that the worker stopped"
        time.sleep(0.2)
    assert "the worker stopped responding" in page
    sim.configure(latency_ms=0)
    client.post(f"/utilities/canvas-results/runs/{run.id}/resume")
    work()
    db.session.expire_all()
    resumed = db.session.get(JobRun, run.id)
    assert (resumed.status, resumed.done, resumed.total) == ("finished", 16, 16)

    client.post("/utilities/canvas-results/start")  # an undisturbed run of the same download
    work()
    undisturbed = db.session.scalar(select(JobRun).where(JobRun.kind == bulk.KIND).order_by(JobRun.id.desc()))
    assert undisturbed.id != run.id
    assert len(_staged(run.id)) == 16
    assert {(e, s) for e, s, _ in _staged(run.id)} == {(e, s) for e, s, _ in _staged(undisturbed.id)}


def test_a_student_canvas_refuses_is_listed_and_the_rest_go_through(client, login, transferred_121, sim, work):
    login()
    ended, gone = canvas_user_of("C0031"), canvas_user_of("C0032")
    with sim.state.lock:
        for key, enrollment in list(sim.state.enrollments.items()):
            if enrollment.user_id == ended:  # deleted in Canvas: a fact, named, not a failure
                enrollment.workflow_state = "deleted"
            if enrollment.user_id == gone:  # no enrolment at all any more: Canvas refuses, unexplained
                del sim.state.enrollments[key]
    client.post("/utilities/canvas-results/start")
    work()
    page = client.get("/utilities/canvas-results/").get_data(as_text=True)
    assert "16 of 16" in page and "1 error" in page
    assert "1 student could not be downloaded" in page and "Harrison Turner (C0032)" in page
    run = db.session.scalar(select(JobRun).where(JobRun.kind == bulk.KIND))
    staged = _staged(run.id)
    assert len(staged) == 16 and sum(1 for *_, error in staged if error) == 2
    willow = db.session.scalar(select(JobRunItem).where(JobRunItem.run_id == run.id,
                                                        JobRunItem.label.contains("C0031")))
    assert willow.ok and willow.outcome == "ended" and "Deleted in Canvas" in willow.message


def test_cancel_stops_the_run_keeps_what_it_fetched_and_resume_finishes_it(
        client, login, transferred_121, sim, redis_url, work):
    login()
    sim.configure(latency_ms=600)
    client.post("/utilities/canvas-results/start")
    run = db.session.scalar(select(JobRun).where(JobRun.kind == bulk.KIND))
    worker = subprocess.Popen([sys.executable, "worker.py", "--burst"], cwd=ROOT,
                              env=dict(os.environ, REDIS_URL=redis_url), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _staged(run.id):
        time.sleep(0.05)
        db.session.expire_all()
    client.post(f"/utilities/canvas-results/runs/{run.id}/cancel")
    assert worker.wait(timeout=60) == 0
    db.session.expire_all()
    cancelled = db.session.get(JobRun, run.id)
    kept = len(_staged(run.id))
    assert cancelled.status == "cancelled" and 0 < kept < 16
    assert "what was downloaded is kept" in cancelled.message

    sim.configure(latency_ms=0)
    assert "Resume" in client.get("/utilities/canvas-results/").get_data(as_text=True)
    client.post(f"/utilities/canvas-results/runs/{run.id}/resume")
    work()
    db.session.expire_all()
    assert db.session.get(JobRun, run.id).status == "finished" and len(_staged(run.id)) == 16


def test_a_start_date_at_the_edge_of_the_calendar_is_a_form_error_and_nothing_is_processed(
        client, login, transferred_121, sim, work):
    login()
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")  # a started unit: its end is a year after the date
    client.post("/utilities/canvas-results/start")
    work()
    run = db.session.scalar(select(JobRun).where(JobRun.kind == bulk.KIND))
    said = "31/12/9999 is outside the dates canvaslink keeps: enter a date from 01/01/1900 to 31/12/2999."
    review = client.get(f"/utilities/canvas-results/runs/{run.id}/review?start_rule=date&start_date=31/12/9999")
    assert review.status_code == 422 and said in review.get_data(as_text=True)
    refused = client.post(f"/utilities/canvas-results/runs/{run.id}/process",
                          data={"start_rule": "date", "start_date": "31/12/9999"})
    assert refused.status_code == 422 and said in refused.get_data(as_text=True)
    assert db.session.scalar(select(JobRun).where(JobRun.kind == bulk.PROCESS_KIND)) is None
