"""Request counts for benchmarks and tests: per endpoint, throttled, faults injected."""

import threading
from collections import Counter


class Counters:
    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests: Counter[str] = Counter()
            self._faults: Counter[str] = Counter()
            self._throttled = 0

    def request(self, endpoint: str) -> None:
        with self._lock:
            self._requests[endpoint] += 1

    def throttled(self) -> None:
        with self._lock:
            self._throttled += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"requests": dict(sorted(self._requests.items())), "total": sum(self._requests.values()),
                    "throttled": self._throttled, "faults": dict(sorted(self._faults.items()))}
