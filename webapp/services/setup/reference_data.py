"""Reference data every canvaslink database starts with; safe to apply again.

Existing rows are never changed, so staff edits to names or flags survive re-runs.
"""

from sqlalchemy import select

from ...extensions import db
from ...models import EnrolmentStatus, OccurrenceStatus, ResultType, Role, StatusType, TaskStatus
from ..permissions import ACTIONS, ENTITY_NAMES, set_permission

# (name, national outcome id, final). Every outcome that is not an in-progress one (continuing,
# not yet started, not yet reported) is final: automatic transfers never replace it.
RESULT_TYPES = [
    ("Competent", 20, True),
    ("Not yet competent", 30, True),
    ("Withdrawn", 40, True),
    ("RPL granted", 51, True),
    ("Credit transfer", 60, True),
    ("Continuing enrolment", 70, False),
    ("Not yet started", 85, False),
    ("Not yet reported", 90, False),
]

# (name, order, completes the task)
TASK_STATUSES = [
    ("Not started", 0, False),
    ("In progress", 1, False),
    ("Submitted", 2, False),
    ("Completed", 3, True),
]

OCCURRENCE_STATUSES = [
    ("Open for enrolment", StatusType.ACTIVE),
    ("In progress", StatusType.ACTIVE),
    ("Finished", StatusType.COMPLETED),
    ("Cancelled", StatusType.CANCELLED),
]

ENROLMENT_STATUSES = [
    ("Enrolled", StatusType.ACTIVE),
    ("Completed", StatusType.COMPLETED),
    ("Cancelled", StatusType.CANCELLED),
    ("Withdrawn", StatusType.WITHDRAWN),
]

_TRAINER_EDITS = {("enrolment", "edit"), ("result_transfer", "edit"), ("result_transfer", "add")}

ROLES = {
    "Administrator": ("Everything, including security.", {(e, a) for e in ENTITY_NAMES for a in ACTIONS}),
    "Trainer": ("Sees everything; records enrolment results and transfers them from Canvas.",
                {(e, "view") for e in ENTITY_NAMES} | _TRAINER_EDITS),
    "Read only": ("Sees everything, changes nothing.", {(e, "view") for e in ENTITY_NAMES}),
}


def _ensure(model, key: str, rows: list[dict]) -> None:
    existing = set(db.session.scalars(select(getattr(model, key))))
    for row in rows:
        if row[key] not in existing:
            db.session.add(model(**row))


def ensure_reference_data() -> None:
    _ensure(ResultType, "name", [dict(name=n, national_outcome_id=o, is_final=f) for n, o, f in RESULT_TYPES])
    _ensure(TaskStatus, "name", [dict(name=n, position=p, is_complete=c) for n, p, c in TASK_STATUSES])
    _ensure(OccurrenceStatus, "name", [dict(name=n, status_type=t) for n, t in OCCURRENCE_STATUSES])
    _ensure(EnrolmentStatus, "name", [dict(name=n, status_type=t) for n, t in ENROLMENT_STATUSES])
    existing_roles = set(db.session.scalars(select(Role.name)))
    for name, (description, granted) in ROLES.items():
        if name in existing_roles:
            continue
        role = Role(name=name, description=description)
        db.session.add(role)
        for entity, action in sorted(granted):
            set_permission(role, entity, action, True)
    db.session.flush()
