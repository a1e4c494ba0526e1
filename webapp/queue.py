"""The Redis connection and RQ queue that web processes, workers and the CLI share."""

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

QUEUE_NAME = "canvaslink"


def redis_connection(url: str | None = None) -> Redis:
    url = url or current_app.config["REDIS_URL"]
    if not url:
        raise RuntimeError("REDIS_URL is not set. `make run` starts an embedded Redis; in production point "
                           "REDIS_URL at your Redis server, e.g. redis://127.0.0.1:6379/0.")
    return Redis.from_url(url)


def job_queue(connection: Redis | None = None) -> Queue:
    return Queue(QUEUE_NAME, connection=connection or redis_connection())


class QueueUnavailable(Exception):
    """Background jobs cannot be queued: Redis is not configured or does not answer."""


def enqueue_run(run_id: int, parts: list[int] | None = None) -> str:
    """Hand a JobRun to the workers, as one job or one job per part; returns the first RQ job id."""
    try:
        queue = job_queue()
        # job_timeout bounds a stuck job; one run of a large occurrence stays well inside it
        jobs = queue.enqueue_many([Queue.prepare_data("webapp.jobs.run_job", (run_id, *([part] if parts else [])),
                                                      timeout=3 * 3600, result_ttl=86400, failure_ttl=7 * 86400)
                                   for part in (parts or [None])])
        job = jobs[0]
    except (RedisError, RuntimeError) as err:
        raise QueueUnavailable(f"The background job queue (Redis) is not reachable ({err}). Ask your "
                               "administrator to check Redis and the workers, then try again.") from None
    return job.id
