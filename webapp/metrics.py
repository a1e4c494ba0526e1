"""/metrics in Prometheus's text format, with prometheus-client.

Two sources:
- what this process measures itself: each request's latency by endpoint. Under gunicorn, whose worker
  processes each count their own, prometheus-client's multiprocess mode adds them up: set
  PROMETHEUS_MULTIPROC_DIR to an empty folder for the web processes (deploy/gunicorn.conf.py empties it
  at start and forgets a worker that exits);
- what every process shares in Redis, read at each scrape: Canvas calls, throttled answers and errors
  per integration (services/integrations/usage.py), runs' outcomes and durations by kind
  (services/runs/counts.py), the queue, and the workers' and the cron's heartbeats.

Whoever asks from this machine gets them; anyone else must send `Authorization: Bearer` with
CANVASLINK_METRICS_TOKEN (compared in constant time). Without the token set, only this machine.
"""

import hmac
import ipaddress
import logging
import os

from flask import current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from redis import Redis
from redis.exceptions import RedisError

from .services.clock import to_epoch, utcnow
from .services.integrations.usage import FIELDS, TOTALS
from .services.operations.status import read_status
from .services.runs.counts import BUCKETS, DURATIONS, OUTCOMES

log = logging.getLogger(__name__)

REQUEST_SECONDS = Histogram("canvaslink_http_request_duration_seconds", "Time to answer a request, by endpoint",
                            ["endpoint", "method"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    if endpoint != "operations.metrics":  # the scrape itself would drown the rest
        REQUEST_SECONDS.labels(endpoint, method).observe(seconds)


def may_scrape() -> bool:
    """This machine, or the bearer token. A request through a proxy this app does not count on
    (CANVASLINK_TRUSTED_PROXIES) arrives from the proxy's loopback address: it is not this machine's."""
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    try:
        loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False
    proxied = any(request.headers.get(name) for name in ("X-Forwarded-For", "Forwarded", "X-Real-IP"))
    return loopback and (not proxied or current_app.config.get("TRUSTED_PROXIES", 0) > 0)


class SharedCollector:
    """What Redis holds for every process, as metric families, read at each scrape."""

    def __init__(self, url: str) -> None:
        self.url = url

    def collect(self):
        up = GaugeMetricFamily("canvaslink_redis_up", "Whether Redis answered this scrape")
        connection = Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)
        try:
            families = [*self._canvas(connection), *self._runs(connection), *self._processes(connection)]
        except RedisError as err:
            log.warning("Metrics: Redis does not answer: %s", err)
            up.add_metric([], 0)
            yield up
            return
        finally:
            connection.close()
        up.add_metric([], 1)
        yield up
        yield from families

    def _canvas(self, connection: Redis):
        families = {field: CounterMetricFamily(f"canvaslink_canvas_{field}", f"Canvas API {field} by integration",
                                               labels=["integration"]) for field in FIELDS}
        for key in sorted(connection.scan_iter(match=TOTALS + "*", count=500)):
            counts = connection.hgetall(key)
            integration = key.decode()[len(TOTALS):]
            for field, family in families.items():
                family.add_metric([integration], int(counts.get(field.encode(), 0)))
        return families.values()

    def _runs(self, connection: Redis):
        outcomes = CounterMetricFamily("canvaslink_runs", "Runs ended, by kind and outcome", labels=["kind", "outcome"])
        for field, count in sorted(connection.hgetall(OUTCOMES).items()):
            kind, _, outcome = field.decode().partition("|")
            outcomes.add_metric([kind, outcome], int(count))
        durations = HistogramMetricFamily("canvaslink_run_duration_seconds", "How long runs took, by kind",
                                          labels=["kind"])
        for key in sorted(connection.scan_iter(match=DURATIONS + "*", count=500)):
            counted = {name.decode(): float(value) for name, value in connection.hgetall(key).items()}
            cumulative, buckets = 0.0, []
            for bound in (*(f"{bound:g}" for bound in BUCKETS), "+Inf"):
                cumulative += counted.get(bound, 0.0)
                buckets.append((bound, cumulative))
            durations.add_metric([key.decode()[len(DURATIONS):]], buckets, counted.get("sum", 0.0))
        return outcomes, durations

    def _processes(self, connection: Redis):
        status, now = read_status(connection), utcnow()
        depth = GaugeMetricFamily("canvaslink_queue_jobs", "Jobs waiting in the queue for a worker")
        depth.add_metric([], status.queued)
        oldest = GaugeMetricFamily("canvaslink_queue_oldest_job_age_seconds", "How long the oldest waiting job has waited")
        oldest.add_metric([], (now - status.oldest_enqueued).total_seconds() if status.oldest_enqueued else 0)
        alive = GaugeMetricFamily("canvaslink_workers_alive", "Workers whose heartbeat is in Redis")
        alive.add_metric([], len(status.alive))
        beats = GaugeMetricFamily("canvaslink_worker_last_heartbeat_timestamp_seconds",
                                  "When each worker seen lately last beat", labels=["worker", "state"])
        for worker in status.workers:
            state = "alive" if worker.alive else ("died" if worker.died else "stopped")
            beats.add_metric([worker.name, state], to_epoch(worker.last_beat))
        cron_up = GaugeMetricFamily("canvaslink_cron_up", "Whether the cron's heartbeat is in Redis")
        cron_up.add_metric([], int(status.cron_alive))
        cron_beat = GaugeMetricFamily("canvaslink_cron_last_heartbeat_timestamp_seconds", "When the cron last beat")
        if "beat" in status.cron:
            cron_beat.add_metric([], to_epoch(status.cron["beat"]))
        return depth, oldest, alive, beats, cron_up, cron_beat


def exposition() -> tuple[bytes, str]:
    """The scrape: this process's own metrics (every gunicorn worker's, in multiprocess mode), then Redis's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        own = CollectorRegistry()
        multiprocess.MultiProcessCollector(own)
    else:
        own = REGISTRY
    shared = CollectorRegistry(auto_describe=False)
    if current_app.config.get("REDIS_URL"):
        shared.register(SharedCollector(current_app.config["REDIS_URL"]))
    return generate_latest(own) + generate_latest(shared), CONTENT_TYPE_LATEST
