"""Runs of background work that staff watch: start (one at a time per scope), progress, items, end."""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import NamedTuple

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import String, bindparam, func, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import CANCELLED, FAILED, FINISHED, QUEUED, RUNNING, JobRun, JobRunItem
from ...queue import JobState, current_job_id, job_state, redis_connection
from ...workers import worker_alive
from ..clock import utcnow
from .counts import count_ended

log = logging.getLogger(__name__)


# A running run that has not reported for this long is taken as stopped (killed, crashed), whatever runs
# it: a run in a page's request has no worker whose heartbeat could say so sooner.
STALLED_AFTER = timedelta(seconds=90)


class StartedRun(NamedTuple):
    run: JobRun
    created: bool  # False: the run already under way for the same work, which must not be started again


def _equals(column, value: int | None):
    return column.is_(None) if value is None else column == value


def _live(kind: str, occurrence_id: int | None):
    return select(JobRun).where(JobRun.kind == kind, _equals(JobRun.occurrence_id, occurrence_id),
                                JobRun.status.in_((QUEUED, RUNNING)))


def active_run(kind: str, occurrence_id: int | None) -> JobRun | None:
    return db.session.scalar(_live(kind, occurrence_id).order_by(JobRun.id).limit(1))


class Abandoned(NamedTuple):
    """Why nothing will finish a live run, in the words its page shows. `lost`: its job is gone from
    the queue before any worker began it, so queueing the run again finishes it (runs/recovery.py)."""
    why: str
    lost: bool = False


LOST = Abandoned("Stopped before it began: its job was lost from the queue (Redis restarted or was emptied). "
                 "Nothing was done", lost=True)
NEVER_BEGAN = Abandoned("Stopped before it began: the worker's job for it ended first (the worker's log says "
                        "why). Nothing was done")
WORKER_STOPPED = Abandoned("Stopped: the worker running it stopped answering. What it did is kept")


def abandoned(run: JobRun) -> Abandoned | None:
    """Why nothing will finish this live run, or None while something may: a queued run whose job Redis
    lost (or that ended before the run began); a running run whose job ended under it (its work horse
    died), whose worker's heartbeat lapsed (workers.py), or that has not reported for STALLED_AFTER.
    The one test of a run that blocks its work for good, asked wherever that matters: before the same
    work starts again (start_run), as the run's page polls it, and by the nightly sweep (recovery.py).
    What Redis cannot say (it does not answer) never counts against a run."""
    seen = run.status
    if seen == QUEUED:
        found = _asking_redis(_queued_job_gone, run)
    elif seen == RUNNING:
        found = _asking_redis(_worker_gone, run) or (WORKER_STOPPED if _quiet(run) else None)
    else:
        return None
    if found is None:
        return None
    # Redis may be newer than this session's read of the run: one that its job ended, or a worker began,
    # in between is not abandoned.
    db.session.refresh(run, ["status"])
    return found if run.status == seen else None


def _asking_redis(check: Callable[[JobState | None, Redis], Abandoned | None], run: JobRun) -> Abandoned | None:
    """`check` of what Redis knows of the run's job."""
    if not run.rq_job_id:  # not handed to a worker yet, or run here, in this process
        return None
    try:
        connection = redis_connection()
        return check(job_state(run.rq_job_id, connection), connection)
    except (RedisError, RuntimeError) as err:
        log.warning("Run %s: Redis cannot say whether its job %s is alive (%s).", run.id, run.rq_job_id, err)
        return None


def _queued_job_gone(state: JobState | None, connection: Redis) -> Abandoned | None:
    if state is None:
        return LOST
    return NEVER_BEGAN if state.ended else None


def _worker_gone(state: JobState | None, connection: Redis) -> Abandoned | None:
    if state is None:  # Redis lost the job (it restarted), and the heartbeats with it: only the run's reports tell
        return None
    if state.ended:  # RQ ended the job under a running run: its work horse died (killed, out of memory)
        return WORKER_STOPPED
    return WORKER_STOPPED if state.worker and worker_alive(state.worker, connection) is False else None


def _quiet(run: JobRun) -> bool:
    last = run.heartbeat_at or run.started_at
    return last is not None and utcnow() - last > STALLED_AFTER


def under_way(kind: str, occurrence_id: int | None) -> JobRun | None:
    """The run under way for this work, if any. A live run nothing will finish is ended here as failed,
    saying why: it would otherwise block the work for good, and the caller's new run takes over."""
    for run in db.session.scalars(_live(kind, occurrence_id).order_by(JobRun.id)).all():
        if (found := abandoned(run)) is not None:
            fail_run(run, f"{found.why}; a new run took over.")
    return active_run(kind, occurrence_id)


def start_run(kind: str, occurrence_id: int | None, params: dict, total: int, actor_id: int | None, *,
              beside: bool = False) -> StartedRun:
    """A new run, or the one already under way for the same work (never two at once). A run nothing
    will finish is ended as failed, and the new one takes over (under_way).
    `beside`: start one anyway, beside the newest run under way (a change made while a sync runs needs
    a sync after it; leaving students' progress is staged now, whatever download runs).

    The database holds one live run per kind and scope (and one beside each): a start that loses the
    race between its read and its insert gets the run that won, and the caller's transaction goes on."""
    running = under_way(kind, occurrence_id)
    if running is not None and not beside:
        return StartedRun(running, False)
    beside_id = db.session.scalar(_live(kind, occurrence_id).with_only_columns(JobRun.id).order_by(
        JobRun.id.desc()).limit(1)) if beside else None
    run = JobRun(kind=kind, occurrence_id=occurrence_id, params=params, total=total, started_by_id=actor_id,
                 created_at=utcnow(), status=QUEUED, beside_id=beside_id)
    try:
        with db.session.begin_nested():
            db.session.add(run)
    except IntegrityError:
        won = db.session.scalar(_live(kind, occurrence_id).where(_equals(JobRun.beside_id, beside_id)))
        if won is None:
            raise
        return StartedRun(won, False)
    return StartedRun(run, True)


def execute(run: JobRun, work: Callable[[JobRun], None]) -> bool:
    """Do a run's work in this process (a worker's job, or a small run while the page waits).
    Whatever goes wrong, the run ends as failed and says so: a run left "running" would block
    its occurrence for good. False when it failed."""
    run_id = run.id
    try:
        work(run)
    except Exception as exc:
        log.exception("Job run %s (%s) failed", run_id, run.kind)
        db.session.rollback()
        fail_run(db.session.get(JobRun, run_id), f"Stopped by an unexpected error ({type(exc).__name__}). What "
                 "was done is kept; start it again to finish the rest.")
        db.session.commit()
        return False
    return True


def mark_running(run: JobRun) -> None:
    run.status = RUNNING
    run.started_at = run.started_at or utcnow()
    beat(run)
    db.session.flush()


def beat(run: JobRun) -> None:
    """The run is alive, now, in this job: a running run that stops beating was killed, and the job
    that beat last holds it (of several jobs of one download, one that goes on)."""
    run.heartbeat_at = utcnow()
    if job_id := current_job_id():
        run.rq_job_id = job_id


def done_keys(run: JobRun) -> set[str]:
    """Items already finished: a resumed run skips them."""
    return set(db.session.scalars(select(JobRunItem.item_key).where(JobRunItem.run_id == run.id)))


class Item(NamedTuple):
    key: object
    label: str
    outcome: str
    message: str = ""
    ok: bool = True


_INSERT_ITEMS = insert(JobRunItem.__table__)
# In SQL, not from what this process read: several workers may record items of one run at once.
# Each counts as a beat (see `beat`), by the job that recorded them.
_COUNT_ITEMS = (update(JobRun.__table__).where(JobRun.__table__.c.id == bindparam("run"))
                .values(done=JobRun.__table__.c.done + bindparam("done"),
                        failed=JobRun.__table__.c.failed + bindparam("failed"), heartbeat_at=bindparam("now"),
                        rq_job_id=func.coalesce(bindparam("job", type_=String), JobRun.__table__.c.rq_job_id)))


def id_of(run: JobRun) -> int:
    """The run's id without a query: after a commit, reading `run.id` reloads the whole row."""
    identity = inspect(run).identity
    return identity[0] if identity else run.id


def record_item(run: JobRun, key, label: str, outcome: str, message: str = "", ok: bool = True) -> None:
    record_items(run, [Item(key, label, outcome, message, ok)])


def record_items(run: JobRun, items: list[Item]) -> None:
    """Items that finished together, in one insert and one counter update: a bulk run records
    thousands, and a unit-of-work flush per item was most of a worker's time."""
    if not items:
        return
    now, run_id = utcnow(), id_of(run)
    db.session.execute(_INSERT_ITEMS, [
        {"run_id": run_id, "item_key": str(item.key), "label": item.label[:255], "outcome": item.outcome,
         "ok": item.ok, "message": item.message, "at": now} for item in items])
    db.session.execute(_COUNT_ITEMS, {"run": run_id, "done": len(items), "failed": sum(1 for i in items if not i.ok),
                                      "now": now, "job": current_job_id()})
    db.session.expire(run, ["done", "failed", "heartbeat_at"])


def cancel_requested(run: JobRun) -> bool:
    """Read fresh from the database: the Cancel button is pressed in another process."""
    return bool(db.session.scalar(select(JobRun.cancel_requested).where(JobRun.id == run.id)))


def stopped_by_cancel(run: JobRun, kept: str) -> bool:
    """After each committed item: if Cancel was pressed, end the run here and say so."""
    if not cancel_requested(run):
        return False
    end_run(run, CANCELLED, f"Cancelled after {run.done} of {run.total} students; {kept}")
    db.session.commit()
    return True


def end_run(run: JobRun, status: str = FINISHED, message: str | None = None) -> None:
    run.status, run.finished_at = status, utcnow()
    if message:
        run.message = message
    db.session.flush()
    count_ended(run.kind, status, run.started_at, run.finished_at)
    log.info("Run %s (%s) ended: %s", run.id, run.kind, status)


def request_cancel(run: JobRun) -> None:
    if not run.ended:
        run.cancel_requested = True
        if run.status == QUEUED:  # nobody has picked it up: it ends here
            end_run(run, CANCELLED, "Cancelled before it started.")
        db.session.flush()


def fail_run(run: JobRun, message: str) -> None:
    end_run(run, FAILED, message)


def failures(run: JobRun, limit: int = 200) -> list[JobRunItem]:
    """The items that went wrong, for the run's page (a bulk run can have thousands of items)."""
    return db.session.scalars(select(JobRunItem).where(JobRunItem.run_id == run.id, JobRunItem.ok.is_(False))
                              .order_by(JobRunItem.id).limit(limit)).all()
