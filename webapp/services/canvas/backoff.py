"""Exponential backoff with jitter, shared by retries of failures and of throttled calls."""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (0 for the first retry)."""
        ceiling = min(self.cap, self.base * 2 ** attempt)
        # Jitter spreads out the threads that failed together, so they do not retry together.
        return ceiling / 2 + random.uniform(0, ceiling / 2)
