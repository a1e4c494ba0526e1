"""The bulk download's Canvas traffic at test size: one module-states call per enrolment, and
injected faults that change nothing it stages. bench/bulk_results.py measures the same at scale."""

from collections import Counter
from datetime import datetime, timezone

from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import JobRun, ModuleStateDownload
from webapp.services.result_transfer.bulk import start_bulk_download
from webapp.services.result_transfer.download import run_download

MODULE_STATES = "GET /api/v1/courses/:course_id/modules"


def _download() -> JobRun:
    run, _ = start_bulk_download(None)
    db.session.commit()
    run_download(run)  # what the worker runs for the job
    return run


def _staged(run: JobRun) -> set[tuple]:
    rows = db.session.scalars(select(ModuleStateDownload).where(ModuleStateDownload.run_id == run.id)).all()
    assert [r.error for r in rows if r.error] == []
    return {(r.enrolment_id, s["id"], s["state"], s["completed_at"]) for r in rows for s in r.states}


def test_one_module_states_call_per_enrolment_and_no_other(transferred_121, sim):
    before = Counter(sim.counters()["requests"])
    run = _download()
    made = Counter(sim.counters()["requests"]) - before

    assert (run.status, run.done, run.failed) == ("finished", 16, 0)
    assert made == {MODULE_STATES: 16}


def test_injected_faults_change_nothing_that_is_staged(transferred_121, sim):
    sim.set_module_state(canvas_user_of("C0025"), 902, "completed", datetime(2026, 10, 20, 3, tzinfo=timezone.utc))
    sim.set_module_state(canvas_user_of("C0027"), 903, "started")
    clean = _download()

    sim.configure(fault_rate=0.25, slow_ms=200, random_seed=11)
    before = sim.counters()
    faulty = _download()
    after = sim.counters()

    assert sum(after["faults"].values()) > sum(before["faults"].values()), "no fault was injected"
    assert (faulty.status, faulty.done, faulty.failed) == ("finished", 16, 0)
    assert _staged(faulty) == _staged(clean)
    assert (902, "completed", "2026-10-20T03:00:00+00:00") in {row[1:] for row in _staged(clean)}
