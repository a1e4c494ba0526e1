"""What stands between a client and the simulated Canvas: the proxy, the throttle, the clock.

A WSGI middleware, like Canvas's Rack stack, in this order for API requests:
count the request; draw its delay and fault; a proxy fault (502, 503, dropped
connection) answers without reaching Canvas; otherwise the throttle reserves
capacity, Canvas works out its answer (a 500 fault, or the app, possibly with its
JSON cut short) and the request takes the rest of its time (latency, a slow fault)
while holding it.
The app itself runs under the state lock; nothing sleeps while holding it.
"""

import socket
import time
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.test import run_wsgi_app

from .auth import bearer_token
from .scopes import route_template
from .throttle import RATE_LIMIT_BODY

SIMULATED_PREFIXES = ("/api/", "/login/oauth2/token")
GATEWAY_FAULTS = ("502", "503", "drop")

Answer = tuple[str, list[tuple[str, str]], bytes]


def raw_path(environ: dict) -> str:
    """The path as sent, still percent-encoded: Canvas routes on it, so `%2F` in a SIS id
    stays inside one segment and an unescaped `.` ends the id (Rails reads a format)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    return urlsplit(raw).path if raw else environ.get("PATH_INFO", "")


class SimulatedNetwork:
    def __init__(self, app: Flask, simulation):
        self.app = app
        self.wsgi_app = app.wsgi_app
        self.sim = simulation

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/api/"):
            environ["PATH_INFO"] = raw_path(environ)
        if path.startswith(SIMULATED_PREFIXES):
            answer = self._simulate(environ)
        else:
            answer = self._run_app(environ)
        status, headers, body = answer
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(status, headers + [("Content-Length", str(len(body)))])
        return [body]

    def _simulate(self, environ) -> Answer:
        sim = self.sim
        sim.counters.request(self._endpoint(environ))
        delay, fault = sim.faults.draw()
        if fault:
            sim.counters.fault(fault)
        if fault in GATEWAY_FAULTS:
            time.sleep(delay)
            if fault == "drop":
                _drop_connection(environ)
            return sim.faults.error_response(fault)

        query = parse_qs(environ.get("QUERY_STRING", ""))
        token = bearer_token(environ.get("HTTP_AUTHORIZATION"), (query.get("access_token") or [None])[0])
        metered = bool(token) and sim.settings.throttle_enabled
        if metered and not sim.throttle.reserve(token):
            sim.counters.throttled()
            remaining = sim.throttle.settle(token, 0.0)
            return ("403 FORBIDDEN", [("Content-Type", "text/plain; charset=utf-8"),
                                      ("X-Rate-Limit-Remaining", str(remaining))], RATE_LIMIT_BODY)
        cost = 0.0
        arrived = time.monotonic()
        try:
            status, headers, body = sim.faults.error_response(fault) if fault == "500" else self._run_app(environ)
            # The latency is the whole time Canvas takes to answer, its own work included, as a
            # remote server's is: sleeping it on top of the work would charge the work twice.
            time.sleep(max(0.0, arrived + delay + (sim.settings.slow_ms / 1000 if fault == "slow" else 0.0)
                           - time.monotonic()))
            if fault == "malformed":
                body = body[: len(body) // 2]
            cost = sim.settings.request_cost
        finally:
            if metered:
                remaining = sim.throttle.settle(token, cost)
        if metered:
            headers = headers + [("X-Request-Cost", str(float(cost))), ("X-Rate-Limit-Remaining", str(remaining))]
        return status, headers, body

    def _run_app(self, environ) -> Answer:
        with self.sim.state.lock:
            app_iter, status, headers = run_wsgi_app(self.wsgi_app, environ, buffered=True)
            return status, headers.to_wsgi_list(), b"".join(app_iter)

    def _endpoint(self, environ) -> str:
        """`GET /api/v1/courses/:course_id/modules`, the way Canvas's docs name routes."""
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            rule, _ = self.app.url_map.bind_to_environ(environ).match(method=method, return_rule=True)
        except HTTPException:
            return f"{method} (no route)"
        return f"{method} {route_template(rule.rule)}"


def _drop_connection(environ) -> None:
    """Close the socket without answering; the test client has none, so it sees the error."""
    connection = environ.get("werkzeug.socket")
    if connection is not None:
        connection.shutdown(socket.SHUT_RDWR)
    raise ConnectionAbortedError("connection dropped by fault injection")
