"""Transfer results from Canvas LMS in bulk: every Active, transferred enrolment of every Active,
linked occurrence, across all integrations, as one background run; then the same review."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import (
    QUEUED, RUNNING, Client, Enrolment, EnrolmentTransfer, JobRun, ModuleStateDownload, Occurrence, OccurrenceLink,
    OccurrenceStatus, StatusType,
)
from .. import DomainError
from ..clock import utcnow
from ..runs.lifecycle import (
    StartedRun, abandoned, done_keys, end_run, mark_running, record_item, start_run, stopped_by_cancel, under_way,
)
from .claims import forget_claims, new_claims_key
from .download import is_active
from .start_rules import StartRule, start_rule
from .review import SHOW, StudentReview, from_edits, review
from .save import process

KIND = "bulk_result_download"


def eligible_enrolments(integration_ids: list[int] | None = None) -> list[int]:
    query = (select(Enrolment.id)
             .join(Occurrence, Enrolment.occurrence_id == Occurrence.id)
             .join(OccurrenceStatus, Occurrence.status_id == OccurrenceStatus.id)
             .join(EnrolmentTransfer, EnrolmentTransfer.enrolment_id == Enrolment.id)
             .join(OccurrenceLink, (OccurrenceLink.occurrence_id == Occurrence.id) & OccurrenceLink.is_current)
             .where(is_active(), OccurrenceStatus.status_type == StatusType.ACTIVE)
             .order_by(Enrolment.occurrence_id, Enrolment.id))
    if integration_ids is not None:
        query = query.where(OccurrenceLink.integration_id.in_(integration_ids))
    return list(db.session.scalars(query))


def start_bulk_download(actor_id: int | None, integration_ids: list[int] | None = None, *,
                        incremental: bool = False) -> StartedRun:
    """The run under way, or a new one (one bulk run at a time). `incremental`: read again only
    the students whose counters in Canvas moved (download.needs_fetch)."""
    running = under_way(KIND, None)
    if running is not None:
        return StartedRun(running, False)
    ids = eligible_enrolments(integration_ids)
    if not ids:
        raise DomainError("No Active occurrence linked to Canvas has Active enrolments transferred to Canvas, "
                          "so there is nothing to download.")
    return start_run(KIND, None, {"enrolment_ids": ids, "incremental": incremental, **new_claims_key()}, len(ids),
                     actor_id)


def resume(run: JobRun) -> None:
    """Make a stopped or stalled run ready to go on: it fetches only what it has not staged."""
    if run.ended and run.status != "failed" and run.status != "cancelled":
        raise DomainError("This run has finished; start a new one to download again.")
    if run.status == RUNNING and not _stalled(run):
        raise DomainError("This run is still going.")
    try:
        with db.session.begin_nested():
            run.status, run.cancel_requested, run.finished_at, run.message = QUEUED, False, None, None
            run.rq_job_id = None  # the job that held it is over; jobs.start queues a new one
            # The time left is estimated from this session's pace, not from before the stop.
            run.params = {**run.params, "done_before_resume": run.done}
            run.started_at = None
    except IntegrityError:  # one live run per kind and scope
        raise DomainError("Another bulk download is under way: let it finish or cancel it, then resume this one.")
    forget_claims(run)


def progress(run: JobRun) -> dict:
    """Figures for the progress bar: occurrences done, elapsed and estimated time left."""
    per_occurrence = db.session.execute(
        select(Enrolment.occurrence_id, func.count()).where(Enrolment.id.in_(run.params["enrolment_ids"]))
        .group_by(Enrolment.occurrence_id)).all()
    staged = dict(db.session.execute(
        select(ModuleStateDownload.occurrence_id, func.count()).where(ModuleStateDownload.run_id == run.id)
        .group_by(ModuleStateDownload.occurrence_id)).all())
    occurrences_done = sum(1 for occurrence_id, total in per_occurrence if staged.get(occurrence_id, 0) >= total)
    elapsed = ((run.finished_at or utcnow()) - run.started_at).total_seconds() if run.started_at else 0.0
    this_session = max(run.done - run.params.get("done_before_resume", 0), 0)
    remaining = run.total - run.done
    eta = elapsed / this_session * remaining if this_session and remaining and not run.ended else None
    return {"occurrences": len(per_occurrence), "occurrences_done": occurrences_done, "elapsed": elapsed,
            "eta": eta, "stalled": _stalled(run)}


def _stalled(run: JobRun) -> bool:
    """A running run whose worker stopped: Resume goes on with it."""
    return run.status == RUNNING and abandoned(run) is not None


# Review and Process all --------------------------------------------------------------------

PROCESS_KIND = "bulk_result_process"
PAGE_SIZE = 50


def staged_ids(run: JobRun, occurrence_id: int | None = None) -> list[int]:
    """The enrolment ids of the run's staged students, ordered by occurrence, then name."""
    query = (select(ModuleStateDownload.enrolment_id)
             .join(Enrolment, Enrolment.id == ModuleStateDownload.enrolment_id)
             .join(Client, Client.id == Enrolment.client_id)
             .where(ModuleStateDownload.run_id == run.id)
             .order_by(ModuleStateDownload.occurrence_id, Client.last_name, Client.first_name, Enrolment.id))
    if occurrence_id:
        query = query.where(ModuleStateDownload.occurrence_id == occurrence_id)
    return list(db.session.scalars(query))


@dataclass
class StudentPage:
    """One page of the students the filter shows, counted and filtered over every page: the filter
    links count every row of the run, and "Kept" lists the kept rows of all its students, page by
    page. Read by the pager as a query's page is."""
    page: int
    total: int                      # students the filter shows, on every page
    counts: Counter                 # rows of each kind, on every page
    students: list[StudentReview]   # this page's, as reviewed for the page
    per_page: int = PAGE_SIZE

    @property
    def items(self) -> list[int]:
        return [student.enrolment.id for student in self.students]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1

    def counts_with(self, students: list[StudentReview]) -> Counter:
        """The counts after this request changed the page's rows (saved one, opened one)."""
        before = Counter(row.status for student in self.students for row in student.rows)
        after = Counter(row.status for student in students for row in student.rows)
        return self.counts - before + after


def student_page(run: JobRun, rule: StartRule, page: int, occurrence_id: int | None, show: str) -> StudentPage:
    """The page of staged students that `show` (a review filter) lists, out of every student's rows."""
    ids = staged_ids(run, occurrence_id)
    order = {enrolment_id: position for position, enrolment_id in enumerate(ids)}
    everyone = sorted(review(run, rule, enrolment_ids=ids), key=lambda student: order[student.enrolment.id])
    counts = Counter(row.status for student in everyone for row in student.rows)
    shown = [student for student in everyone if show not in SHOW or any(row.status == show for row in student.rows)]
    start = (max(page, 1) - 1) * PAGE_SIZE
    return StudentPage(page, len(shown), counts, shown[start:start + PAGE_SIZE], PAGE_SIZE)


def staged_occurrences(run: JobRun) -> list[Occurrence]:
    ids = select(ModuleStateDownload.occurrence_id).where(ModuleStateDownload.run_id == run.id).distinct()
    return db.session.scalars(select(Occurrence).where(Occurrence.id.in_(ids)).order_by(Occurrence.id)).all()


def start_processing(download: JobRun, rule: StartRule, actor_id: int | None, edits: dict[str, dict]) -> StartedRun:
    """A run that saves every row proposing a change, as the review shows them with this start
    rule; `edits` (review.edits) are rows a person typed over on the page: saved as typed."""
    if not download.ended:
        raise DomainError("Wait for the download to finish before processing.")
    total = db.session.scalar(select(func.count()).select_from(ModuleStateDownload)
                              .where(ModuleStateDownload.run_id == download.id))
    return start_run(PROCESS_KIND, None, {"download_run_id": download.id, "start_rule": rule.kind,
                                          "start_date": rule.on.isoformat() if rule.on else None, "edits": edits,
                                          "tally": {"saved": 0, "skipped": 0, "kept": 0}}, total, actor_id)


def run_processing(run: JobRun) -> None:
    """Process all, as a job: one student at a time, each row its own transaction; resumable."""
    mark_running(run)
    db.session.commit()
    download = db.session.get(JobRun, run.params["download_run_id"])
    on = date.fromisoformat(run.params["start_date"]) if run.params.get("start_date") else None
    rule = start_rule(run.params["start_rule"], on)
    edits = from_edits(run.params.get("edits", {}))
    finished = done_keys(run)
    pending = [e for e in db.session.scalars(select(ModuleStateDownload.enrolment_id).where(
        ModuleStateDownload.run_id == download.id).order_by(ModuleStateDownload.id)) if str(e) not in finished]
    for enrolment_id in pending:
        outcome, students = process(download, rule, run.started_by_id, enrolment_ids=[enrolment_id],
                                    posted={row: values for row, values in edits.items() if row[0] == enrolment_id})
        message = "; ".join([f"saved {what}: {text}" for what, text in outcome.saved] +
                            [f"skipped {what}: {why}" for what, why in outcome.skipped] +
                            [f"kept {what}" for what, _ in outcome.kept] +
                            [f"saved before {what}: {text}" for what, text in outcome.already]) or "nothing to save"
        label = students[0].label if students else str(enrolment_id)
        tally = run.params.get("tally", {})
        run.params = {**run.params, "tally": {"saved": tally.get("saved", 0) + len(outcome.saved),
                                              "skipped": tally.get("skipped", 0) + len(outcome.skipped),
                                              "kept": tally.get("kept", 0) + len(outcome.kept)}}
        record_item(run, enrolment_id, label, "processed", message, ok=not outcome.skipped)
        db.session.commit()
        if stopped_by_cancel(run, "what was saved stays."):
            return
    end_run(run)
    db.session.commit()
