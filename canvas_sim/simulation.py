"""One simulated Canvas: its state, settings, throttle, faults and counters.

The admin API, the embedding API (`testing.py`) and the CLI all drive it through
these methods, so "configure", "play the student" and "reset" mean one thing.
"""

from datetime import datetime
from pathlib import Path

from flask import current_app

from . import grading, grading_specs, specs
from .counters import Counters
from .faults import Faults
from .models import Progress, Submission, User
from .seeds import load_seed
from .settings import Settings
from .state import State
from .throttle import Throttle


class Simulation:
    def __init__(self, seed: str | Path | dict | None = "demo", **settings):
        self.settings = Settings()
        self.settings.update(**settings)
        self.seed = load_seed(seed)
        # Deferred so a clock swapped in by `configure` reaches the state too.
        self.state = State(lambda: self.settings.clock())
        self.throttle = Throttle(self.settings)
        self.faults = Faults(self.settings)
        self.counters = Counters()
        self.reset()

    def reset(self) -> None:
        """Back to the seed: objects, tokens, progress, buckets, counters and fault draws."""
        with self.state.lock:
            self.state.clear()
            specs.apply(self.state, self.seed)
        self.throttle.reset()
        self.counters.reset()
        self.faults.reseed()

    def configure(self, **changes) -> None:
        self.settings.update(**changes)
        if "random_seed" in changes:
            self.faults.reseed()

    def set_module_state(self, user_id: int, module_id: int, state: str,
                         completed_at: datetime | str | None = None) -> Progress:
        with self.state.lock:
            return specs.set_module_state(self.state, {"user_id": user_id, "module_id": module_id,
                                                       "state": state, "completed_at": completed_at})

    def grading_action(self, assignment_id: int, user_id: int, action: str, **spec) -> Submission:
        """A student hands in, or an assessor grades or excuses: `grading_specs.act`'s spec."""
        with self.state.lock:
            return grading_specs.act(self.state, self._assignment(assignment_id), user_id, {"action": action, **spec})

    def post_grades(self, assignment_id: int, graded_only: bool = False) -> int:
        with self.state.lock:
            return grading.post(self.state, self._assignment(assignment_id), graded_only=graded_only)

    def hide_grades(self, assignment_id: int) -> int:
        with self.state.lock:
            return grading.hide(self.state, self._assignment(assignment_id))

    def test_student(self, course_id: int) -> User:
        with self.state.lock:
            return grading_specs.test_student(self.state, self.state.courses[course_id])

    def _assignment(self, assignment_id: int):
        if assignment_id not in self.state.assignments:
            raise ValueError(f"no assignment {assignment_id}")
        return self.state.assignments[assignment_id]

    def figures(self) -> dict:
        """Per-endpoint request counts, throttled 403s, faults and each token's bucket."""
        return {**self.counters.snapshot(), "buckets": self.throttle.figures()}

    @property
    def admin_token(self) -> str | None:
        """The seed's never-expiring token of a root account admin, for scripts and tests."""
        with self.state.lock:
            return next((t.token for t in self.state.tokens.values()
                         if t.developer_key_id is None and t.expires_at is None
                         and self.state.users[t.user_id].admin_account_id == self.state.account.id), None)

    @property
    def developer_key(self) -> tuple[str, str] | None:
        with self.state.lock:
            key = next(iter(self.state.developer_keys.values()), None)
            return (key.client_id, key.client_secret) if key else None


def current_simulation() -> Simulation:
    return current_app.extensions["canvas_sim"]
