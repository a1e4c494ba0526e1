"""Embedding the simulator: a real HTTP server on a free port, in a thread.

    from canvas_sim.testing import running_simulator

    with running_simulator(seed="demo", latency_ms=20, fault_rate=0.1) as sim:
        requests.get(f"{sim.url}/api/v1/users/self",
                     headers={"Authorization": f"Bearer {sim.admin_token}"})
"""

import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import create_app
from .models import Progress, Submission, User
from .simulation import Simulation
from .state import State


class QuietRequestHandler(WSGIRequestHandler):
    """Tests make thousands of requests; one log line each would drown their output."""

    def log_request(self, *args, **kwargs) -> None:
        pass


class RunningSimulator:
    def __init__(self, simulation: Simulation, url: str):
        self.simulation = simulation
        self.url = url

    @property
    def admin_token(self) -> str | None:
        return self.simulation.admin_token

    @property
    def developer_key(self) -> tuple[str, str] | None:
        return self.simulation.developer_key

    @property
    def state(self) -> State:
        return self.simulation.state

    def configure(self, **settings) -> None:
        self.simulation.configure(**settings)

    def set_module_state(self, user_id: int, module_id: int, state: str,
                         completed_at: datetime | str | None = None) -> Progress:
        return self.simulation.set_module_state(user_id, module_id, state, completed_at)

    def grade(self, assignment_id: int, user_id: int, grade: str, **spec) -> Submission:
        """As an assessor (default: the root admin) in Canvas's gradebook; spec: grader_id, at."""
        return self.simulation.grading_action(assignment_id, user_id, "grade", grade=grade, **spec)

    def submit(self, assignment_id: int, user_id: int, **spec) -> Submission:
        """The student hands work in (again); spec: submission_type, body, at."""
        return self.simulation.grading_action(assignment_id, user_id, "submit", **spec)

    def excuse(self, assignment_id: int, user_id: int, **spec) -> Submission:
        return self.simulation.grading_action(assignment_id, user_id, "excuse", **spec)

    def post_grades(self, assignment_id: int, graded_only: bool = False) -> int:
        return self.simulation.post_grades(assignment_id, graded_only)

    def hide_grades(self, assignment_id: int) -> int:
        return self.simulation.hide_grades(assignment_id)

    def test_student(self, course_id: int) -> User:
        return self.simulation.test_student(course_id)

    def counters(self) -> dict:
        return self.simulation.figures()

    def reset(self) -> None:
        self.simulation.reset()


@contextmanager
def running_simulator(seed: str | Path | dict | None = "demo", **settings) -> Iterator[RunningSimulator]:
    app = create_app(seed=seed, **settings)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    # A short poll interval makes leaving the `with` block quick; shutdown waits for one poll.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="canvas-sim",
                              daemon=True)
    thread.start()
    try:
        yield RunningSimulator(app.extensions["canvas_sim"], f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
