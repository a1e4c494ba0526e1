"""The home page's notices about the background processes, for staff who watch runs (the run history's
right): a worker that died, no worker while jobs wait, a cron that stopped or never ran, a nightly job
that missed its time. Each says what happened and what to start."""

import logging
from datetime import datetime, timedelta, timezone

from flask import current_app
from redis.exceptions import RedisError

from ...config import nightly_schedule
from ...cron import previous_due
from ...jobs import nightly_pull, nightly_sync
from ...queue import redis_connection
from ...rto_time import format_rto_time
from ..clock import naive_utc, utcnow
from .status import Status, read_status

log = logging.getLogger(__name__)

# Jobs that wait this long with no worker beating are worth a person's attention.
NO_WORKER_AFTER = timedelta(minutes=2)
# A nightly job enqueued this long after its time has missed it (the cron checks at least every minute).
NIGHTLY_GRACE = timedelta(minutes=15)
# A worker that died is told of for this long, unless one started since (a supervisor replaced it).
DIED_TOLD_FOR = timedelta(hours=24)

START_WORKER = "Start one on a worker machine: python worker.py (or the canvaslink-worker service, see deploy/)."
START_CRON = "Start it, one only: python -m webapp.cron (or the canvaslink-cron service, see deploy/)."
NIGHTLY_JOBS = ((nightly_sync, "nightly Canvas sync"), (nightly_pull, "nightly result transfer"))


def operations_notices(now: datetime | None = None) -> list[str]:
    """What the home page says about the workers and the cron; [] when all is well. `now`: naive UTC."""
    now = now or utcnow()
    try:
        status = read_status(redis_connection())
    except (RedisError, RuntimeError) as err:
        log.warning("The home page could not read the workers' heartbeats: %s", err)
        return ["Redis does not answer, so no background job can be queued or run and nothing can be said "
                "of the workers. Ask your administrator to check Redis (REDIS_URL)."]
    return [*_worker_notices(status, now), *_cron_notices(status, now)]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _worker_notices(status: Status, now: datetime) -> list[str]:
    alive, last = status.alive, status.last_worker_beat
    if not alive and status.queued and (last is None or now - last >= NO_WORKER_AFTER):
        # One notice says it all: which died is in the worker's own log.
        seen = f"since {format_rto_time(last)}" if last else "yet"
        oldest = f", the oldest since {format_rto_time(status.oldest_enqueued)}" if status.oldest_enqueued else ""
        waits = "1 job waits" if status.queued == 1 else f"{status.queued} jobs wait"
        return [f"No worker has been seen {seen}, and {waits}{oldest}: nothing runs them. {START_WORKER}"]
    return [f"A worker ({worker.name}) stopped without shutting down: its last heartbeat was at "
            f"{format_rto_time(worker.last_beat)}. {_plural(len(alive), 'worker')} running now. {START_WORKER}"
            for worker in status.workers
            if worker.died and now - worker.last_beat < DIED_TOLD_FOR
            and not any(other.born is not None and other.born > worker.last_beat for other in alive)]


def _missed(status: Status, now: datetime) -> list[str]:
    """The nightly jobs whose last due time passed (with NIGHTLY_GRACE) without the cron enqueueing them,
    since the cron was first seen: "the nightly Canvas sync due at 05/12/2026 02:00"."""
    zone, moment = current_app.config["RTO_TIME_ZONE"], (now - NIGHTLY_GRACE).replace(tzinfo=timezone.utc)
    missed = []
    for (job, words), expression in zip(NIGHTLY_JOBS, nightly_schedule()):
        due = naive_utc(previous_due(expression, zone, moment))
        enqueued = status.cron.get(f"enqueued:{job.__module__}.{job.__name__}")
        if status.cron["first_seen"] <= due and (enqueued is None or enqueued < due):
            missed.append(f"the {words} due at {format_rto_time(due)}")
    return missed


def _cron_notices(status: Status, now: datetime) -> list[str]:
    if "first_seen" not in status.cron:
        return ["The nightly schedule (the cron) has never run here, so the nightly Canvas sync and result "
                f"transfer do not happen. {START_CRON}"]
    missed = " and ".join(_missed(status, now))
    if not status.cron_alive:
        did_not_run = f", and {missed} did not run" if missed else ""
        return [f"The nightly schedule (the cron) has stopped: its last heartbeat was at "
                f"{format_rto_time(status.cron.get('beat'))}{did_not_run}. {START_CRON}"]
    if missed:
        return [f"{missed[0].upper()}{missed[1:]} did not run: the nightly schedule (the cron) was not running "
                "then. It runs now; start the work by hand if it cannot wait for tonight."]
    return []
