"""One job's asking of Canvas: a pool of threads reads each student's module states, and each
occurrence's grades and section listing beside them, at most CEILING requests in flight per token;
the answers are staged a batch at a time, a few times a second, so a crash loses at most those,
which a resumed run reads again."""

import math
import time
from collections import defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import JobRun, LmsIntegration
from .. import DomainError
from ..canvas import CanvasClient, CanvasError
from ..clock import utcnow
from ..integrations.connection import canvas_client
from ..runs.lifecycle import record_items, stopped_by_cancel
from ..canvas_sync.states import canvas_enrolments
from ..engagement.reading import ActivityRead, activity_read, note_section_activity
from .claims import Claims
from .grade_download import GradeReads, GradeWork, Step, mapped_assessments
from .incremental import REFRESH_DAYS, keep_progress, marks_of, needs_fetch
from .staging import INSERT_DOWNLOADS, Failed, Fetch, Staged, Unchanged, module_states, staging_of

# Requests in flight per Canvas token: Canvas admits about 11 (reference §7).
CEILING = 12
CANCEL_CHECK_SECONDS = 0.5
# How often a job looks again whether another job works on an integration that is not its home.
OTHERS_LOOK_SECONDS = 1.0
# Answers are staged together at least this often, or once this many have arrived: a crash loses
# at most these, which a resumed run reads again.
STAGE_SECONDS, STAGE_BATCH = 0.25, 50


class Downloader:
    """Claims occurrences and keeps each integration's Canvas busy with their students.

    A job works its own occurrence's integration (its home) first, and another integration's
    occurrences only while no other job is working on that one, or once its home has nothing
    left: with a worker per token, each worker then mostly keeps to one token, where several
    on every token would only queue for the same room and share the CPU; a lone worker still
    downloads every integration in parallel.
    """

    def __init__(self, run: JobRun, plan: dict[int, list[Fetch]], claims: Claims, order: list[int]) -> None:
        self.run, self.plan, self.claims = run, plan, claims
        self.incremental = bool(run.params.get("incremental"))
        self.max_age = timedelta(days=run.params.get("max_age_days", REFRESH_DAYS))
        self.unclaimed: dict[int, list[int]] = defaultdict(list)  # integration -> occurrences
        for occurrence_id in order:
            if plan.get(occurrence_id):
                self.unclaimed[plan[occurrence_id][0].integration_id].append(occurrence_id)
        self.queued: dict[int, deque[Fetch]] = defaultdict(deque)
        self.left: dict[int, int] = {}  # claimed occurrence -> students not yet staged
        self.clients: dict[int, CanvasClient | None] = {}
        self.zones: dict[int, str] = {}
        self.refusals: dict[int, str] = {}  # integration -> why no client could be made
        self.in_flight: dict[int, int] = defaultdict(int)
        self.cancel_checked = 0.0
        self.home = plan[order[0]][0].integration_id if order and plan.get(order[0]) else None
        self.elsewhere: dict[int, tuple[float, bool]] = {}  # integration -> (when looked, another job on it)
        self.course_counters: dict[int, dict] = {}  # course -> Canvas user id -> CourseProgress
        self.grade_reads: dict[int, GradeReads] = {}  # integration -> its occurrences' grades under way
        # A student is staged with their section's grades: answers wait here, not a thread, until those are in.
        self.held: dict[int, list] = {}  # occurrence whose grades are being read -> its answers so far
        self.grades: dict[int, dict] = {}  # occurrence -> Canvas user id -> their grades, once read
        self.answered: list = []  # (fetch, answer) to stage with the next batch

    def download(self) -> bool:
        """False when the run was cancelled."""
        executor = ThreadPoolExecutor(max_workers=CEILING * max(1, len(self.unclaimed)), thread_name_prefix="canvas")
        futures: dict = {}
        try:
            self._top_up(executor, futures)
            staged_at = time.monotonic()
            while futures or self.answered:
                finished = set()
                if futures:
                    finished, _ = wait(futures, return_when=FIRST_COMPLETED,
                                       timeout=STAGE_SECONDS if self.answered else self.claims.lease_seconds / 3)
                self.claims.renew(force=not finished and not self.answered)
                for future in finished:
                    work = futures.pop(future)
                    self.in_flight[work.integration_id] -= 1
                    if isinstance(work, ActivityRead):
                        note_section_activity(work, future)
                    elif isinstance(work, GradeWork):
                        self._carry_on(work.integration_id, self.grade_reads[work.integration_id].answered(work, future))
                    else:
                        try:
                            self._answer(work, future.result())
                        except CanvasError as exc:
                            self._answer(work, exc)
                self._top_up(executor, futures)  # Canvas kept busy first, then the writing
                # Answers are written a batch at a time: a write per answer cost more than the answer.
                if self.answered and (not futures or len(self.answered) >= STAGE_BATCH
                                      or time.monotonic() - staged_at >= STAGE_SECONDS):
                    answered, self.answered, staged_at = self.answered, [], time.monotonic()
                    self._stage_results(answered)
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
                if isinstance(fetch, ActivityRead):
                    futures[executor.submit(canvas_enrolments, client, fetch.section_id)] = fetch
                elif isinstance(fetch, GradeWork):
                    futures[executor.submit(fetch.read, client)] = fetch
                else:
                    futures[executor.submit(module_states, client, fetch, self.zones[integration_id])] = fetch
                self.in_flight[integration_id] += 1

    def _next(self, integration_id: int) -> "Fetch | ActivityRead | GradeWork | None":
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

    def _to_fetch(self, integration_id: int, occurrence_id: int) -> list:
        """What the claimed occurrence needs of Canvas: its grades' first call, its section listing and
        the students whose module states need reading; the others are staged at once (with their grades)."""
        fetches = self.plan[occurrence_id]
        self.left[occurrence_id] = len(fetches)
        refused = [(fetch, Failed(fetch.refusal)) for fetch in fetches if fetch.refusal]
        if refused:
            self._stage_results(refused)
            fetches = [fetch for fetch in fetches if not fetch.refusal]
            if not fetches:
                return []
        client = self._client(integration_id)
        if client is None:
            self._stage_results([(fetch, Failed(self.refusals[integration_id])) for fetch in fetches])
            return []
        first = fetches[0]
        reads = self.grade_reads.setdefault(integration_id, GradeReads(integration_id))
        grade_step = reads.start(occurrence_id, mapped_assessments(occurrence_id), first.course_id,
                                 first.section_id, {f.canvas_user_id for f in fetches})
        if occurrence_id not in grade_step.done:
            self.held[occurrence_id] = []
        self._carry_on(integration_id, grade_step)
        marks = marks_of([f.enrolment_id for f in fetches]) if self.incremental else {}
        counters = self._counters(client, fetches[0].course_id) if self.incremental else {}
        now = utcnow()
        wanted, unchanged = [], []
        for fetch in fetches:
            mark, seen = marks.get(fetch.enrolment_id), counters.get(fetch.canvas_user_id)
            if needs_fetch(mark, seen, fetch.course_id, now, self.max_age):
                wanted.append(replace(fetch, seen=seen))
            else:
                unchanged.append((fetch, Unchanged(mark.states, mark.states_fetched_at)))
        for fetch, kept in unchanged:
            self._answer(fetch, kept)
        read = activity_read(integration_id, occurrence_id, first.section_id, [f.enrolment_id for f in fetches])
        return [read, *wanted] if read else wanted

    def _carry_on(self, integration_id: int, step: Step) -> None:
        """The grade calls an answer leads to go first in the queue (an occurrence is staged only once
        its grades are in); the answers held for occurrences whose grades are now in are staged."""
        self.queued[integration_id].extendleft(reversed(step.work))
        for occurrence_id, grades in step.done.items():
            self.grades[occurrence_id] = grades
            for fetch, answer in self.held.pop(occurrence_id, []):
                self._answer(fetch, answer)

    def _answer(self, fetch: Fetch, answer) -> None:
        """To stage with the next batch, with the student's grades; held while their section's are read."""
        if fetch.occurrence_id in self.held:
            self.held[fetch.occurrence_id].append((fetch, answer))
        else:
            self.answered.append((replace(fetch, grades=self.grades[fetch.occurrence_id].get(fetch.canvas_user_id)),
                                  answer))

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
        rows = [staging_of(self.run, fetch, result) for fetch, result in batch]
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
                self.grades.pop(fetch.occurrence_id, None)

    def _write(self, rows: list["Staged"]) -> None:
        db.session.execute(INSERT_DOWNLOADS, [row.download for row in rows])
        record_items(self.run, [row.item for row in rows])
        kept = [row.progress for row in rows if row.progress is not None]
        if kept:
            keep_progress(kept)
