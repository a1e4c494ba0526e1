"""Download: each student's Canvas module states, staged per enrolment a few times a second as
they arrive, for the review (review.py) and the saving of rows (save.py)."""

import math
import time
from collections import Counter, defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import NamedTuple

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import (
    QUEUED, CanvasProgress, Client, Enrolment, EnrolmentStatus, EnrolmentTransfer, JobRun, LmsIntegration,
    ModuleStateDownload, OccurrenceLink, StatusType,
)
from .. import DomainError
from ..audit import utcnow
from ..canvas import CanvasClient, CanvasError, CourseProgress, PermissionDenied
from ..canvas_links import current_links
from ..integrations import canvas_client
from ..enrolment_transfer import ALL_STATES, ENDED, describe_state
from ..job_runs import Item, end_run, execute, id_of, mark_running, record_items, start_run, stopped_by_cancel
from .claims import Claims, new_claims_key

KIND = "result_download"
# Requests in flight per Canvas token: Canvas admits about 11 (reference §7).
CEILING = 12
# An incremental download reads a student again after this many days even if Canvas's counters
# did not move, since the counters cannot see everything (README): a weekly full refresh.
REFRESH_DAYS = 7
CANCEL_CHECK_SECONDS = 0.5
# Answers are staged together at least this often, or once this many have arrived: a crash loses
# at most these, which a resumed run reads again.
STAGE_SECONDS, STAGE_BATCH = 0.25, 50
# How often a job looks again whether another job works on an integration that is not its home.
OTHERS_LOOK_SECONDS = 1.0


def is_active():
    """Results come back for Active enrolments only: a withdrawn, cancelled or completed enrolment
    has no result to propose from Canvas. Per occurrence and in bulk alike."""
    return Enrolment.status.has(EnrolmentStatus.status_type == StatusType.ACTIVE)


def start_download(link: OccurrenceLink | None, actor_id: int, *, incremental: bool = False) -> JobRun:
    """A run over the occurrence's Active enrolments in Canvas; the others are counted as left out."""
    if link is None:
        raise DomainError("Link the occurrence to Canvas first.")
    transferred = db.session.execute(
        select(Enrolment.id, EnrolmentStatus.name, EnrolmentStatus.status_type)
        .join(EnrolmentStatus, Enrolment.status_id == EnrolmentStatus.id)
        .where(Enrolment.occurrence_id == link.occurrence_id, Enrolment.transfer.has())).all()
    ids = sorted(row.id for row in transferred if row.status_type == StatusType.ACTIVE)
    left_out = Counter(row.name for row in transferred if row.status_type != StatusType.ACTIVE)
    if not transferred:
        raise DomainError("No enrolment of this occurrence has been transferred to Canvas yet: transfer the "
                          "enrolments first, then their results can come back.")
    if not ids:
        raise DomainError(f"Every enrolment of this occurrence in Canvas is inactive ({describe_left_out(left_out)}): "
                          "results come back for Active enrolments only.")
    return start_run(KIND, link.occurrence_id, {"enrolment_ids": ids, "left_out": dict(left_out),
                                                "incremental": incremental, **new_claims_key()}, len(ids), actor_id)


def describe_left_out(left_out: dict[str, int]) -> str:
    """"2 Withdrawn, 1 Cancelled"."""
    return ", ".join(f"{count} {status}" for status, count in sorted(left_out.items()))


def left_out_sentence(run: JobRun) -> str:
    """What the review says about the enrolments the download left out; "" for none."""
    left_out = run.params.get("left_out") or {}
    count = sum(left_out.values())
    if not count:
        return ""
    return (f"Left out {count} enrolment{'s' if count != 1 else ''} that {'are' if count != 1 else 'is'} not Active "
            f"({describe_left_out(left_out)}): results come back for Active enrolments only.")


def stage_now(occurrence_id: int, enrolment_ids: list[int], actor_id: int | None) -> JobRun:
    """Download and stage these students' module states now, in a run of their own that the
    occurrence's review opens like any download: done before their Canvas enrolment ends, since
    Canvas shows no progress after that (§11.6)."""
    run = JobRun(kind=KIND, occurrence_id=occurrence_id,
                 params={"enrolment_ids": enrolment_ids, "left_out": {}, "before_leaving": True,
                         **new_claims_key()},
                 total=len(enrolment_ids), started_by_id=actor_id, created_at=utcnow(), status=QUEUED)
    db.session.add(run)
    db.session.commit()
    execute(run, run_download)
    return run


@dataclass(frozen=True)
class _Fetch:
    enrolment_id: int
    occurrence_id: int
    integration_id: int
    course_id: int
    section_id: int
    canvas_user_id: int
    label: str
    seen: CourseProgress | None = None  # Canvas's counters for the student, when read


class _Failed(str):
    """Why nothing could be asked of Canvas (e.g. the integration has no token)."""


@dataclass(frozen=True)
class _Unchanged:
    """Canvas's counters have not moved since these states were read."""
    states: list
    fetched_at: datetime


@dataclass(frozen=True)
class _Ended:
    """A student whose enrolment ended in Canvas: Canvas refuses their progress (§11.6)."""
    state: str
    message: str


def run_download(run: JobRun, occurrence_id: int | None = None) -> None:
    """One job of a download run: its occurrence first, then any other of the run that no job
    holds, each student's states committed as they arrive (or, incremental, kept from the last
    run when Canvas's counters say they have not moved). Any number of these jobs, on any
    workers, share one run; the one that sees every occurrence done ends it. Resuming skips
    staged students. Without `occurrence_id` the job starts anywhere (inline runs, the CLI)."""
    mark_running(run)
    db.session.commit()
    claims = Claims(run)
    try:
        while True:
            plan = _plan(run)
            done = claims.done()
            for ready in [o for o, fetches in plan.items() if not fetches and o not in done]:
                claims.finish(ready)
            order = sorted(plan, key=lambda o: (o != occurrence_id, o))
            if not _Downloader(run, plan, claims, order).download() or _ended(run):
                return
            if claims.done() >= set(plan):
                end_run(run)
                db.session.commit()
                return
            if not _wait_for_others(run, claims, set(plan)):
                return
    finally:
        claims.release()


def _wait_for_others(run: JobRun, claims: Claims, occurrences: set[int]) -> bool:
    """Other jobs hold what is left: wait, asking Redis only, until it is done or a lease they
    stopped renewing has lapsed; only then is the run planned again. False when cancelled."""
    while True:
        time.sleep(min(1.0, claims.lease_seconds / 5))
        run.heartbeat_at = utcnow()
        db.session.commit()
        if stopped_by_cancel(run, "what was downloaded is kept."):
            return False
        left = occurrences - claims.done()
        if not left or claims.unheld(left):
            return True


def _ended(run: JobRun) -> bool:
    db.session.expire(run, ["status"])
    return run.ended


def _plan(run: JobRun) -> dict[int, list[_Fetch]]:
    """occurrence id -> the students of it not staged yet (none left: the occurrence is done)."""
    staged = set(db.session.scalars(select(ModuleStateDownload.enrolment_id).where(
        ModuleStateDownload.run_id == run.id)))
    # Plain rows, not ORM objects: every per-student commit expires all the objects the session
    # holds, which for thousands of loaded enrolments made the run CPU-bound.
    rows = db.session.execute(
        select(Enrolment.id, Enrolment.occurrence_id, EnrolmentTransfer.canvas_user_id, Client.first_name,
               Client.last_name, Client.code)
        .join(EnrolmentTransfer, EnrolmentTransfer.enrolment_id == Enrolment.id)
        .join(Client, Client.id == Enrolment.client_id)
        .where(Enrolment.id.in_(run.params["enrolment_ids"]))).all()
    links = current_links({r.occurrence_id for r in rows})
    plan: dict[int, list[_Fetch]] = {}
    for r in rows:
        link = links.get(r.occurrence_id)
        fetches = plan.setdefault(r.occurrence_id, [])  # an occurrence with nothing left to fetch is done
        if r.id in staged or link is None:
            continue
        fetches.append(_Fetch(r.id, r.occurrence_id, link.integration_id, link.canvas_course_id,
                                            link.canvas_section_id, r.canvas_user_id,
                                            f"{r.first_name} {r.last_name} ({r.code})"))
    db.session.commit()
    return plan


class _Downloader:
    """Claims occurrences and keeps each integration's Canvas busy with their students.

    A job works its own occurrence's integration (its home) first, and another integration's
    occurrences only while no other job is working on that one, or once its home has nothing
    left: with a worker per token, each worker then mostly keeps to one token, where several
    on every token would only queue for the same room and share the CPU; a lone worker still
    downloads every integration in parallel.
    """

    def __init__(self, run: JobRun, plan: dict[int, list[_Fetch]], claims: Claims, order: list[int]) -> None:
        self.run, self.plan, self.claims = run, plan, claims
        self.incremental = bool(run.params.get("incremental"))
        self.max_age = timedelta(days=run.params.get("max_age_days", REFRESH_DAYS))
        self.unclaimed: dict[int, list[int]] = defaultdict(list)  # integration -> occurrences
        for occurrence_id in order:
            if plan.get(occurrence_id):
                self.unclaimed[plan[occurrence_id][0].integration_id].append(occurrence_id)
        self.queued: dict[int, deque[_Fetch]] = defaultdict(deque)
        self.left: dict[int, int] = {}  # claimed occurrence -> students not yet staged
        self.clients: dict[int, CanvasClient | None] = {}
        self.zones: dict[int, str] = {}
        self.refusals: dict[int, str] = {}  # integration -> why no client could be made
        self.in_flight: dict[int, int] = defaultdict(int)
        self.cancel_checked = 0.0
        self.home = plan[order[0]][0].integration_id if order and plan.get(order[0]) else None
        self.elsewhere: dict[int, tuple[float, bool]] = {}  # integration -> (when looked, another job on it)
        self.course_counters: dict[int, dict] = {}  # course -> Canvas user id -> CourseProgress

    def download(self) -> bool:
        """False when the run was cancelled."""
        executor = ThreadPoolExecutor(max_workers=CEILING * max(1, len(self.unclaimed)), thread_name_prefix="canvas")
        futures: dict = {}
        try:
            self._top_up(executor, futures)
            answered: list = []
            staged_at = time.monotonic()
            while futures:
                finished, _ = wait(futures, timeout=STAGE_SECONDS if answered else self.claims.lease_seconds / 3,
                                   return_when=FIRST_COMPLETED)
                self.claims.renew(force=not finished and not answered)
                for future in finished:
                    fetch = futures.pop(future)
                    self.in_flight[fetch.integration_id] -= 1
                    try:
                        answered.append((fetch, future.result()))
                    except CanvasError as exc:
                        answered.append((fetch, exc))
                self._top_up(executor, futures)  # Canvas kept busy first, then the writing
                # Answers are written a batch at a time: a write per answer cost more than the answer.
                if answered and (not futures or len(answered) >= STAGE_BATCH
                                 or time.monotonic() - staged_at >= STAGE_SECONDS):
                    self._stage_results(answered)
                    answered, staged_at = [], time.monotonic()
                    if self._cancel_due() and stopped_by_cancel(self.run, "what was downloaded is kept."):
                        return False
            return True
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
            for client in self.clients.values():
                if client is not None:
                    client.close()

    def _cancel_due(self) -> bool:
        """Whether to look for a Cancel again: twice a second is prompt for a person, where a
        look after every answer was a query per student."""
        now = time.monotonic()
        if now - self.cancel_checked < CANCEL_CHECK_SECONDS:
            return False
        self.cancel_checked = now
        return True

    def _top_up(self, executor: ThreadPoolExecutor, futures: dict) -> None:
        for integration_id in list(self.unclaimed):
            while self.in_flight[integration_id] < CEILING:
                fetch = self._next(integration_id)
                if fetch is None:
                    break
                client = self.clients[integration_id]
                futures[executor.submit(_module_states, client, fetch, self.zones[integration_id])] = fetch
                self.in_flight[integration_id] += 1

    def _next(self, integration_id: int) -> "_Fetch | None":
        queue = self.queued[integration_id]
        while not queue:
            waiting = self.unclaimed[integration_id]
            if not waiting or self._left_to_others(integration_id):
                return None
            occurrence_id = waiting.pop(0)
            if self.claims.claim(occurrence_id):
                queue.extend(self._to_fetch(integration_id, occurrence_id))
        return queue.popleft()

    def _left_to_others(self, integration_id: int) -> bool:
        """Whether another job works on this integration while this one has its home to do."""
        home = self.home
        if home is None or integration_id == home or not (self.unclaimed[home] or self.queued[home]):
            return False
        now = time.monotonic()
        looked, busy = self.elsewhere.get(integration_id, (-math.inf, False))
        if now - looked >= OTHERS_LOOK_SECONDS:
            busy = self.claims.held_by_others(self.unclaimed[integration_id])
            self.elsewhere[integration_id] = (now, busy)
        return busy

    def _client(self, integration_id: int) -> CanvasClient | None:
        if integration_id not in self.clients:
            integration = db.session.get(LmsIntegration, integration_id)
            self.zones[integration_id] = integration.time_zone
            try:
                # Canvas admits about 11 requests in flight per token (reference §7); the limiter finds the room.
                self.clients[integration_id] = canvas_client(integration, max_concurrency=CEILING)
            except DomainError as err:
                self.clients[integration_id] = None
                self.refusals[integration_id] = err.message
        return self.clients[integration_id]

    def _to_fetch(self, integration_id: int, occurrence_id: int) -> list[_Fetch]:
        """The claimed occurrence's students that need Canvas; the others are staged at once."""
        fetches = self.plan[occurrence_id]
        self.left[occurrence_id] = len(fetches)
        client = self._client(integration_id)
        if client is None:
            self._stage_results([(fetch, _Failed(self.refusals[integration_id])) for fetch in fetches])
            return []
        marks = _marks([f.enrolment_id for f in fetches]) if self.incremental else {}
        counters = self._counters(client, fetches[0].course_id) if self.incremental else {}
        now = utcnow()
        wanted, unchanged = [], []
        for fetch in fetches:
            mark, seen = marks.get(fetch.enrolment_id), counters.get(fetch.canvas_user_id)
            if needs_fetch(mark, seen, fetch.course_id, now, self.max_age):
                wanted.append(replace(fetch, seen=seen))
            else:
                unchanged.append((fetch, _Unchanged(mark.states, mark.states_fetched_at)))
        if unchanged:
            self._stage_results(unchanged)
        return wanted

    def _counters(self, client: CanvasClient, course_id: int) -> dict:
        """Canvas's counters for every student of the course, read once per job: occurrences that
        are sections of one course share its list."""
        if course_id not in self.course_counters:
            try:
                self.course_counters[course_id] = {p.id: p.progress for p in client.list_student_progress(course_id)}
            except CanvasError:  # no counters (no requirements, no view_all_grades): everyone is read
                self.course_counters[course_id] = {}
        return self.course_counters[course_id]

    def _stage_results(self, batch: list) -> None:
        """Answers that arrived together, written together in a few statements; one by one if
        another job staged one of them first (it took over a lapsed claim): theirs is kept."""
        if not batch:  # nothing answered within the wait
            return
        rows = [_staging(self.run, fetch, result) for fetch, result in batch]
        try:
            self._write(rows)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            for row in rows:
                try:
                    self._write([row])
                    db.session.commit()
                except IntegrityError:
                    db.session.rollback()
        for fetch, _ in batch:
            self.left[fetch.occurrence_id] -= 1
            if not self.left[fetch.occurrence_id]:
                self.claims.finish(fetch.occurrence_id)

    def _write(self, rows: list["_Staged"]) -> None:
        db.session.execute(_INSERT_DOWNLOADS, [row.download for row in rows])
        record_items(self.run, [row.item for row in rows])
        kept = [row.progress for row in rows if row.progress is not None]
        if kept:
            _keep_progress(kept)


def _module_states(client: CanvasClient, fetch: _Fetch, zone: str):
    """The student's module states; or, when Canvas refuses them because the student's enrolment
    has ended there, that fact, named (one more call, only for refused students)."""
    try:
        return client.get_student_module_states(fetch.course_id, fetch.canvas_user_id)
    except PermissionDenied as refused:
        enrolments = client.list_section_enrollments(fetch.section_id, states=ALL_STATES,
                                                     types=("StudentEnrollment",), user_id=fetch.canvas_user_id)
        if not enrolments or any(e.enrollment_state not in ENDED for e in enrolments):
            raise refused
        ended = max(enrolments, key=lambda e: e.updated_at or datetime.min.replace(tzinfo=timezone.utc))
        said = describe_state(ended, zone)
        return _Ended(ended.enrollment_state, f"{said[0].upper()}{said[1:]}: progress no longer readable. Results "
                                              "saved before stay as they are.")


def _state_json(module) -> dict:
    # "requirements": the items with a completion requirement the student's view shows (None: unknown).
    requirements = (None if module.items is None
                    else sum(1 for item in module.items if item.completion_requirement is not None))
    return {"id": module.id, "name": module.name, "state": module.state,
            "completed_at": module.completed_at.isoformat() if module.completed_at else None,
            "unlock_at": module.unlock_at.isoformat() if module.unlock_at else None,
            "requirements": requirements}


_INSERT_DOWNLOADS = insert(ModuleStateDownload.__table__)


class _Staged(NamedTuple):
    """What one answer writes: the staged row, the run's item, and (states read from Canvas just
    now) what the next incremental run compares Canvas's counters with."""
    download: dict
    item: Item
    progress: dict | None


def _staging(run: JobRun, fetch: _Fetch, result) -> _Staged:
    now = utcnow()
    states, error, ended, fetched_at, progress = None, None, None, now, None
    if isinstance(result, _Ended):
        error, ended = result.message, result.state
    elif isinstance(result, (CanvasError, _Failed)):
        error = str(result)
    elif isinstance(result, _Unchanged):
        states, fetched_at = result.states, result.fetched_at  # when states kept from an earlier run were read
    else:
        states = [_state_json(m) for m in result]
        progress = _progress(fetch, result, states, now)
    download = {"run_id": id_of(run), "enrolment_id": fetch.enrolment_id, "occurrence_id": fetch.occurrence_id,
                "canvas_user_id": fetch.canvas_user_id, "states": states, "error": error, "canvas_state": ended,
                "fetched_at": fetched_at}
    outcome = "ended" if ended else "failed" if error else "downloaded"
    said = error or (f"{len(states)} module states, unchanged in Canvas since they were read"
                     if isinstance(result, _Unchanged) else f"{len(states)} module states")
    item = Item(fetch.enrolment_id, fetch.label, outcome, said, ok=error is None or ended is not None)
    return _Staged(download, item, progress)


# Incremental downloads ------------------------------------------------------------------------

def needs_fetch(mark: CanvasProgress | None, seen: CourseProgress | None, course_id: int, now: datetime,
                max_age: timedelta) -> bool:
    """Whether a student's module states must be read again: never read (in this course), read
    longer ago than `max_age`, or Canvas's counters moved since. Counters that did not move can
    still hide a change they do not count (a quiz attempted below its minimum score)."""
    if mark is None or seen is None or mark.canvas_course_id != course_id or now - mark.states_fetched_at > max_age:
        return True
    return (mark.requirement_count, mark.requirement_completed_count, mark.completed_at) != (
        seen.requirement_count, seen.requirement_completed_count, _naive(seen.completed_at))


def counters_of(modules) -> CourseProgress:
    """The counters Canvas's bulk_user_progress gives, from the student's own module list: the
    requirements of the modules they see, those met, and the last completion once all are met."""
    requirements = [item.completion_requirement for m in modules for item in (m.items or ())
                    if item.completion_requirement is not None]
    met = sum(1 for r in requirements if r.completed)
    last = max((m.completed_at for m in modules if m.completed_at), default=None)
    return CourseProgress(len(requirements), met, None, last if requirements and met >= len(requirements) else None)


def _naive(moment: datetime | None) -> datetime | None:
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment else None


def _marks(enrolment_ids: list[int]) -> dict[int, CanvasProgress]:
    marks = {m.enrolment_id: m for m in db.session.scalars(
        select(CanvasProgress).where(CanvasProgress.enrolment_id.in_(enrolment_ids)))}
    for mark in marks.values():  # read-only here: kept out of the per-student commits' expiry
        db.session.expunge(mark)
    return marks


def _keep_progress(rows: list[dict]) -> None:
    """Insert or replace each enrolment's CanvasProgress in one statement: another run (the
    occurrence's own download beside a bulk one) may have written the same student's row since
    this job read it."""
    db.session.execute(_upsert_progress(db.engine.dialect.name), rows)


@cache
def _upsert_progress(dialect: str):
    statement = {"postgresql": postgresql, "sqlite": sqlite}[dialect].insert(CanvasProgress.__table__)
    return statement.on_conflict_do_update(
        index_elements=[CanvasProgress.enrolment_id],
        set_={column: statement.excluded[column] for column in (
            "canvas_course_id", "requirement_count", "requirement_completed_count", "completed_at", "states",
            "states_fetched_at")})


def _progress(fetch: _Fetch, modules, states: list, now: datetime) -> dict:
    """What to keep for the next incremental run: Canvas's counters if we asked for them, else
    the same counters taken from the module list."""
    seen = fetch.seen or counters_of(modules)
    return {"enrolment_id": fetch.enrolment_id, "canvas_course_id": fetch.course_id,
            "requirement_count": seen.requirement_count,
            "requirement_completed_count": seen.requirement_completed_count,
            "completed_at": _naive(seen.completed_at), "states": states, "states_fetched_at": now}


def occurrences_of(run: JobRun) -> list[int]:
    """The parts a download run is split into, one RQ job each."""
    return sorted(set(db.session.scalars(select(Enrolment.occurrence_id).where(
        Enrolment.id.in_(run.params["enrolment_ids"])))))
