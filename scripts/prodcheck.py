"""`scripts/prodcheck`: canvaslink's production command set, run for real on PostgreSQL and Redis.

It starts what deploy/Procfile names: gunicorn with 2 workers (deploy/gunicorn.conf.py, multiprocess
metrics), 2 RQ workers and the cron, against a database of its own (dropped and made afresh) and a Redis
database number of its own (emptied), so it cannot disturb the tests or anyone's data. Then, with the
Canvas simulator (its demo seed) standing in for Canvas:

1. waits for GET /readyz?workers=1 to answer 200;
2. signs in and runs an enrolment transfer of occurrence 121 from its page, and a bulk download from
   Utilities, both taken by the workers, and checks both finished with no failure;
3. reads /metrics (this machine, then with the bearer token) and prints the Canvas-call counters;
4. kills one worker (with the job it may run) and waits for the home page to say so;
5. stops everything it started and drops its database.

Settings (environment): PRODCHECK_PG (server URL, default postgresql://postgres@127.0.0.1:5432),
PRODCHECK_DB (default canvaslink_prodcheck), PRODCHECK_REDIS_URL (default redis://127.0.0.1:6379/14),
PRODCHECK_PORT (gunicorn's port, default 5390). Exits 0 when every step held; prints why otherwise.
"""

import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import requests
from cryptography.fernet import Fernet
from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("PRODCHECK_PG", "postgresql://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("PRODCHECK_DB", "canvaslink_prodcheck")
REDIS_URL = os.environ.get("PRODCHECK_REDIS_URL", "redis://127.0.0.1:6379/14")
PORT = int(os.environ.get("PRODCHECK_PORT", "5390"))
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = secrets.token_urlsafe(12)
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"')


def say(message: str) -> None:
    print(f"[prodcheck] {message}", flush=True)


def wait_for(condition, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            raise SystemExit(f"[prodcheck] FAILED: gave up waiting for {what}")
        time.sleep(0.5)
    return found


def fresh_database() -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", DB_NAME):
        raise SystemExit("PRODCHECK_DB must be a plain lower-case name")
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DB_NAME}")
    return f"{PG}/{DB_NAME}"


def drop_database() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


class Stack:
    """The processes this check started, each in a session of its own (a worker's job with it)."""

    def __init__(self, env: dict, logs: Path) -> None:
        self.env, self.logs, self.processes = env, logs, {}

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        with (self.logs / f"{name}.log").open("ab") as out:
            self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out,
                                                    stderr=subprocess.STDOUT, start_new_session=True)
        return self.processes[name]

    def kill(self, name: str) -> None:
        """As under kill -9 of the worker and of the job it runs (RQ gives the job a process group of its own)."""
        process = self.processes[name]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                if parent == process.pid:
                    try:
                        os.killpg(os.getpgid(int(entry.name)), signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise SystemExit(f"[prodcheck] FAILED: {name} stopped (exit {process.returncode}):\n"
                                 + (self.logs / f"{name}.log").read_text()[-3000:])

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within 30 s; killing it")
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class Browser(requests.Session):
    """A member of staff over plain http to 127.0.0.1. The session cookie is `Secure` in production
    (TLS ends at the proxy in front); here the cookie jar is told to send it anyway."""

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("allow_redirects", False)
        answer = super().request(method, BASE + url, *args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return answer

    def sign_in(self, username: str) -> None:
        token = self.csrf(self.get("/login").text)
        answer = self.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD})
        if answer.status_code != 302:
            raise SystemExit(f"[prodcheck] FAILED: signing in answered {answer.status_code}")
        self.headers["X-CSRFToken"] = self.csrf(self.get("/").text)

    @staticmethod
    def csrf(page: str) -> str:
        match = CSRF.search(page)
        if not match:
            raise SystemExit("[prodcheck] FAILED: the page carries no CSRF token")
        return match.group(1) or match.group(2)


def seed(sim) -> list[int]:
    """The demo RTO, an LMS integration reaching the simulator with its admin's token, and occurrence 121
    linked to its section with its modules mapped, as staff set them up; the ids of its enrolments."""
    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import LmsIntegration, Occurrence, User
    from webapp.services.canvas_links.link import link_occurrence
    from webapp.services.canvas_links.modules import update_module_list
    from webapp.services.integrations.connection import canvas_client
    from webapp.services.integrations.secrets import encrypt
    from webapp.services.integrations.wizard import defaults
    from webapp.services.setup.demo import seed_demo

    app = create_app()
    with app.app_context():
        seed_demo({"admin": PASSWORD})
        integration = LmsIntegration(**(defaults() | {"name": "Canvas simulator", "base_url": sim.url}),
                                     access_token_enc=encrypt(sim.admin_token))
        db.session.add(integration)
        db.session.commit()
        occurrence = db.session.get(Occurrence, 121)
        admin_id = db.session.scalar(db.select(User.id).where(User.username == "admin"))
        with canvas_client(integration) as client:
            link = link_occurrence(occurrence, integration, client, admin_id)
            update_module_list(link, client, admin_id)
        db.session.commit()
        return [enrolment.id for enrolment in occurrence.enrolments]


def run_status(kind: str) -> tuple | None:
    with psycopg.connect(os.environ["DATABASE_URL"]) as connection:
        return connection.execute("SELECT id, status, done, failed, total, message FROM job_run WHERE kind = %s "
                                  "ORDER BY id DESC LIMIT 1", (kind,)).fetchone()


def finished(kind: str, what: str, started: float) -> tuple:
    run = wait_for(lambda: (found := run_status(kind)) and found[1] in ("finished", "failed", "cancelled") and found,
                   f"the {what} to end", timeout=300)
    run_id, status, done, failed, total, message = run
    if status != "finished" or failed:
        raise SystemExit(f"[prodcheck] FAILED: the {what} (run {run_id}) ended {status}, {failed} failed: {message}")
    say(f"{what}: run {run_id} finished, {done} of {total} students, none failed ({time.monotonic() - started:.1f} s)")
    return run


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="canvaslink-prodcheck-"))
    database_url = fresh_database()
    Redis.from_url(REDIS_URL).flushdb()
    say(f"database {DB_NAME} made afresh; Redis {REDIS_URL} emptied; logs in {work}")
    metrics_token = secrets.token_urlsafe(24)
    os.environ.update(DATABASE_URL=database_url, REDIS_URL=REDIS_URL, SECRET_KEY=secrets.token_hex(32),
                      CANVASLINK_ENCRYPTION_KEY=Fernet.generate_key().decode(), CANVASLINK_INSTANCE=str(work),
                      CANVASLINK_ALLOW_PRIVATE_CANVAS="1", CANVASLINK_METRICS_TOKEN=metrics_token)
    os.environ.pop("CANVASLINK_ENV", None)  # production: what an RTO runs
    env = dict(os.environ, CANVASLINK_LOG_FORMAT="json", PROMETHEUS_MULTIPROC_DIR=str(work / "metrics"),
               PYTHONUNBUFFERED="1")
    subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", "setup"], cwd=ROOT, env=env, check=True)

    from canvas_sim.testing import running_simulator

    stack = Stack(env, work)
    with running_simulator(seed="demo") as sim:
        try:
            enrolment_ids = seed(sim)
            stack.start("web", [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{PORT}",
                                "-w", "2", "webapp:create_app()"])
            for n in (1, 2):
                stack.start(f"worker-{n}", [sys.executable, "worker.py", "--name", f"prodcheck-{n}"])
            stack.start("cron", [sys.executable, "-m", "webapp.cron"])
            check(stack, enrolment_ids, metrics_token, work)
        finally:
            stack.stop()
            drop_database()
            Redis.from_url(REDIS_URL).flushdb()
    say("passed: everything it started has stopped")


def _ready() -> bool:
    try:
        return requests.get(f"{BASE}/readyz?workers=1", timeout=30).status_code == 200
    except requests.RequestException:  # not listening yet, or a worker still importing the app
        return False


def check(stack: Stack, enrolment_ids: list[int], metrics_token: str, work: Path) -> None:
    started = time.monotonic()
    wait_for(lambda: stack.check_alive() or _ready(), "/readyz?workers=1 to answer 200", timeout=120)
    say(f"/readyz?workers=1 answered 200 after {time.monotonic() - started:.1f} s")

    staff = Browser()
    staff.sign_in("admin")
    started = time.monotonic()
    answer = staff.post("/occurrences/121/canvas/transfer/run", data={"enrolment_id": enrolment_ids})
    assert answer.status_code == 302, f"starting the transfer answered {answer.status_code}"
    finished("enrolment_transfer", "enrolment transfer", started)
    started = time.monotonic()
    answer = staff.post("/utilities/canvas-results/start", data={})
    assert answer.status_code == 302, f"starting the bulk download answered {answer.status_code}"
    finished("bulk_result_download", "bulk download", started)

    scrape = requests.get(f"{BASE}/metrics", timeout=30)
    assert scrape.status_code == 200, f"/metrics answered this machine {scrape.status_code}"
    with_token = requests.get(f"{BASE}/metrics", headers={"Authorization": f"Bearer {metrics_token}"}, timeout=30)
    assert with_token.status_code == 200
    (work / "metrics.txt").write_text(scrape.text)
    shown = [line for line in scrape.text.splitlines() if line.startswith((
        "canvaslink_canvas_", "canvaslink_runs_total", "canvaslink_run_duration_seconds_count", "canvaslink_queue_",
        "canvaslink_workers_alive", "canvaslink_cron_up", 'canvaslink_http_request_duration_seconds_count{endpoint="main'))]
    say(f"/metrics (the whole scrape is in {work / 'metrics.txt'}):")
    for line in shown:
        print("    " + line, flush=True)
    calls = [float(line.rsplit(" ", 1)[1]) for line in shown if line.startswith("canvaslink_canvas_calls_total{")]
    assert calls and sum(calls) > 0, "no Canvas call was counted"

    stack.kill("worker-1")
    say("killed worker-1 (kill -9); waiting for the home page to say so")
    notice = wait_for(lambda: re.search(r"A worker \(prodcheck-1\) stopped without shutting down[^<]*",
                                        staff.get("/").text), "the home page to tell of the dead worker", timeout=60)
    say(f"home page: {notice.group(0).strip()}")
    stack.processes.pop("worker-1")


if __name__ == "__main__":
    main()
