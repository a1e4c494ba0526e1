"""The Redis connection and RQ queue that web processes, workers and the CLI share."""

from flask import current_app
from redis import Redis
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
