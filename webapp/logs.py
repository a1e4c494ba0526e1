"""Logging for every canvaslink process: one line per request and per job event, plain text or JSON
(CANVASLINK_LOG_FORMAT=json, through python-json-logger), each carrying the id of the request that
caused it.

A request takes its id from a proxy's `X-Request-ID` (when it is a plain token) or makes one, and
answers with it. A run that a request hands to the workers carries the id in its RQ job's meta
(queue.enqueue_run), so a worker's lines about that job carry the id of the click that started it.

What is logged for a request is its method, path (never the query string: an OAuth callback carries
its code there), endpoint, status and time: never headers (the session cookie), never a form (a password,
a Canvas token or secret).
"""

import logging
import re
import time
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from rq import get_current_job

REQUEST_ID_HEADER = "X-Request-ID"
_PLAIN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_TEXT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"

request_log = logging.getLogger("canvaslink.request")


def current_request_id() -> str | None:
    """The id of the request this code serves, or of the request that started the job it runs in."""
    if has_request_context():
        return g.get("request_id")
    job = get_current_job()
    return job.meta.get("request_id") if job is not None else None


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record ("-" outside a request or a job a request started)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


def configure(log_format: str = "text", level: str = "INFO") -> None:
    """The root logger writes one line a record to stderr, in the chosen format. Called once by each
    process's entry point (the web app outside tests, the worker, the cron)."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter(_FIELDS, rename_fields={"asctime": "time", "levelname": "level",
                                                               "name": "logger"})
                         if log_format == "json" else logging.Formatter(_TEXT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # The development server's own access line would be a second line per request, with the query string.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def init_app(app: Flask, observe=None) -> None:
    """Request ids and the request line. `observe(endpoint, method, status, seconds)` hears of every
    request too (the latency metric)."""

    @app.before_request
    def _start():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _PLAIN_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _line(response):
        started = g.get("request_started")
        if started is None:  # a request that failed before our first hook ran
            return response
        seconds = time.perf_counter() - started
        endpoint = request.endpoint or "none"
        response.headers[REQUEST_ID_HEADER] = g.request_id
        request_log.info("%s %s %s %s %.1f ms", request.method, request.path, endpoint, response.status_code,
                         seconds * 1000, extra={"method": request.method, "path": request.path, "endpoint": endpoint,
                                                "status": response.status_code,
                                                "duration_ms": round(seconds * 1000, 1)})
        if observe is not None:
            observe(endpoint, request.method, response.status_code, seconds)
        return response
