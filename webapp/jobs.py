"""RQ job functions: they take ids, open their own session through the app the worker built,
and keep their progress in a JobRun row that the pages poll."""

import logging

from .extensions import db
from .models import JobRun
from .services import DomainError
from .queue import QueueUnavailable, enqueue_run
from .services import enrolment_transfer
from .services.result_transfer import bulk, download
from .services.result_transfer.unattended import nightly_integration_ids, pull_results
from .services.job_runs import fail_run

log = logging.getLogger(__name__)

RUNNERS = {
    enrolment_transfer.KIND: enrolment_transfer.run_transfer,
    download.KIND: download.run_download,
    bulk.KIND: download.run_download,
    bulk.PROCESS_KIND: bulk.run_processing,
}


def run_job(run_id: int) -> None:
    # RQ forks a work horse per job: connections inherited from the parent must not be shared.
    db.engine.dispose(close=False)
    run = db.session.get(JobRun, run_id)
    if run is None or run.ended:
        return
    try:
        RUNNERS[run.kind](run)
    except Exception as exc:  # the run must end visibly, whatever went wrong
        log.exception("Job run %s (%s) failed", run_id, run.kind)
        db.session.rollback()
        run = db.session.get(JobRun, run_id)
        fail_run(run, f"Stopped by an unexpected error ({type(exc).__name__}). What was done is kept; "
                      "start it again to finish the rest.")
        db.session.commit()
        raise
    finally:
        db.session.remove()


def start(run: JobRun, inline_limit: int) -> None:
    """Small runs finish while the page waits; larger ones go to a worker and the page shows progress."""
    if run.total <= inline_limit:
        RUNNERS[run.kind](run)
        return
    try:
        run.rq_job_id = enqueue_run(run.id)
    except QueueUnavailable as err:
        fail_run(run, f"{err} Nothing was done.")
    db.session.commit()


def nightly_pull() -> None:
    """The nightly schedule (webapp/cron.py): integrations that switched it on, downloaded and saved."""
    integration_ids = nightly_integration_ids()
    if not integration_ids:
        return
    try:
        summary = pull_results(None, process=True, integration_ids=integration_ids, nightly=True)
    except DomainError as err:
        log.warning("Nightly result transfer skipped: %s", err.message)
        return
    finally:
        db.session.remove()
    log.info("Nightly result transfer: run %s, %s downloaded, %s failed, %s rows saved, %s waiting for review, "
             "%s kept", summary.run_id, summary.downloaded, summary.failed_downloads, summary.saved, summary.waiting,
             summary.kept)
