"""The audit log: one entry per change staff make to a recorded thing."""

from ..extensions import db
from ..models import AuditEntry
from .clock import utcnow


def record(actor_id: int | None, entity: str, entity_id: int | None, action: str, summary: str = "",
           changes: dict | None = None) -> AuditEntry:
    entry = AuditEntry(at=utcnow(), user_id=actor_id, entity=entity, entity_id=entity_id, action=action,
                       summary=summary[:255], changes=changes or {})
    db.session.add(entry)
    db.session.flush()
    return entry


def history(entity: str, entity_id: int) -> list[AuditEntry]:
    return db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    ).all()
