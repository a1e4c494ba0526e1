"""Putting right a run that nothing would finish (lifecycle.abandoned says which): as its page polls
it, when a change would join a queued sync, and in the nightly sweep. (Starting the same work again
ends such a run itself, and the new run takes over: lifecycle.start_run.)

A queued run whose job Redis lost is queued again: the work is still wanted (a sync carrying a
withdrawal, a download someone waits for) and none of it was done. Any other ends as failed with
the reason, which its page shows; pressing again starts a new run at once."""

import logging

from sqlalchemy import select

from ...extensions import db
from ...models import QUEUED, RUNNING, JobRun
from ...queue import QueueUnavailable, requeue_run
from .kinds import KINDS, parts_of
from .lifecycle import abandoned, fail_run

log = logging.getLogger(__name__)

REQUEUED = "Queued again: its first job was lost from the queue (Redis restarted or was emptied) before a worker " \
           "took it."


def recover(run: JobRun) -> None:
    """Put the run right if nothing would finish it; otherwise leave it be. Flushes; the caller commits."""
    found = abandoned(run)
    if found is None:
        return
    if not found.lost:
        fail_run(run, f"{found.why}; start it again.")
        return
    lost_job_id = run.rq_job_id
    try:
        run.rq_job_id = requeue_run(run.id, lost_job_id, parts_of(run))
    except QueueUnavailable as err:
        fail_run(run, f"{found.why}. {err}")
        return
    run.message = REQUEUED
    db.session.flush()
    log.warning("Run %s (%s): its job %s was lost from the queue; queued again as %s.", run.id, run.kind,
                lost_job_id, run.rq_job_id)


def recover_all() -> None:
    """The sweep: every live run of a kind this version runs, so that one nobody watches does not wait for good."""
    for run in db.session.scalars(select(JobRun).where(JobRun.status.in_((QUEUED, RUNNING)), JobRun.kind.in_(list(KINDS)))
                                  .order_by(JobRun.id)).all():
        recover(run)
    db.session.commit()
