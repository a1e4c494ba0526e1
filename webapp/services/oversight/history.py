"""An occurrence's history in one list: its link and module mappings, its students' transfers to
Canvas, every change canvaslink made in Canvas for it (who or what triggered it, the call, the
outcome), and the results saved for its enrolments."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import (
    FROM_CANVAS, AuditEntry, Client, Enrolment, EnrolmentTask, Occurrence, ResultProvenance, Task, TrainingPlanUnit,
    Unit,
)
from .audit_words import change_lines, field_label


@dataclass(frozen=True)
class Event:
    at: datetime
    who: str
    what: str
    lines: list[str] = field(default_factory=list)


def occurrence_history(occurrence: Occurrence, limit: int = 200, *, audit: bool, results: bool) -> list[Event]:
    """The newest `limit` events, newest first. Audit entries (who changed what, the Canvas calls) only
    with `audit`, for those who may view the audit log; saved results only with `results`, for those
    who may view enrolments and their results."""
    entries = _audit_entries(occurrence, limit) if audit else []
    saves = _saves(occurrence, limit) if results else []
    events = [_from_audit(entry) for entry in entries] + [_from_save(*row) for row in saves]
    return sorted(events, key=lambda event: event.at, reverse=True)[:limit]


def _audit_entries(occurrence: Occurrence, limit: int) -> list[AuditEntry]:
    enrolment_ids = select(Enrolment.id).where(Enrolment.occurrence_id == occurrence.id)
    return db.session.scalars(
        select(AuditEntry).where(or_(
            and_(AuditEntry.entity == "occurrence", AuditEntry.entity_id == occurrence.id),
            and_(AuditEntry.entity == "enrolment", AuditEntry.entity_id.in_(enrolment_ids))))
        .options(joinedload(AuditEntry.user)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)).all()


def _saves(occurrence: Occurrence, limit: int) -> list:
    return db.session.execute(
        select(ResultProvenance, Client, Unit.code, Task.name)
        .join(Enrolment, Enrolment.id == ResultProvenance.enrolment_id).join(Client, Client.id == Enrolment.client_id)
        .outerjoin(TrainingPlanUnit, TrainingPlanUnit.id == ResultProvenance.plan_unit_id)
        .outerjoin(Unit, Unit.id == TrainingPlanUnit.unit_id)
        .outerjoin(EnrolmentTask, EnrolmentTask.id == ResultProvenance.enrolment_task_id)
        .outerjoin(Task, Task.id == EnrolmentTask.task_id)
        .where(Enrolment.occurrence_id == occurrence.id).options(joinedload(ResultProvenance.processed_by))
        .order_by(ResultProvenance.processed_at.desc()).limit(limit)).all()


def _from_audit(entry: AuditEntry) -> Event:
    changes = entry.changes or {}
    if entry.action in ("modules", "mapping"):
        lines = [f"{what}: {change[0] or '—'} → {change[1] or '—'}" for what, change in sorted(changes.items())]
    elif entry.action in ("create", "edit", "delete"):
        lines = change_lines(changes)
    else:
        lines = [f"{field_label(key)}: {changes[key]}" for key in ("trigger", "call", "outcome") if changes.get(key)]
    return Event(entry.at, entry.user.display_name if entry.user else "canvaslink", entry.summary, lines)


def _from_save(save: ResultProvenance, client: Client, unit_code: str | None, task_name: str | None) -> Event:
    source = "from Canvas" if save.source == FROM_CANVAS else "entered by a person"
    return Event(save.processed_at, save.processed_by.display_name if save.processed_by else "canvaslink",
                 f"Result saved for {client.full_name} ({client.code}), {unit_code or task_name}: "
                 f"{save.previous} → {save.saved} ({source})",
                 ([f"Canvas modules: {save.canvas_modules}"] if save.canvas_modules else [])
                 + ([f"Assessment: {save.canvas_assignment}, handed in, awaiting marking"]
                    if save.canvas_assignment and save.canvas_grade is None else [])
                 + ([f"Assessment: {save.canvas_assignment}, graded {save.canvas_grade} by "
                     f"{save.canvas_grader_name or 'Canvas user'} ({save.canvas_grader_id})"]
                    if save.canvas_assignment and save.canvas_grade is not None else []))
