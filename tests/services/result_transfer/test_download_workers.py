"""Many workers on one download run and one Canvas token: a worker killed mid-run costs nothing
but its lease; the others finish the run with exactly the rows an undisturbed run stages."""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis
from rq import Worker
from sqlalchemy import func, select

from bench.bulk_results import seed_database, simulator_seed
from webapp.extensions import db
from webapp.models import JobRun, JobRunItem, ModuleStateDownload
from webapp.queue import enqueue_run
from webapp.services.result_transfer.bulk import start_bulk_download
from webapp.services.result_transfer.download import occurrences_of, run_download

ROOT = Path(__file__).resolve().parents[3]
OCCURRENCES, STUDENTS, MODULES = 3, 6, 3
LEASE_SECONDS = 2


@pytest.fixture
def three_occurrences(app):
    """Three linked occurrences of six students in a Canvas that answers slowly."""
    from canvas_sim.testing import running_simulator

    with running_simulator(seed=simulator_seed(OCCURRENCES, STUDENTS, MODULES), latency_ms=700) as sim:
        args = argparse.Namespace(occurrences=OCCURRENCES, students=STUDENTS, modules=MODULES, integrations=1, grades=False)
        seed_database(args, sim.url)
        yield sim


def _staged(run_id: int) -> set[tuple]:
    rows = db.session.scalars(select(ModuleStateDownload).where(ModuleStateDownload.run_id == run_id)).all()
    return {(r.enrolment_id, repr(r.states), r.error) for r in rows}


def _count(model, run_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(model.run_id == run_id))


def test_a_killed_worker_leaves_the_run_to_the_others(app, three_occurrences, redis_url):
    app.config["LEASE_SECONDS"] = LEASE_SECONDS
    run, _ = start_bulk_download(None)
    db.session.commit()
    run_id, total = run.id, run.total
    enqueue_run(run_id, occurrences_of(run))
    env = dict(os.environ, REDIS_URL=redis_url, CANVASLINK_LEASE_SECONDS=str(LEASE_SECONDS))
    workers = [subprocess.Popen([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
               for _ in range(3)]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _count(ModuleStateDownload, run_id):
            time.sleep(0.05)
        busy = {w.pid for w in Worker.all(connection=Redis.from_url(redis_url)) if w.get_current_job_id()}
        killed = next(w for w in workers if w.pid in busy)  # it holds an occurrence it has not finished
        workers.remove(killed)
        os.killpg(killed.pid, signal.SIGKILL)  # the worker and the job it forked die at once
        killed.wait()
        staged_at_kill = _count(ModuleStateDownload, run_id)
        for worker in workers:
            assert worker.wait(timeout=120) == 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
    db.session.expire_all()
    finished = db.session.get(JobRun, run_id)

    undisturbed, _ = start_bulk_download(None)
    db.session.commit()
    run_download(undisturbed)

    assert 0 < staged_at_kill < total
    assert (finished.status, finished.done, finished.failed) == ("finished", total, 0)
    assert _count(JobRunItem, run_id) == _count(ModuleStateDownload, run_id) == total  # none twice
    assert _staged(run_id) == _staged(undisturbed.id)
