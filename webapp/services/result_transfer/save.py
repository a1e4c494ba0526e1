"""Save: the rows of a review, each in its own transaction, with where the result came from.

Nothing automatic replaces a result a person entered or a final outcome: the pure decision keeps
those rows (proposals.KEPT), and saving asks it again about what stands at that moment. Only a
person choosing a row (Replace) replaces one, and that is audited.
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from ...extensions import db
from ...models import (
    FROM_CANVAS, FROM_PERSON, EnrolmentTask, JobRun, ResultProvenance, ResultType, TaskStatus, TrainingPlanUnit,
)
from .. import DomainError
from ..audit import record
from ..clock import naive_utc, utcnow
from ..sms.enrolments import record_unit_result, set_task_status
from .values import COMPLETED, INVALID, KEPT, UP_TO_DATE
from .start_rules import StartRule
from .kept import check_dates, kept_task_reason, kept_unit_reason
from .wording import describe, describe_status
from .review import (
    Row, RowValues, StudentReview, current_result, current_task, outcome_of_status, outcome_of_type, review,
)

ADD, REPLACE = "add", "replace"
ACTIONS = (ADD, REPLACE)  # the buttons that name one row


@dataclass
class Processed:
    """What a processing run did, in staff's words: (row label, what was saved / why not)."""
    saved: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)
    # Rows that already hold what they would save (saved before: a second press of Process all or
    # Add, or another request meanwhile): done, so neither saved twice nor waiting for a person.
    already: list[tuple[str, str]] = field(default_factory=list)


class AlreadySaved(Exception):
    """What the row would save stands already: another request saved it meanwhile."""


def process(run: JobRun, rule: StartRule, actor_id: int | None, *,
            posted: dict[tuple[int, str], RowValues] | None = None, chosen: tuple[int, str] | None = None,
            action: str = ADD, enrolment_ids: list[int] | None = None) -> tuple[Processed, list[StudentReview]]:
    """Process all: save every row that proposes a change, each in its own transaction, as the page
    showed it (`posted`: what was typed on its rows). Or, with `chosen`, the one row a person chose:
    Add saves it even when its dates are in doubt; Replace replaces a kept result.

    Rows whose dates are missing or in doubt are skipped with the reason; kept rows are counted as
    kept, never saved. Returns what happened and the review, its rows marked, for the page."""
    students = review(run, rule, enrolment_ids=enrolment_ids, posted=posted)
    by_this_run = _saved_by(run, students)
    outcome = Processed()
    for student in students:
        for row in student.rows:
            here = (student.enrolment.id, row.key)
            if chosen is not None and here != chosen:
                continue
            label = f"{student.label}: {row.proposal.label}"
            already = _already_saved(student, row, by_this_run)
            if already:
                row.opened = row.typed = False  # shown as it stands, not open for replacing
                outcome.already.append((label, already))
                continue
            why_not = _why_not(row, chosen=here == chosen, action=action)
            if why_not == KEPT:
                outcome.kept.append((label, row.proposal.reason))
                continue
            if why_not is not None:
                if why_not:
                    row.note = why_not
                    outcome.skipped.append((label, why_not))
                continue
            try:
                saved = _save(run, student, row, actor_id, chosen=here == chosen, replacing=action == REPLACE)
                db.session.commit()
            except AlreadySaved as done:
                db.session.rollback()
                outcome.already.append((label, str(done)))
            except DomainError as err:
                db.session.rollback()
                row.note = err.message
                outcome.skipped.append((label, err.message))
            else:
                row.saved = saved
                outcome.saved.append((label, saved))
    return outcome, students


def _target(student: StudentReview, row: Row) -> TrainingPlanUnit | EnrolmentTask | None:
    """The training plan unit or task the row saves to."""
    if row.proposal.kind == "unit":
        return next((pu for pu in student.enrolment.plan_units if pu.unit_id == row.proposal.target_id), None)
    return next((et for et in student.enrolment.enrolment_tasks if et.task_id == row.proposal.target_id), None)


def _already_saved(student: StudentReview, row: Row, by_this_run: dict[tuple[str, int], str]) -> str | None:
    """What this download's processing saved on the row before, when the row asks for nothing else
    (a second press of Process all or Add); None otherwise."""
    target = _target(student, row)
    if row.proposal.status not in (KEPT, UP_TO_DATE) or target is None:
        return None
    saved = by_this_run.get(_key(target.id, None) if row.proposal.kind == "unit" else _key(None, target.id))
    if saved is None or (row.typed and not _stands(target, row.values, row.proposal.kind)):
        return None
    return saved


def _stands(target: TrainingPlanUnit | EnrolmentTask, values: RowValues, kind: str) -> bool:
    """Whether the record holds exactly what the row would save."""
    if kind == "unit":
        return ((target.result_type_id, target.result_start, target.result_end)
                == (values.outcome_id, values.start, values.end))
    return (target.task_status_id, target.status_date) == (values.outcome_id, values.end or values.start)


def _saved_by(run: JobRun, students: list[StudentReview]) -> dict[tuple[str, int], str]:
    """("u", plan unit id) / ("t", enrolment task id) whose result or status stands as this
    download's processing saved it (its newest provenance is of this run) → what it saved."""
    enrolment_ids = [student.enrolment.id for student in students]
    if not enrolment_ids:
        return {}
    newest = {}
    for provenance in db.session.scalars(select(ResultProvenance).where(
            ResultProvenance.enrolment_id.in_(enrolment_ids)).order_by(ResultProvenance.processed_at,
                                                                        ResultProvenance.id)):
        newest[_key(provenance.plan_unit_id, provenance.enrolment_task_id)] = provenance
    return {key: provenance.saved for key, provenance in newest.items() if provenance.run_id == run.id}


def _hold(record: TrainingPlanUnit | EnrolmentTask) -> None:
    """Lock the record's row until this row's transaction ends, then read what stands now: a save of
    the same row running meanwhile (a second press) is waited for, and what it saved is seen. The
    lock is taken on the row alone; the record's eagerly joined relations cannot be locked with it."""
    model = type(record)
    db.session.execute(select(model.id).where(model.id == record.id).with_for_update())
    db.session.refresh(record)


def _key(plan_unit_id: int | None, enrolment_task_id: int | None) -> tuple[str, int]:
    return ("u", plan_unit_id) if plan_unit_id is not None else ("t", enrolment_task_id)


def _why_not(row: Row, *, chosen: bool, action: str) -> str | None:
    """None: go on and save. KEPT: a kept row, counted. "": nothing to do. Else why it was skipped."""
    status = row.proposal.status
    if status == UP_TO_DATE:
        return "Nothing to save: already up to date." if chosen else ""
    if status == KEPT and not (chosen and action == REPLACE):
        if chosen:
            return f"{row.proposal.reason} Choose Replace… on the row to replace it."
        if row.typed:
            return f"{row.proposal.reason} What was typed on the row was not saved: press Replace on the row."
        return KEPT
    if status != KEPT and action == REPLACE and chosen:
        return "Nothing to replace: the result is no longer kept. Reload the page."
    return None


def _save(run: JobRun, student: StudentReview, row: Row, actor_id: int | None, *, chosen: bool,
          replacing: bool) -> str:
    proposal, values = row.proposal, row.values
    completed = proposal.canvas_state == COMPLETED
    if values.problem:  # never save a row on a date nobody typed
        raise DomainError(values.problem)
    if values.outcome_id is None:
        raise DomainError("Choose the result or status to record.")
    enrolment = student.enrolment
    refusal, doubt = check_dates(proposal.kind, completed, values.start, values.end,
                                 (enrolment.start_date, enrolment.end_date), student.context.today)
    if refusal:
        raise DomainError(proposal.reason if proposal.status == INVALID and not row.typed else refusal)
    if doubt and not chosen:
        raise DomainError(f"{doubt} Check it; Add on the row saves it as it is.")
    save = _save_unit if proposal.kind == "unit" else _save_task
    return save(run, student, row, actor_id, replacing)


def _source(row: Row) -> str:
    """A result is a person's own entry when they chose another outcome than Canvas's proposal."""
    proposed = row.proposal.proposed
    return FROM_CANVAS if proposed is not None and row.values.outcome_id == proposed.id else FROM_PERSON


def _save_unit(run: JobRun, student: StudentReview, row: Row, actor_id: int | None, replacing: bool) -> str:
    proposal, values, context = row.proposal, row.values, student.context
    plan_unit = db.session.scalar(select(TrainingPlanUnit).where(
        TrainingPlanUnit.enrolment_id == student.enrolment.id, TrainingPlanUnit.unit_id == proposal.target_id))
    result_type = db.session.get(ResultType, values.outcome_id)
    if plan_unit is None or result_type is None:
        raise DomainError("The training plan changed; download again.")
    _hold(plan_unit)
    if _stands(plan_unit, values, "unit"):
        raise AlreadySaved(describe(result_type.name, values.start, values.end))
    # What stands may have changed since the review: ask the one place that decides again.
    current = current_result(plan_unit, context.defaults.time_zone)
    kept = kept_unit_reason(current, outcome_of_type(result_type), proposal.canvas_state == COMPLETED,
                            context.defaults)
    if kept and not replacing:
        raise DomainError(kept)
    previous = describe(plan_unit.result_type.name if plan_unit.result_type else None, plan_unit.result_start,
                        plan_unit.result_end)
    record_unit_result(plan_unit, result_type=result_type, start=values.start, end=values.end)
    saved = describe(result_type.name, values.start, values.end)
    _provenance(run, student, row, previous, saved, actor_id, kept if replacing else "", plan_unit_id=plan_unit.id)
    return saved


def _save_task(run: JobRun, student: StudentReview, row: Row, actor_id: int | None, replacing: bool) -> str:
    proposal, values, context = row.proposal, row.values, student.context
    enrolment_task = db.session.scalar(select(EnrolmentTask).where(
        EnrolmentTask.enrolment_id == student.enrolment.id, EnrolmentTask.task_id == proposal.target_id))
    status = db.session.get(TaskStatus, values.outcome_id)
    if enrolment_task is None or status is None:
        raise DomainError("The occurrence's tasks changed; download again.")
    _hold(enrolment_task)
    if _stands(enrolment_task, values, "task"):
        raise AlreadySaved(describe_status(status.name, values.end or values.start))
    kept = kept_task_reason(current_task(enrolment_task, context.defaults.time_zone), outcome_of_status(status))
    if kept and not replacing:
        raise DomainError(kept)
    on = values.end or values.start
    previous = describe_status(enrolment_task.task_status.name if enrolment_task.task_status else None,
                               enrolment_task.status_date)
    set_task_status(enrolment_task, status=status, on=on)
    saved = describe_status(status.name, on)
    _provenance(run, student, row, previous, saved, actor_id, kept if replacing else "",
                enrolment_task_id=enrolment_task.id)
    return saved


def _provenance(run: JobRun, student: StudentReview, row: Row, previous: str, saved: str, actor_id: int | None,
                replaced: str, **target) -> None:
    """Where the saved result came from; a replaced staff decision or final outcome is audited too."""
    proposal, link = row.proposal, student.context.link
    db.session.add(ResultProvenance(
        enrolment_id=student.enrolment.id, integration_id=link.integration_id, run_id=run.id, source=_source(row),
        replaced_decision=bool(replaced), canvas_modules=", ".join(proposal.modules),
        canvas_state=proposal.canvas_state,
        canvas_completed_at=naive_utc(proposal.completed_at),
        previous=previous[:255], saved=saved[:255], processed_by_id=actor_id, processed_at=utcnow(), **target))
    if replaced:
        record(actor_id, "enrolment", student.enrolment.id, "replace",
               f"Replaced {proposal.label}: {previous} → {saved}. It was kept ({replaced})",
               {proposal.label: [previous, saved]})
    db.session.flush()
