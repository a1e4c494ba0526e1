"""Enrolments: enrolling a client creates the training plan and the task list."""

from datetime import date

from ..extensions import db
from ..models import (
    Client, Enrolment, EnrolmentStatus, EnrolmentTask, Occurrence, ResultType, TaskStatus, TrainingPlanUnit,
)
from . import DomainError
from .occurrences import check_dates, first_task_status


def enrol(occurrence: Occurrence, client: Client, *, start_date: date | None, end_date: date | None,
          status: EnrolmentStatus) -> Enrolment:
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
    return enrolment


def update_enrolment(enrolment: Enrolment, *, start_date: date | None, end_date: date | None,
                     status: EnrolmentStatus) -> None:
    check_dates(start_date, end_date)
    enrolment.start_date, enrolment.end_date, enrolment.status = start_date, end_date, status
    db.session.flush()


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


def delete_enrolment(enrolment: Enrolment) -> None:
    db.session.delete(enrolment)
    db.session.flush()
