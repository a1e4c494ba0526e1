"""The audit log: one entry per change staff make to a recorded thing."""

from collections.abc import Iterable
from datetime import date

from ..extensions import db
from ..models import AuditEntry
from .clock import utcnow


def record(actor_id: int | None, entity: str, entity_id: int | None, action: str, summary: str = "",
           changes: dict | None = None, *, version: int | None = None) -> AuditEntry:
    """`version`: the version the change left a versioned record at (services/versions.py says what
    changed since a refused form was opened from the entries above it)."""
    entry = AuditEntry(at=utcnow(), user_id=actor_id, entity=entity, entity_id=entity_id, action=action,
                       summary=summary[:255], changes=changes or {}, record_version=version)
    db.session.add(entry)
    db.session.flush()
    return entry


def readable(value):
    """A field's value as the audit log keeps it (JSON) and staff read it: dates as dd/mm/yyyy, a
    related record (a status) by its name, an empty text as nothing (a form's empty field)."""
    if value == "":
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def snapshot(obj, fields: Iterable[str]) -> dict:
    """The audited fields of a record as the audit log keeps them; taken before a change, it is the
    `before` of `changes_since` and `record_saved`."""
    return {field: readable(getattr(obj, field)) for field in fields}


def changes_since(obj, fields: Iterable[str], before: dict | None) -> dict:
    """Each of `fields` that differs from `before` (a `snapshot`; None: all, the record is new),
    as [before, after]."""
    after = snapshot(obj, fields)
    old = before if before is not None else dict.fromkeys(after)
    return {field: [old[field], value] for field, value in after.items() if old[field] != value}


def record_saved(actor_id: int | None, entity: str, obj, fields: Iterable[str], before: dict | None,
                 what: str) -> AuditEntry | None:
    """Audit a record just added (`before` None) or edited: each field that changed, before → after.
    An edit that changed nothing is not recorded."""
    changes = changes_since(obj, fields, before)
    if before is not None and not changes:
        return None
    creating = before is None
    return record(actor_id, entity, obj.id, "create" if creating else "edit",
                  f"{'Added' if creating else 'Edited'} {what}", changes, version=getattr(obj, "version", None))


def record_deleted(actor_id: int | None, entity: str, obj, fields: Iterable[str], what: str) -> AuditEntry:
    """Audit a record about to be deleted, with what it held."""
    return record(actor_id, entity, obj.id, "delete", f"Deleted {what}",
                  {field: [value, None] for field, value in snapshot(obj, fields).items() if value is not None})


def history(entity: str, entity_id: int) -> list[AuditEntry]:
    return db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    ).all()
