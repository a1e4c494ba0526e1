"""Download: each student's Canvas module states, staged per enrolment as they arrive, for the
review (review.py) and the saving of rows (save.py)."""

import time
from collections import Counter, defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
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
from ..job_runs import end_run, execute, mark_running, record_item, start_run, stopped_by_cancel
from .claims import Claims, new_claims_key

KIND = "result_download"
# Requests in flight per Canvas token: Canvas admits about 11 (reference §7).
CEILING = 12
# An incremental download reads a student again after this many days even if Canvas's counters
# did not move, since the counters cannot see everything (README): a weekly full refresh.
REFRESH_DAYS = 7


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
            # Others hold what is left: wait until it is done, or until a lease they stopped renewing expires.
            time.sleep(min(1.0, claims.lease_seconds / 5))
            run.heartbeat_at = utcnow()
            db.session.commit()
            if stopped_by_cancel(run, "what was downloaded is kept."):
                return
    finally:
        claims.release()


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
    """Claims occurrences and keeps each integration's Canvas busy with their students."""

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
        self.marked: set[int] = set()  # enrolments with a CanvasProgress row

    def download(self) -> bool:
        """False when the run was cancelled."""
        executor = ThreadPoolExecutor(max_workers=CEILING * max(1, len(self.unclaimed)), thread_name_prefix="canvas")
        futures: dict = {}
        try:
            self._top_up(executor, futures)
            while futures:
                finished, _ = wait(futures, timeout=self.claims.lease_seconds / 3, return_when=FIRST_COMPLETED)
                self.claims.renew(force=not finished)
                batch = []
                for future in finished:
                    fetch = futures.pop(future)
                    self.in_flight[fetch.integration_id] -= 1
                    try:
                        batch.append((fetch, future.result()))
                    except CanvasError as exc:
                        batch.append((fetch, exc))
                self._stage_results(batch)
                if stopped_by_cancel(self.run, "what was downloaded is kept."):
                    return False
                self._top_up(executor, futures)
            return True
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
            for client in self.clients.values():
                if client is not None:
                    client.close()

    def _top_up(self, executor: ThreadPoolExecutor, futures: dict) -> None:
        for integration_id in list(self.unclaimed):
            while self.in_flight[integration_id] < 2 * CEILING:
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
            if not waiting:
                return None
            occurrence_id = waiting.pop(0)
            if self.claims.claim(occurrence_id):
                queue.extend(self._to_fetch(integration_id, occurrence_id))
        return queue.popleft()

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
        marks = _marks([f.enrolment_id for f in fetches])
        self.marked.update(marks)
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
        try:
            return {p.id: p.progress for p in client.list_student_progress(course_id)}
        except CanvasError:  # no counters (no requirements, no view_all_grades): everyone is read
            return {}

    def _stage_results(self, batch: list) -> None:
        """Answers that arrived together, committed together; one by one if another job staged
        one of them first (it took over a lapsed claim): theirs is kept."""
        try:
            for fetch, result in batch:
                self._stage_one(fetch, result)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            for fetch, result in batch:
                try:
                    self._stage_one(fetch, result)
                    db.session.commit()
                except IntegrityError:
                    db.session.rollback()
        for fetch, _ in batch:
            self.left[fetch.occurrence_id] -= 1
            if not self.left[fetch.occurrence_id]:
                self.claims.finish(fetch.occurrence_id)

    def _stage_one(self, fetch: _Fetch, result) -> None:
        if isinstance(result, _Ended):
            _stage(self.run, fetch, None, result.message, ended=result.state)
        elif isinstance(result, (CanvasError, _Failed)):
            _stage(self.run, fetch, None, str(result))
        elif isinstance(result, _Unchanged):
            _stage(self.run, fetch, result.states, None, fetched_at=result.fetched_at)
        else:
            states = [_state_json(m) for m in result]
            _stage(self.run, fetch, states, None)
            _remember(fetch, result, states, fetch.enrolment_id in self.marked)


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


def _stage(run: JobRun, fetch: _Fetch, states: list | None, error: str | None, ended: str | None = None,
           fetched_at: datetime | None = None) -> None:
    """`fetched_at`: when states kept from an earlier run were read from Canvas."""
    db.session.add(ModuleStateDownload(run_id=run.id, enrolment_id=fetch.enrolment_id,
                                       occurrence_id=fetch.occurrence_id, canvas_user_id=fetch.canvas_user_id,
                                       states=states, error=error, canvas_state=ended,
                                       fetched_at=fetched_at or utcnow()))
    outcome = "ended" if ended else "failed" if error else "downloaded"
    said = error or (f"{len(states)} module states, unchanged in Canvas since they were read" if fetched_at
                     else f"{len(states)} module states")
    record_item(run, fetch.enrolment_id, fetch.label, outcome, said, ok=error is None or ended is not None)


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


def _remember(fetch: _Fetch, modules, states: list, marked: bool) -> None:
    """Keep what was read for the next incremental run: Canvas's counters if we asked for them,
    else the same counters taken from the module list."""
    seen = fetch.seen or counters_of(modules)
    values = {"canvas_course_id": fetch.course_id, "requirement_count": seen.requirement_count,
              "requirement_completed_count": seen.requirement_completed_count,
              "completed_at": _naive(seen.completed_at), "states": states, "states_fetched_at": utcnow()}
    if marked:
        db.session.execute(update(CanvasProgress).where(CanvasProgress.enrolment_id == fetch.enrolment_id)
                           .values(**values))
    else:
        db.session.add(CanvasProgress(enrolment_id=fetch.enrolment_id, **values))


def occurrences_of(run: JobRun) -> list[int]:
    """The parts a download run is split into, one RQ job each."""
    return sorted(set(db.session.scalars(select(Enrolment.occurrence_id).where(
        Enrolment.id.in_(run.params["enrolment_ids"])))))
