"""/healthz, /readyz and /metrics as a load balancer, a service manager and Prometheus meet them (issue 26)."""

import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from tests.helpers import RedisServer
from webapp import create_app
from webapp.queue import job_queue
from webapp.workers import ALIVE, _beat

OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}


def _closed_port() -> int:
    """A port on this machine where nothing listens (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _app_with(app, **config):
    return create_app({"TESTING": True, "SESSION_COOKIE_SECURE": False, "REDIS_URL": app.config["REDIS_URL"],
                       "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **config})


def test_ready_when_the_database_redis_and_schema_are(client):
    assert client.get("/healthz").status_code == 200
    answer = client.get("/readyz")
    assert answer.status_code == 200 and answer.json == {"status": "ok"}


def test_postgresql_stopped_makes_readyz_503_saying_so_while_healthz_stays_200(app):
    port = _closed_port()
    stopped = _app_with(app, SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://canvaslink:pw@127.0.0.1:{port}/canvaslink")
    client = stopped.test_client()
    assert client.get("/healthz").status_code == 200  # the process serves: no reason to restart it
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["failed"] == [{"check": "database", "reason": "the database does not answer"}]
    body = answer.get_data(as_text=True)
    assert "127.0.0.1" not in body and str(port) not in body and "pw" not in body  # nothing of the address


def test_a_schema_behind_the_newest_migration_is_not_ready(app, tmp_path):
    behind = _app_with(app, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/empty.db")
    answer = behind.test_client().get("/readyz")
    assert answer.status_code == 503
    assert [failure["check"] for failure in answer.json["failed"]] == ["schema"]


@pytest.fixture
def own_redis():
    directory = Path(tempfile.mkdtemp(prefix="rdy-"))  # short: a unix socket's path is at most 107 bytes
    server = RedisServer(directory)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


def test_redis_stopped_makes_readyz_503_saying_so(app, own_redis):
    client = _app_with(app, REDIS_URL=own_redis.url).test_client()
    assert client.get("/readyz").status_code == 200
    own_redis.stop()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["failed"] == [{"check": "redis", "reason": "Redis does not answer"}]
    assert "sock" not in answer.get_data(as_text=True)


def test_readyz_with_workers_needs_a_worker_heartbeat(client):
    assert client.get("/readyz?workers=1").json["failed"] == [
        {"check": "workers", "reason": "no worker's heartbeat is in Redis"}]
    connection = job_queue().connection
    _beat(connection, "w1")
    assert client.get("/readyz?workers=1").status_code == 200
    connection.delete(ALIVE + "w1")  # its heartbeat lapsed
    assert client.get("/readyz?workers=1").status_code == 503


def test_metrics_refuse_an_outside_caller_without_the_token(app, client, monkeypatch):
    assert client.get("/metrics").status_code == 200  # this machine
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 403
    # Through a reverse proxy on this machine that the app was not told of, the caller is not this machine.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 403
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "the-metrics-token")
    assert client.get("/metrics", environ_base=OUTSIDE,
                      headers={"Authorization": "Bearer not-the-token"}).status_code == 403
    answer = client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": "Bearer the-metrics-token"})
    assert answer.status_code == 200 and "canvaslink_redis_up 1.0" in answer.get_data(as_text=True)


def _sample(text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    line = next((line for line in text.splitlines() if line.startswith(f"{name}{{{wanted}}} ")
                 or (not labels and line.startswith(f"{name} "))), None)
    assert line is not None, f"no {name}{{{wanted}}} in the scrape"
    return float(line.rsplit(" ", 1)[1])


def test_metrics_count_canvas_calls_runs_and_requests(client, login, transferred_121, integration):
    login()
    assert client.get("/").status_code == 200
    job_queue().enqueue("webapp.jobs.run_job", 999_999)  # waits: no worker in this test
    _beat(job_queue().connection, "w1")
    text = client.get("/metrics").get_data(as_text=True)
    # The transfer read the section and enrolled 16 students: every Canvas call is counted, by integration.
    assert _sample(text, "canvaslink_canvas_calls_total", integration=integration.id) >= 17
    assert _sample(text, "canvaslink_canvas_throttled_total", integration=integration.id) == 0
    assert _sample(text, "canvaslink_runs_total", kind="enrolment_transfer", outcome="finished") == 1
    assert _sample(text, "canvaslink_run_duration_seconds_count", kind="enrolment_transfer") == 1
    assert _sample(text, "canvaslink_http_request_duration_seconds_count", endpoint="main.home", method="GET") >= 1
    assert _sample(text, "canvaslink_queue_jobs") == 1
    assert _sample(text, "canvaslink_queue_oldest_job_age_seconds") >= 0
    assert _sample(text, "canvaslink_workers_alive") == 1
