"""Latency and injected faults, drawn from seeded generators so a run can be repeated.

Two generators keep the draws independent: changing the jitter does not change
which requests fail. With a sequential client the same seed gives the same faults
on the same requests; with concurrent clients the same multiset of faults.
"""

import json
import random
import threading

from . import errors
from .settings import Settings

# What the load balancer in front of Canvas sends when the app behind it is down.
_GATEWAY_PAGES = {
    "502": "502 Bad Gateway",
    "503": "503 Service Unavailable",
}


class Faults:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._error_reports = 0
        self.reseed()

    def reseed(self) -> None:
        with self._lock:
            seed = self.settings.random_seed
            self._fault_rng = random.Random(f"faults-{seed}")
            self._delay_rng = random.Random(f"latency-{seed}")

    def draw(self) -> tuple[float, str | None]:
        """(seconds to wait before answering, fault kind or None) for one request."""
        s = self.settings
        with self._lock:
            delay_ms = s.latency_ms + (self._delay_rng.uniform(0, s.jitter_ms) if s.jitter_ms > 0 else 0.0)
            fault = None
            if s.fault_rate > 0 and s.fault_kinds and self._fault_rng.random() < s.fault_rate:
                fault = self._fault_rng.choice(s.fault_kinds)
            return delay_ms / 1000, fault

    def error_response(self, kind: str) -> tuple[str, list[tuple[str, str]], bytes]:
        """The status line, headers and body of a 500 from Canvas or a 502/503 from its proxy."""
        if kind == "500":
            with self._lock:
                self._error_reports += 1
                report_id = self._error_reports
            body = json.dumps(errors.internal_error(report_id)).encode()
            return "500 INTERNAL SERVER ERROR", [("Content-Type", "application/json; charset=utf-8")], body
        title = _GATEWAY_PAGES[kind]
        body = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>\n".encode()
        return title, [("Content-Type", "text/html")], body
