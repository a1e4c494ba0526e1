"""Fixtures for the simulator's own tests: the demo app on a clock the test drives.

Names start with `sim_` so they never shadow the project-wide fixtures (`app`, `client`). `simulation` here
is the simulation itself, in process; `sim`, here and in the rest of the suite, is the simulator over HTTP
(running_simulator).
"""

import pytest

from canvas_sim.app import create_app
from canvas_sim.seeds import load_seed
from tests.sim.grades_seed import grades_seed

ADMIN_TOKEN = "7~canvaslink-demo-admin-token"
# 2026-11-26T00:00:00Z: the demo course has started, later modules are still locked.
START = 1795651200.0


def demo_with(*users: dict, **changes) -> dict:
    """The demo seed with more users (custom admin roles, students with tokens) and other top-level changes."""
    seed = load_seed("demo")
    return {**seed, "users": seed["users"] + list(users), **changes}


class FakeClock:
    def __init__(self, now: float = START):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def sim_clock():
    return FakeClock()


@pytest.fixture
def make_sim_app(sim_clock):
    """Builds a simulator app on the test's clock; takes a seed and settings."""
    def make(seed="demo", **settings):
        return create_app(seed=seed, clock=sim_clock, **settings)
    return make


@pytest.fixture
def sim_app(make_sim_app):
    return make_sim_app()


@pytest.fixture
def simulation(sim_app):
    return sim_app.extensions["canvas_sim"]


class Api:
    """The Flask test client with a bearer token on every call."""

    def __init__(self, client, token: str | None = ADMIN_TOKEN):
        self.client = client
        self.token = token

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path, **kwargs):
        return self.client.get(path, headers=self._headers(), **kwargs)

    def post(self, path, **kwargs):
        return self.client.post(path, headers=self._headers(), **kwargs)

    def put(self, path, **kwargs):
        return self.client.put(path, headers=self._headers(), **kwargs)

    def delete(self, path, **kwargs):
        return self.client.delete(path, headers=self._headers(), **kwargs)


@pytest.fixture
def sim_api_for():
    """An Api on any app with any token (default: the demo admin's; None: no token)."""
    return lambda app, token=ADMIN_TOKEN: Api(app.test_client(), token)


@pytest.fixture
def sim_api(sim_app, sim_api_for):
    return sim_api_for(sim_app)



@pytest.fixture
def grades_app(make_sim_app):
    """The grading tests' course (tests/sim/grades_seed.py)."""
    return make_sim_app(grades_seed())


@pytest.fixture
def as_(grades_app, sim_api_for):
    """An Api on the grading course as the user of a token: "t" admin, "teach", "ten", "eleven", "nograde"..."""
    return lambda token="t": sim_api_for(grades_app, token)
