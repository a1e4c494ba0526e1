"""How many signed-in staff can one machine serve? (a script that prints figures)

Starts canvaslink under gunicorn for each workers×threads configuration asked for, and under the
development server (`flask run`, threaded), each on a free port of 127.0.0.1. For each it signs in
--users sessions (once each: sign-in is throttled, and staff keep their session all day), then has
every session loop over the pages staff use most, with no pause between requests, for --seconds.
Prints one table row per configuration: requests/s, p50/p95/p99 latency, errors; then each page's
median under load (for the configuration that served most) and alone (one request at a time), to spot a slow page.

    .venv/bin/python bench/serve_load.py [--configs 2x1,2x4,4x2,3x4] [--users 40] [--seconds 20]
        [--rounds 3] [--no-dev-server] [--database-url postgresql://…/an_empty_database]

Without --database-url it builds a throw-away SQLite database in a temporary folder. The load
client runs on the same machine, so it takes some CPU from the server: the figures are a floor.
Server CPU per request counts the web processes only (not a PostgreSQL server's own work).
"""

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's bench package, also when run as a file
from bench._instance import throwaway_environment  # noqa: E402

BIN = Path(sys.executable).parent
PASSWORD = "bench-admin-password"
OCCURRENCE = 121  # a demo class of 16 students


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="2x1,2x4,4x2,3x4", help="gunicorn WORKERSxTHREADS, comma-separated")
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-dev-server", action="store_true")
    parser.add_argument("--database-url", help="an empty database (default: a throw-away SQLite file)")
    args = parser.parse_args()

    env = _prepare(args.database_url)
    servers = []
    for config in args.configs.split(","):
        workers, threads = config.split("x")
        servers.append((f"gunicorn -w {workers} --threads {threads}", _gunicorn(int(workers), int(threads))))
    if not args.no_dev_server:
        # `flask run` serves each request in a thread of its own by default.
        servers.append(("flask run (threaded)", lambda port: [str(BIN / "flask"), "run", "--port", str(port)]))

    # Rounds take turns, so a neighbour's burst of CPU on a shared machine hits every server alike.
    results = {name: [] for name, _ in servers}
    for round_ in range(args.rounds):
        for name, command in servers:
            results[name].append(_measure(command, env, args))
            print(f"round {round_ + 1}: {name}: {results[name][-1]['rps']:.0f} requests/s", file=sys.stderr)

    print(f"{args.users} users, {args.seconds:g} s, median of {args.rounds} rounds, {os.cpu_count()} CPUs, "
          f"load average {min(r['load'] for rs in results.values() for r in rs):.1f}"
          f"–{max(r['load'] for rs in results.values() for r in rs):.1f} before a round; the load client "
          f"used up to {max(r['client_cpu'] for rs in results.values() for r in rs):.0%} of one CPU")
    print("| server | requests/s | p50 ms | p95 ms | p99 ms | errors | server CPU ms / request |")
    print("|---|---|---|---|---|---|---|")
    for name, rounds in results.items():
        cuts = statistics.quantiles([t for r in rounds for t in r["latencies"]], n=100)
        print(f"| {name} | {statistics.median(r['rps'] for r in rounds):.0f} | {cuts[49] * 1000:.0f} "
              f"| {cuts[94] * 1000:.0f} | {cuts[98] * 1000:.0f} | {sum(r['errors'] for r in rounds)} "
              f"| {statistics.median(r['cpu_ms'] for r in rounds):.1f} |")
    name = max(results, key=lambda n: statistics.median(r["rps"] for r in results[n]))
    print(f"\nEach page: median ms under load ({name}), and alone (one request at a time):")
    for page in results[name][0]["pages"]:
        under_load = [t for r in results[name] for t in r["pages"][page]]
        alone = statistics.median(r["alone"][page] for r in results[name])
        print(f"  {page:<32} {statistics.median(under_load) * 1000:6.0f} {alone * 1000:8.1f}")


def _prepare(database_url: str | None) -> dict:
    """A fresh instance folder, the schema and the demo RTO; the environment every server runs with."""
    env = dict(os.environ, FLASK_APP="webapp", **throwaway_environment("canvaslink-load-"),
               # Only for the session cookie over plain http on 127.0.0.1; nothing else changes.
               CANVASLINK_ENV="development")
    if database_url:
        env["DATABASE_URL"] = database_url
    flask = str(BIN / "flask")
    subprocess.run([flask, "setup"], env=env, cwd=ROOT, check=True, capture_output=True)
    seeded = subprocess.run([flask, "seed-demo", "--password", f"admin={PASSWORD}"], env=env, cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    if "created login  admin" not in seeded:
        sys.exit("The database already had an admin user with another password: give an empty database.")
    return env


def _gunicorn(workers: int, threads: int):
    return lambda port: [str(BIN / "gunicorn"), "-w", str(workers), "--threads", str(threads),
                         "-b", f"127.0.0.1:{port}", "webapp:create_app()"]


def _measure(command, env: dict, args) -> dict:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    load = os.getloadavg()[0]
    server = subprocess.Popen(command(port), env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_up(base, server)
        sessions = [_signed_in(base) for _ in range(args.users)]  # one after another: parallel would trip the throttle
        pages = _pages(sessions[0], base)
        alone = {name: _median_alone(sessions[0], base + path) for name, path in pages}
        return {"load": load, "alone": alone,
                **_run_load(sessions, base, pages, args.warmup, args.seconds, lambda: _tree_cpu_seconds(server.pid))}
    finally:
        server.terminate()  # gunicorn's master stops its workers on SIGTERM
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"The server exited with {server.returncode} before answering.")
        try:
            requests.get(base + "/login", timeout=30)  # the first answer waits for a worker to load the app
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    sys.exit("The server did not answer within 60 s.")


def _signed_in(base: str) -> requests.Session:
    session = requests.Session()
    form = session.get(base + "/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    response = session.post(base + "/login", data={"csrf_token": token.group(1), "username": "admin",
                                                   "password": PASSWORD}, allow_redirects=False, timeout=30)
    if response.status_code != 302:
        sys.exit(f"Sign-in failed ({response.status_code}).")
    return session


def _pages(session: requests.Session, base: str) -> list[tuple[str, str]]:
    """The mix each user loops over. Enrolment ids come from the occurrence page, so the script
    does not depend on how the database numbers them."""
    occurrence_page = session.get(f"{base}/occurrences/{OCCURRENCE}", timeout=10).text
    enrolments = sorted(set(re.findall(r'href="/enrolments/(\d+)"', occurrence_page)), key=int)
    if not enrolments:
        sys.exit(f"Occurrence {OCCURRENCE} lists no enrolments: is the demo RTO loaded?")
    return [
        ("home", "/"),
        ("occurrences list", "/occurrences/"),
        (f"occurrence {OCCURRENCE} (+ enrolments)", f"/occurrences/{OCCURRENCE}"),
        ("enrolment page", f"/enrolments/{enrolments[0]}"),
        ("enrolment page (another)", f"/enrolments/{enrolments[-1]}"),
        ("clients, search", "/clients/?q=sm"),
        ("LMS integrations list", "/manage/lms-integrations/"),
    ]


def _median_alone(session: requests.Session, url: str, times: int = 15) -> float:
    samples = []
    for _ in range(times):
        begin = time.perf_counter()
        session.get(url, timeout=10).raise_for_status()
        samples.append(time.perf_counter() - begin)
    return statistics.median(samples)


def _tree_cpu_seconds(root: int) -> float:
    """CPU time used so far by a process and its children (gunicorn's workers), from Linux's /proc.
    Unlike requests/s it hardly depends on what else the machine is running."""
    parents, cpu = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        pid = int(stat.parent.name)
        parents[pid], cpu[pid] = int(fields[1]), int(fields[11]) + int(fields[12])  # ppid, utime + stime
    tree, grew = {root}, True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= children
        grew = bool(children)
    return sum(cpu.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


def _run_load(sessions, base: str, pages, warmup: float, seconds: float, server_cpu) -> dict:
    """Every session in its own thread, requesting page after page with no pause (a "busy user").
    Requests that start before the warm-up ends are not counted."""
    start = time.monotonic() + warmup
    stop = start + seconds
    latencies, per_page, errors = [], {name: [] for name, _ in pages}, [0]
    lock = threading.Lock()

    def user(number: int, session: requests.Session) -> None:
        i = number  # each user starts at a different page, so the mix is even from the first second
        while (begin := time.monotonic()) < stop:
            name, path = pages[i % len(pages)]
            i += 1
            try:
                ok = session.get(base + path, allow_redirects=False, timeout=30).status_code == 200
            except requests.RequestException:
                ok = False
            elapsed = time.monotonic() - begin
            if begin >= start:
                with lock:
                    if ok:
                        latencies.append(elapsed)
                        per_page[name].append(elapsed)
                    else:
                        errors[0] += 1

    threads = [threading.Thread(target=user, args=(n, s)) for n, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, start - time.monotonic()))
    cpu_before, client_before = server_cpu(), time.process_time()
    time.sleep(max(0.0, stop - time.monotonic()))
    cpu_used, client_used = server_cpu() - cpu_before, time.process_time() - client_before
    for thread in threads:
        thread.join()
    served = len(latencies) + errors[0]
    return {"rps": served / seconds, "latencies": latencies, "errors": errors[0], "pages": per_page,
            "cpu_ms": cpu_used * 1000 / max(served, 1), "client_cpu": client_used / seconds}


if __name__ == "__main__":
    main()
