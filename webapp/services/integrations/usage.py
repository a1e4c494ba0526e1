"""How much each integration asks of Canvas: calls, throttled answers and errors per day, counted
in Redis (shared by every web process and worker; cheap: one pipelined HINCRBY per call). Beside the
days, a running total per integration that never lapses: /metrics serves it as Prometheus counters."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from redis.exceptions import RedisError

from ...queue import quick_connection
from ..clock import utcnow

log = logging.getLogger(__name__)

KEPT_DAYS = 8
TOTALS = "canvaslink:canvas-calls-total:"
FIELDS = ("calls", "throttled", "errors")


@dataclass(frozen=True)
class Usage:
    calls: int = 0
    throttled: int = 0
    errors: int = 0
    known: bool = True  # False: the counts could not be read (Redis is not reachable)


def _key(integration_id: int, day: date) -> str:
    return f"canvaslink:canvas-calls:{integration_id}:{day.isoformat()}"


def call_counter(integration_id: int) -> Callable[[bool, bool], None] | None:
    """The observer a saved integration's Canvas client reports each attempt to; None without Redis."""
    redis = quick_connection()
    if redis is None:
        return None

    def count(throttled: bool, error: bool) -> None:
        key = _key(integration_id, utcnow().date())
        pipe = redis.pipeline(transaction=False)
        for counted in (key, f"{TOTALS}{integration_id}"):
            pipe.hincrby(counted, "calls", 1)
            if throttled:
                pipe.hincrby(counted, "throttled", 1)
            if error:
                pipe.hincrby(counted, "errors", 1)
        pipe.expire(key, KEPT_DAYS * 86400)
        pipe.execute()

    return count


def usage(integration_ids: list[int], days: int = 7) -> dict[int, Usage]:
    """Each integration's counts over the last `days` days, today included (UTC days)."""
    redis = quick_connection()
    if redis is None or not integration_ids:
        return {i: Usage(known=redis is not None) for i in integration_ids}
    today = utcnow().date()
    pipe = redis.pipeline(transaction=False)
    for integration_id in integration_ids:
        for back in range(days):
            pipe.hgetall(_key(integration_id, today - timedelta(days=back)))
    try:
        answers = pipe.execute()
    except RedisError:
        log.warning("Could not read Canvas call counts", exc_info=True)
        return {i: Usage(known=False) for i in integration_ids}
    totals = {}
    for index, integration_id in enumerate(integration_ids):
        counted = answers[index * days:(index + 1) * days]
        totals[integration_id] = Usage(*(sum(int(day.get(field.encode(), 0)) for day in counted)
                                         for field in FIELDS))
    return totals
