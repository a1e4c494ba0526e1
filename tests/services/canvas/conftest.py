"""Fixtures for the Canvas client: a `responses` mock of Canvas and clients that never really sleep."""

import time

import pytest
import responses

from webapp.services.canvas import Backoff, CanvasClient, StaticToken

BASE = "https://canvas.test"
TOKEN = "7~SecretAccessTokenValue"


@pytest.fixture(autouse=True)
def _clean_database():
    """The Canvas client never touches the database (it never imports models), so these tests
    skip the suite-wide database reset and stay instant."""


class Clock:
    """A clock a test moves by hand: `clock.now += 3601`."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def url():
    """`url("/api/v1/...")`: the address of a path on the mocked Canvas."""
    return lambda path: BASE + path


@pytest.fixture
def token() -> str:
    return TOKEN


@pytest.fixture
def canvas_mock():
    """Canvas as `responses`; every registered answer must be asked for."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def no_jitter(monkeypatch):
    """Backoff delays become exactly min(cap, base * 2**attempt)."""
    monkeypatch.setattr("webapp.services.canvas.backoff.random.uniform", lambda low, high: high)


@pytest.fixture
def make_canvas_client(sleeps):
    """Build a client whose backoff sleeps are recorded, not slept."""
    made: list[CanvasClient] = []

    def make(token_provider=None, **options) -> CanvasClient:
        options.setdefault("backoff", Backoff(base=1.0, cap=8.0))
        client = CanvasClient(BASE, token_provider or StaticToken(TOKEN), sleep=sleeps.append, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def canvas_client(make_canvas_client) -> CanvasClient:
    return make_canvas_client()
