"""How runs end, counted in Redis for /metrics: outcomes by kind, and how long they took (a histogram).
Counted by whichever process ends a run (a worker, or a web process that ran a small one), so every
web process's /metrics answers the same totals. Counting is never worth failing a run for."""

import logging
from datetime import datetime

from redis.exceptions import RedisError

from ...queue import quick_connection

log = logging.getLogger(__name__)

OUTCOMES = "canvaslink:run-outcomes"
DURATIONS = "canvaslink:run-durations:"
# Seconds: a small transfer takes a second or two, a bulk download of a large provider hours.
BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 3 * 3600.0)


def bucket_of(seconds: float) -> str:
    return next((f"{bound:g}" for bound in BUCKETS if seconds <= bound), "+Inf")


def count_ended(kind: str, status: str, began: datetime | None, ended: datetime) -> None:
    """One run of `kind` ended as `status`; `began`: when a worker (or the page) began it, None if never."""
    connection = quick_connection()
    if connection is None:
        return
    try:
        with connection.pipeline(transaction=False) as pipe:
            pipe.hincrby(OUTCOMES, f"{kind}|{status}", 1)
            if began is not None:
                seconds = max((ended - began).total_seconds(), 0.0)
                pipe.hincrby(DURATIONS + kind, bucket_of(seconds), 1)
                pipe.hincrbyfloat(DURATIONS + kind, "sum", seconds)
                pipe.hincrby(DURATIONS + kind, "count", 1)
            pipe.execute()
    except RedisError as err:
        log.warning("Could not count the end of a %s run: %s", kind, err)
