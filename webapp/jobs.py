"""RQ job functions: they take ids, open their own session through the app the worker built,
and keep their progress in a JobRun row that the pages poll."""

import logging
from functools import partial

from .extensions import db
from .models import JobRun
from .queue import QueueUnavailable, enqueue_run, redis_connection
from .services import DomainError
from .services.canvas_sync import runs as sync
from .services.runs.kinds import KINDS, parts_of
from .services.runs.recovery import recover_all
from .services.result_transfer.unattended import nightly_integration_ids, pull_results
from .services.runs.lifecycle import execute, fail_run
from .services.runs.nightly import last_nightly, nightly_summary, record_nightly_outcome, send_summary
from .workers import any_worker_alive

log = logging.getLogger(__name__)


def run_job(run_id: int, occurrence_id: int | None = None) -> None:
    """`occurrence_id`: the part of a download run this job starts with (queue.enqueue_run)."""
    # RQ forks a work horse per job: connections inherited from the parent must not be shared.
    db.engine.dispose(close=False)
    try:
        run = db.session.get(JobRun, run_id)
        if run is None or run.ended:
            log.info("Job for run %s: nothing to do (the run %s)", run_id, "is gone" if run is None else "has ended")
            return
        log.info("Job for run %s (%s%s) began", run_id, run.kind,
                 f", occurrence {occurrence_id}" if occurrence_id is not None else "")
        runner = KINDS[run.kind].runner
        ok = execute(run, runner if occurrence_id is None else partial(runner, occurrence_id=occurrence_id))
        log.info("Job for run %s ended%s", run_id, "" if ok else " with an error")
    finally:
        db.session.remove()


def start(run: JobRun, inline_limit: int) -> None:
    """Runs go to a worker and the page shows their progress. A small run finishes while the page
    waits only when no worker is there to take it (a web process on its own, the tests): with one,
    five students get the same progress bar as five hundred. Either way a run that fails ends as
    failed (job_runs.execute)."""
    if run.total <= inline_limit and not _worker_listening():
        execute(run, KINDS[run.kind].runner)
        return
    try:
        run.rq_job_id = enqueue_run(run.id, parts_of(run))
    except QueueUnavailable as err:
        fail_run(run, f"{err} Nothing was done.")
    db.session.commit()


def _worker_listening() -> bool:
    try:
        return any_worker_alive(redis_connection())
    except (QueueUnavailable, RuntimeError):
        return False


def nightly_sync() -> None:
    """The nightly schedule (webapp/cron.py): first every run nothing would finish is put right (one whose
    job Redis lost is queued again, one whose worker died ends as failed: runs.recovery), then read every
    linked section's enrolment states and make the changes still due (a withdrawal a Canvas outage left
    undone, new enrolments where the integration transfers them by itself). It never passes the
    mass-change guard: held changes wait for a person."""
    try:
        recover_all()
        run, created = sync.start_bulk_sync(None, "the nightly run", unattended=True)
        db.session.commit()
        if not created:
            log.warning("Nightly Canvas sync skipped: run %s is under way.", run.id)
            return
        execute(run, sync.run_bulk_sync)
        log.info("Nightly Canvas sync: run %s, %s", run.id, run.message)
    except DomainError as err:
        log.info("Nightly Canvas sync: %s", err.message)
    finally:
        db.session.remove()


def nightly_pull() -> None:
    """The nightly schedule (webapp/cron.py): integrations that switched it on, downloaded and saved."""
    integration_ids = nightly_integration_ids()
    if not integration_ids:
        return
    try:
        summary = pull_results(None, process=True, integration_ids=integration_ids, nightly=True)
        run = db.session.get(JobRun, summary.run_id)
        record_nightly_outcome(run, saved=summary.saved, waiting=summary.waiting, kept=summary.kept)
        db.session.commit()
        send_summary(*nightly_summary(run))
    except DomainError as err:
        log.warning("Nightly result transfer skipped: %s", err.message)
        send_summary(*nightly_summary(last_nightly(), err.message))
        return
    finally:
        db.session.remove()
    log.info("Nightly result transfer: run %s, %s downloaded, %s failed, %s rows saved, %s waiting for review, "
             "%s kept", summary.run_id, summary.downloaded, summary.failed_downloads, summary.saved, summary.waiting,
             summary.kept)
