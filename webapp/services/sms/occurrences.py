"""Occurrences: their units, tasks and task matrix.

Adding a unit or task to an occurrence also adds it to every existing enrolment's
training plan, so the plan always mirrors the occurrence.
"""

from datetime import date

from sqlalchemy import func, select, text

from ...extensions import db
from ...models import EnrolmentTask, Occurrence, OccurrenceUnit, Task, TaskStatus, TaskUnit, TrainingPlanUnit, Unit
from .. import DomainError
from ..audit import record_deleted, record_saved, snapshot

# What an occurrence's audit entries show, before → after.
AUDITED = ("name", "program_name", "start_date", "end_date", "status")


def save_occurrence(occurrence: Occurrence | None, values: dict, actor_id: int | None = None) -> Occurrence:
    """Create (occurrence None) or update, audited. A new occurrence may be given its id."""
    check_dates(values.get("start_date"), values.get("end_date"))
    new_id = values.pop("id", None)
    before = None if occurrence is None else snapshot(occurrence, AUDITED)
    if occurrence is None:
        if new_id is not None and db.session.get(Occurrence, new_id) is not None:
            raise DomainError(f"Occurrence ID {new_id} is already used.", "id")
        occurrence = Occurrence(id=new_id)
        db.session.add(occurrence)
    for field, value in values.items():
        setattr(occurrence, field, value)
    db.session.flush()
    if new_id is not None:
        _advance_id_sequence()
    record_saved(actor_id, "occurrence", occurrence, AUDITED, before, f"occurrence {occurrence}")
    return occurrence


def _advance_id_sequence() -> None:
    """PostgreSQL's serial would later hand out an id we assigned by hand; move it past them."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(
            "SELECT setval(pg_get_serial_sequence('occurrence', 'id'), (SELECT MAX(id) FROM occurrence))"
        ))


def check_dates(start: date | None, end: date | None, field: str = "end_date") -> None:
    if start and end and end < start:
        raise DomainError("The end date is before the start date.", field)


def delete_occurrence(occurrence: Occurrence, actor_id: int | None = None) -> None:
    if occurrence.enrolments:
        raise DomainError(
            f"Occurrence {occurrence.id} has {len(occurrence.enrolments)} enrolment(s); delete or move them first."
        )
    record_deleted(actor_id, "occurrence", occurrence, AUDITED, f"occurrence {occurrence}")
    db.session.delete(occurrence)
    db.session.flush()


def add_unit(occurrence: Occurrence, unit: Unit) -> None:
    if any(ou.unit_id == unit.id for ou in occurrence.occurrence_units):
        raise DomainError(f"{unit.code} is already a unit of this occurrence.", "unit_id")
    position = len(occurrence.occurrence_units)
    occurrence.occurrence_units.append(OccurrenceUnit(unit=unit, position=position))
    for enrolment in occurrence.enrolments:
        enrolment.plan_units.append(TrainingPlanUnit(
            unit=unit, position=position, planned_start=enrolment.start_date, planned_end=enrolment.end_date,
        ))
    db.session.flush()


def remove_unit(occurrence: Occurrence, unit: Unit) -> None:
    """Refused once any enrolment has a result for the unit: results are never lost silently."""
    with_results = db.session.scalar(
        select(func.count()).select_from(TrainingPlanUnit)
        .where(TrainingPlanUnit.unit_id == unit.id, TrainingPlanUnit.result_type_id.is_not(None))
        .where(TrainingPlanUnit.enrolment.has(occurrence_id=occurrence.id))
    )
    if with_results:
        raise DomainError(
            f"{unit.code} has results recorded for {with_results} enrolment(s) in this occurrence; "
            "it cannot be removed."
        )
    for enrolment in occurrence.enrolments:
        enrolment.plan_units = [pu for pu in enrolment.plan_units if pu.unit_id != unit.id]
    for task in occurrence.tasks:
        task.matrix = [cell for cell in task.matrix if cell.unit_id != unit.id]
    occurrence.occurrence_units = [ou for ou in occurrence.occurrence_units if ou.unit_id != unit.id]
    db.session.flush()


def add_task(occurrence: Occurrence, name: str) -> Task:
    name = name.strip()
    if not name:
        raise DomainError("Give the task a name.", "name")
    if any(t.name.lower() == name.lower() for t in occurrence.tasks):
        raise DomainError(f"This occurrence already has a task named “{name}”.", "name")
    task = Task(name=name, position=len(occurrence.tasks))
    occurrence.tasks.append(task)
    first_status = first_task_status()
    for enrolment in occurrence.enrolments:
        enrolment.enrolment_tasks.append(EnrolmentTask(task=task, position=task.position, task_status=first_status))
    db.session.flush()
    return task


def remove_task(task: Task) -> None:
    started = db.session.scalar(
        select(func.count()).select_from(EnrolmentTask)
        .join(TaskStatus, EnrolmentTask.task_status_id == TaskStatus.id)
        .where(EnrolmentTask.task_id == task.id, TaskStatus.position > first_task_status_position())
    )
    if started:
        raise DomainError(f"“{task.name}” has progress recorded for {started} enrolment(s); it cannot be removed.")
    db.session.delete(task)
    db.session.flush()


def set_matrix_cell(task: Task, unit: Unit, kind: str, value: bool) -> TaskUnit:
    """Say whether `task` starts (kind "starts") or completes (kind "completes") `unit`."""
    if kind not in ("starts", "completes"):
        raise ValueError(kind)
    if unit.id not in {ou.unit_id for ou in task.occurrence.occurrence_units}:
        raise DomainError(f"{unit.code} is not a unit of this occurrence.")
    cell = next((c for c in task.matrix if c.unit_id == unit.id), None)
    if cell is None:
        cell = TaskUnit(unit_id=unit.id, starts=False, completes=False)
        task.matrix.append(cell)
    setattr(cell, kind, value)
    db.session.flush()
    return cell


def matrix_lookup(occurrence: Occurrence) -> dict[tuple[int, int], TaskUnit]:
    return {(cell.task_id, cell.unit_id): cell for task in occurrence.tasks for cell in task.matrix}


def first_task_status() -> TaskStatus | None:
    return db.session.scalar(select(TaskStatus).order_by(TaskStatus.position, TaskStatus.id).limit(1))


def first_task_status_position() -> int:
    status = first_task_status()
    return status.position if status else 0
