"""RQ job functions: they take ids, open their own session through the app the worker built,
and keep their progress in a JobRun row that the pages poll."""

import logging

from .extensions import db
from .models import JobRun
from .services import enrolment_transfer
from .services.job_runs import fail_run

log = logging.getLogger(__name__)

RUNNERS = {enrolment_transfer.KIND: enrolment_transfer.run_transfer}


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
