"""The RQ worker (worker.py) as it runs: it outlives a restart of Redis and goes on with the next run,
and the run of a worker that died is taken over as soon as the worker's heartbeat lapses, not after the
run's 90 quiet seconds (issue 22, M2 and L4)."""

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from redis import Redis
from rq import Queue, Worker
from sqlalchemy import func, select

from tests.canvas_fixtures import canvas_user_of
from tests.helpers import RedisServer, kill_with_its_work_horse, wait_for as _wait_for
from webapp.extensions import db
from webapp.models import (
    Client,
    Enrolment,
    EnrolmentStatus,
    JobRun,
    ModuleStateDownload,
)
from webapp.queue import QUEUE_NAME, job_state
from webapp.services.clock import utcnow
from webapp.services.result_transfer import bulk
from webapp.services.runs.lifecycle import STALLED_AFTER
from webapp.services.sms.enrolments import update_enrolment
from webapp.workers import worker_alive

ROOT = Path(__file__).resolve().parents[1]


def _start_worker(redis_url: str, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=dict(os.environ, REDIS_URL=redis_url),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _writer(fifo: Path) -> int | None:
    """The named pipe opened for writing, once its reader has opened it."""
    try:
        return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as err:
        if err.errno == errno.ENXIO:  # no reader yet
            return None
        raise


def _run(run_id: int) -> JobRun:
    db.session.expire_all()
    return db.session.get(JobRun, run_id)


def _canvas_state(sim, code: str) -> str:
    user_id = canvas_user_of(code)
    with sim.state.lock:
        return next(e.workflow_state for e in sim.state.enrollments.values()
                    if e.user_id == user_id and e.section_id == 87)


def test_the_worker_goes_on_after_redis_restarts_under_a_job(app, transferred_121, sim, monkeypatch):
    directory = Path(tempfile.mkdtemp(prefix="rq-"))  # short: a unix socket's path is at most 107 bytes
    redis, log = RedisServer(directory), directory / "worker.log"
    redis.start()
    monkeypatch.setitem(app.config, "REDIS_URL", redis.url)  # what the pages queue goes to this Redis
    worker = _start_worker(redis.url, log)
    try:
        connection = Redis.from_url(redis.url)
        _wait_for(lambda: Worker.all(connection=connection), "the worker to start")
        # A job under way across the restart: it copies a named pipe, so it ends when the test writes to it.
        fifo, copy = directory / "pipe", directory / "copy"
        os.mkfifo(fifo)
        Queue(QUEUE_NAME, connection=connection).enqueue("subprocess.check_call", ["cp", str(fifo), str(copy)])
        writer = _wait_for(lambda: _writer(fifo), "the job to begin")

        redis.stop()
        os.write(writer, b"done")
        os.close(writer)
        _wait_for(lambda: copy.exists() and copy.read_text() == "done", "the job to end while Redis is away")
        # The job's end and the worker's heartbeat meet the stopped Redis (the worker says so) ...
        _wait_for(lambda: worker.poll() is not None or "Redis is not answering" in log.read_text(),
                  "the worker to meet the stopped Redis")
        redis.start()  # ... which comes back empty: the job's record and the worker's registration are gone
        assert worker.poll() is None, f"the worker quit:\n{log.read_text()[-3000:]}"

        enrolment = db.session.scalar(select(Enrolment).join(Client).where(Client.code == "C0030",
                                                                            Enrolment.occurrence_id == 121))
        update_enrolment(enrolment, start_date=enrolment.start_date, end_date=enrolment.end_date,
                         status=db.session.scalar(select(EnrolmentStatus).where(EnrolmentStatus.name == "Withdrawn")))
        db.session.commit()
        run_id = db.session.scalar(select(JobRun.id).where(JobRun.kind == "canvas_sync"))
        assert _wait_for(lambda: _run(run_id).ended and _run(run_id), "the sync to end").status == "finished"
        assert _canvas_state(sim, "C0030") == "completed"
    finally:
        kill_with_its_work_horse(worker)
        redis.stop()
        shutil.rmtree(directory, ignore_errors=True)


def _staged(run_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ModuleStateDownload)
                             .where(ModuleStateDownload.run_id == run_id))


def test_pressing_again_takes_over_the_run_of_a_dead_worker_once_its_heartbeat_lapses(
        client, login, redis_url, transferred_121, sim, work, tmp_path):
    login()
    sim.configure(latency_ms=1000)  # slow enough to kill the worker half-way
    client.post("/utilities/canvas-results/start")
    run_id = db.session.scalar(select(JobRun.id).where(JobRun.kind == bulk.KIND))
    worker = _start_worker(redis_url, tmp_path / "worker.log")
    try:
        _wait_for(lambda: 0 < _staged(run_id) < 16, "the worker to be half-way")
    finally:
        kill_with_its_work_horse(worker)
    connection = Redis.from_url(redis_url)
    held = job_state(_run(run_id).rq_job_id, connection)
    assert held is not None and not held.ended and held.worker, "the run was not under way when its worker died"
    _wait_for(lambda: worker_alive(held.worker, connection) is False, "the dead worker's heartbeat to lapse")
    quiet_for = utcnow() - _run(run_id).heartbeat_at

    client.post("/utilities/canvas-results/start")  # pressed again

    dead = _run(run_id)
    assert quiet_for < STALLED_AFTER  # the run's own silence would not have told yet
    assert dead.status == "failed"
    assert dead.message == "Stopped: the worker running it stopped answering. What it did is kept; a new run took over."
    sim.configure(latency_ms=0)
    work()
    newest = db.session.scalar(select(JobRun).where(JobRun.kind == bulk.KIND).order_by(JobRun.id.desc()))
    assert newest.id != run_id and (newest.status, newest.done, newest.total) == ("finished", 16, 16)
