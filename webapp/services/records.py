"""Create, update and delete for the simple reference records (clients, units, ...).

Uniqueness and "still in use" are checked here so staff get a message naming the
field, never a database error page. Every change is audited here, with its fields before → after.
"""

from collections.abc import Callable, Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from . import DomainError
from .audit import record_deleted, record_saved, snapshot


def same_text(column, value):
    """Codes and names compare case-insensitively: "bsbwhs411" is BSBWHS411. SQLite lowers only
    ASCII, so the exact value is asked for too (it is what a unique constraint refuses)."""
    return or_(column == value, func.lower(column) == str(value).lower())


def _check_unique(model, obj, values: dict, unique: Iterable[str], label: str) -> None:
    for field in unique:
        value = values.get(field)
        if value is None or value == "":
            continue
        query = select(model.id).where(same_text(getattr(model, field), value))
        if obj is not None and obj.id is not None:
            query = query.where(model.id != obj.id)
        if db.session.scalar(query) is not None:
            raise DomainError(f"Another {label} already has {field.replace('_', ' ')} “{value}”.", field)


def save_record(model, obj, values: dict, *, unique: Iterable[str] = (), label: str, entity: str,
                actor_id: int | None):
    """Insert (obj None) or update obj with values, audited as `entity`; returns the record."""
    _check_unique(model, obj, values, unique, label)
    before = None if obj is None else snapshot(obj, values)
    if obj is None:
        obj = model()
        db.session.add(obj)
    for field, value in values.items():
        setattr(obj, field, value)
    db.session.flush()
    record_saved(actor_id, entity, obj, values, before, f"{label} {obj}")
    return obj


def delete_record(obj, *, label: str, entity: str, fields: Iterable[str], actor_id: int | None,
                  in_use: Callable[[object], str | None] | None = None) -> None:
    """Delete obj, or refuse with the reason when other records still point at it. The audit entry
    keeps its `fields` as they were."""
    reason = in_use(obj) if in_use else None
    if reason:
        raise DomainError(f"This {label} cannot be deleted: {reason}")
    what = f"{label} {obj}"
    record_deleted(actor_id, entity, obj, fields, what)
    try:
        with db.session.begin_nested():
            db.session.delete(obj)
    except IntegrityError:
        raise DomainError(f"This {label} cannot be deleted while other records refer to it.") from None
