"""Enrolments: enrolling a client creates the training plan and the task list.

Enrolling, a change of status and deleting are announced (services/announcements.py) once
committed, for whatever keeps other systems in step; this module knows none of them.
"""

from datetime import date

from ...extensions import db
from ...models import (
    FROM_PERSON, Client, Enrolment, EnrolmentStatus, EnrolmentTask, Occurrence, ResultProvenance, ResultType,
    TaskStatus, TrainingPlanUnit,
)
from .. import DomainError
from ..announcements import (
    announce, enrolment_added, enrolment_removed, enrolment_status_changed, enrolment_statuses_changed,
)
from ..audit import record_deleted, record_saved, snapshot
from ..clock import utcnow
from .occurrences import check_dates, first_task_status

# What an enrolment's audit entries show, before → after.
AUDITED = ("client", "occurrence_id", "start_date", "end_date", "status")


def enrol(occurrence: Occurrence, client: Client, *, start_date: date | None, end_date: date | None,
          status: EnrolmentStatus, actor_id: int | None = None) -> Enrolment:
    if any(e.client_id == client.id for e in occurrence.enrolments):
        raise DomainError(f"{client} is already enrolled in occurrence {occurrence.id}.", "client_id")
    start_date = start_date or occurrence.start_date
    end_date = end_date or occurrence.end_date
    check_dates(start_date, end_date)
    first_status = first_task_status()
    # Building the enrolment touches lazy relationships; flushing half-built rows would fail.
    with db.session.no_autoflush:
        enrolment = Enrolment(client=client, occurrence=occurrence, start_date=start_date, end_date=end_date,
                              status=status)
        db.session.add(enrolment)
        enrolment.plan_units = [
            TrainingPlanUnit(unit=ou.unit, position=ou.position, planned_start=start_date, planned_end=end_date)
            for ou in occurrence.occurrence_units
        ]
        enrolment.enrolment_tasks = [
            EnrolmentTask(task=task, position=task.position, task_status=first_status) for task in occurrence.tasks
        ]
    db.session.flush()
    record_saved(actor_id, "enrolment", enrolment, AUDITED, None, _what(enrolment))
    announce(enrolment_added, enrolment.id, occurrence_id=occurrence.id, actor_id=actor_id)
    return enrolment


def update_enrolment(enrolment: Enrolment, *, start_date: date | None, end_date: date | None,
                     status: EnrolmentStatus, actor_id: int | None = None) -> None:
    before = _save_enrolment(enrolment, start_date=start_date, end_date=end_date, status=status, actor_id=actor_id)
    if before.id != status.id:
        announce(enrolment_status_changed, enrolment.id, occurrence_id=enrolment.occurrence_id,
                 before=before.name, after=status.name, actor_id=actor_id)


def change_statuses(enrolments: list[Enrolment], status: EnrolmentStatus, *, end_date: date | None,
                    actor_id: int | None = None) -> int:
    """Several enrolments of one occurrence set to one status at once (Enrolments › Change status…),
    each saved and audited as a single edit is; how many changed status. `end_date`: their new end
    date, for a status that ends an enrolment; None keeps each one's. All or none: a date before a
    student's start refuses the whole change, naming them. The change is announced once, for the
    whole batch, so whatever keeps other systems in step acts on it as one."""
    early = [e for e in enrolments if end_date and e.start_date and end_date < e.start_date]
    if early:
        names = ", ".join(f"{e.client.full_name} ({e.start_date:%d/%m/%Y})" for e in early[:5])
        more = f" and {len(early) - 5} more" if len(early) > 5 else ""
        raise DomainError(f"{end_date:%d/%m/%Y} is before the start date of {names}{more}. Type a later end "
                          "date, or leave those students out.", "end_date")
    before = {e.id: _save_enrolment(e, start_date=e.start_date, end_date=end_date or e.end_date, status=status,
                                    actor_id=actor_id) for e in enrolments}
    changed = {enrolment_id: was.name for enrolment_id, was in before.items() if was.id != status.id}
    if changed:
        announce(enrolment_statuses_changed, enrolments[0].occurrence_id, before=changed, after=status.name,
                 actor_id=actor_id)
    return len(changed)


def _save_enrolment(enrolment: Enrolment, *, start_date: date | None, end_date: date | None,
                    status: EnrolmentStatus, actor_id: int | None) -> EnrolmentStatus:
    """Save an edit of the enrolment and audit it; the status it had before."""
    check_dates(start_date, end_date)
    before = enrolment.status
    audited = snapshot(enrolment, AUDITED)
    enrolment.start_date, enrolment.end_date, enrolment.status = start_date, end_date, status
    db.session.flush()
    record_saved(actor_id, "enrolment", enrolment, AUDITED, audited, _what(enrolment))
    return before


def record_unit_result(plan_unit: TrainingPlanUnit, *, result_type: ResultType | None,
                       start: date | None, end: date | None) -> None:
    """Set (or clear, with result_type None) a unit result on the training plan."""
    if result_type is not None and start is None:
        raise DomainError(f"{plan_unit.unit.code}: a result needs a start date.", "result_start")
    check_dates(start, end, "result_end")
    plan_unit.result_type = result_type
    plan_unit.result_start = start if result_type else None
    plan_unit.result_end = end if result_type else None
    db.session.flush()


def set_task_status(enrolment_task: EnrolmentTask, *, status: TaskStatus | None, on: date | None) -> None:
    enrolment_task.task_status = status
    enrolment_task.status_date = on
    db.session.flush()


def enter_unit_result(plan_unit: TrainingPlanUnit, actor_id: int, *, result_type: ResultType | None,
                      start: date | None, end: date | None, date_source: str | None = None) -> None:
    """A person records a unit result on the training plan: it is theirs, and stands until a person
    replaces it (automatic transfers from Canvas never do). Saving it unchanged records nothing.
    `date_source`: where the person took the date from, kept with the result's provenance."""
    before = (plan_unit.result_type, plan_unit.result_start, plan_unit.result_end)
    previous = _describe(*before)
    record_unit_result(plan_unit, result_type=result_type, start=start, end=end)
    if (plan_unit.result_type, plan_unit.result_start, plan_unit.result_end) != before:
        _entered(plan_unit.enrolment_id, actor_id, previous,
                 _describe(plan_unit.result_type, plan_unit.result_start, plan_unit.result_end),
                 plan_unit_id=plan_unit.id, date_source=date_source)


def enter_task_status(enrolment_task: EnrolmentTask, actor_id: int, *, status: TaskStatus | None,
                      on: date | None) -> None:
    """A person records a task status: theirs, as for unit results."""
    before = (enrolment_task.task_status, enrolment_task.status_date)
    previous = _describe_status(*before)
    set_task_status(enrolment_task, status=status, on=on)
    if (enrolment_task.task_status, enrolment_task.status_date) != before:
        _entered(enrolment_task.enrolment_id, actor_id, previous, _describe_status(status, on),
                 enrolment_task_id=enrolment_task.id)


def _describe(outcome, start: date | None, end: date | None) -> str:
    """As the review of Canvas results reads a result: "Continuing enrolment 05/10/2026 – 05/10/2027"."""
    if outcome is None:
        return "—"
    dates = [f"{start:%d/%m/%Y}" if start else "", f"{end:%d/%m/%Y}" if end else ""]
    return f"{outcome.name} {' – '.join(dates).strip()}".strip() if start or end else outcome.name


def _describe_status(status, on: date | None) -> str:
    return f"{status.name} {on:%d/%m/%Y}" if status and on else (status.name if status else "—")


def _entered(enrolment_id: int, actor_id: int, previous: str, saved: str, **target) -> None:
    db.session.add(ResultProvenance(enrolment_id=enrolment_id, source=FROM_PERSON, previous=previous[:255],
                                    saved=saved[:255], processed_by_id=actor_id, processed_at=utcnow(), **target))
    db.session.flush()


def _what(enrolment: Enrolment) -> str:
    return f"the enrolment of {enrolment.client} in occurrence {enrolment.occurrence_id}"


def delete_enrolment(enrolment: Enrolment, actor_id: int | None = None) -> None:
    record_deleted(actor_id, "enrolment", enrolment, AUDITED, _what(enrolment))
    announce(enrolment_removed, enrolment.id, occurrence_id=enrolment.occurrence_id, client_id=enrolment.client_id,
             actor_id=actor_id)
    db.session.delete(enrolment)
    db.session.flush()
