"""The Redis connection and RQ queue that web processes, workers and the CLI share."""

import logging
from typing import NamedTuple
from uuid import uuid4

from flask import current_app
from redis import Redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import RedisError, WatchError
from redis.retry import Retry
from rq import Queue, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

log = logging.getLogger(__name__)

QUEUE_NAME = "canvaslink"
# How long a job and what became of it stay in Redis: bounds a stuck job, and a run of a large occurrence
# stays well inside it (timeout); a week to read why a job failed (failure_ttl).
JOB_TIMEOUT, RESULT_TTL, FAILURE_TTL = 3 * 3600, 86400, 7 * 86400


def redis_connection(url: str | None = None, *, patient: bool = False) -> Redis:
    """`patient`: every command waits for Redis, however long it is away, instead of failing. For a
    worker: RQ's loop retries only while it waits for a job, so a restart of Redis while a job ran
    stopped the worker for good (its heartbeat, or the job's end, met the refused connection)."""
    url = url or current_app.config["REDIS_URL"]
    if not url:
        raise RuntimeError("REDIS_URL is not set. `make run` starts an embedded Redis; in production point "
                           "REDIS_URL at your Redis server, e.g. redis://127.0.0.1:6379/0.")
    if not patient:
        return Redis.from_url(url)
    return Redis.from_url(url, retry=Retry(ExponentialWithJitterBackoff(base=0.5, cap=5), retries=-1,
                                           is_retryable=_waiting_for_redis))


_quick: dict[str, Redis] = {}


def quick_connection() -> Redis | None:
    """For counting (Canvas calls, run outcomes): half a second at most, so that a Redis away costs a call
    or a run nothing; one per URL for the process. None without REDIS_URL."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    if url not in _quick:
        _quick[url] = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return _quick[url]


def _waiting_for_redis(error: Exception) -> bool:
    """Every connection error and timeout is tried again (after a back-off of up to 5 s); each is logged,
    so the worker's log says why it is quiet."""
    log.warning("Redis is not answering (%s); trying again.", error)
    return True


def job_queue(connection: Redis | None = None) -> Queue:
    return Queue(QUEUE_NAME, connection=connection or redis_connection())


class QueueUnavailable(Exception):
    """Background jobs cannot be queued: Redis is not configured or does not answer."""


def _unavailable(err: Exception) -> QueueUnavailable:
    return QueueUnavailable(f"The background job queue (Redis) is not reachable ({err}). Ask your administrator "
                            "to check Redis and the workers, then try again.")


def _jobs_of(run_id: int, parts: list[int] | None, job_ids: list[str] | None = None) -> list:
    """The jobs carry the id of the request that queued them, so the worker's log lines about them do too."""
    from .logs import current_request_id

    meta = {"request_id": request_id} if (request_id := current_request_id()) else None
    return [Queue.prepare_data("webapp.jobs.run_job", (run_id, *([part] if parts else [])), timeout=JOB_TIMEOUT,
                               result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL, job_id=job_ids[n] if job_ids else None,
                               meta=meta)
            for n, part in enumerate(parts or [None])]


def enqueue_run(run_id: int, parts: list[int] | None = None) -> str:
    """Hand a JobRun to the workers, as one job or one job per part; returns the first RQ job id."""
    try:
        job = job_queue().enqueue_many(_jobs_of(run_id, parts))[0]
    except (RedisError, RuntimeError) as err:
        raise _unavailable(err) from None
    return job.id


def requeue_run(run_id: int, lost_job_id: str, parts: list[int] | None = None) -> str:
    """Hand a run to the workers again whose job Redis no longer has (`lost_job_id`); the new first job's
    id. Once only: of the processes that find the same job lost at the same moment (two pages polling
    the run, a poll and a start), one queues the run, in one transaction with the note of what it queued,
    and the others read that note. Two jobs of one run would do its work twice."""
    note = f"canvaslink:requeued:{lost_job_id}"
    job_ids = [uuid4().hex for _ in parts or [None]]
    try:
        connection = redis_connection()
        with connection.pipeline() as pipe:
            try:
                pipe.watch(note)
                if (queued := pipe.get(note)) is not None:
                    return queued.decode()
                pipe.multi()
                pipe.set(note, job_ids[0], ex=FAILURE_TTL)
                job_queue(connection).enqueue_many(_jobs_of(run_id, parts, job_ids), pipeline=pipe)
                pipe.execute()
            except WatchError:  # another process queued it between our read and our write
                return connection.get(note).decode()
    except (RedisError, RuntimeError) as err:
        raise _unavailable(err) from None
    return job_ids[0]


def current_job_id() -> str | None:
    """The RQ job this code runs in; None in a page's request, the CLI or a test."""
    job = get_current_job()
    return job.id if job else None


class JobState(NamedTuple):
    ended: bool  # finished, failed, stopped or cancelled: no worker runs it any more
    worker: str | None  # the worker that took it, once one has


_ENDED = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


def job_state(job_id: str, connection: Redis | None = None) -> JobState | None:
    """What Redis knows of an RQ job; None when it no longer has it (Redis restarted, or was emptied).
    Raises RedisError (or RuntimeError, without REDIS_URL) when Redis cannot say."""
    try:
        job = Job.fetch(job_id, connection=connection or redis_connection())
    except NoSuchJobError:
        return None
    return JobState(job.get_status(refresh=False) in _ENDED, job.worker_name or None)
