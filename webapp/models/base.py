"""Declarative base shared by every model.

Constraint names follow a fixed convention so Alembic can alter them by name on both
SQLite (batch mode) and PostgreSQL.
"""

import enum

from sqlalchemy import MetaData, event, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class StatusType(str, enum.Enum):
    """What a configurable status means to the system; names are shown to staff."""

    ACTIVE = "Active"
    COMPLETED = "Completed"
    CANCELLED = "Cancelled"
    WITHDRAWN = "Withdrawn"


class Versioned:
    """A record people edit in forms. Its `version` goes up with every change to its columns,
    whoever makes it (a person's save, a job's write), so that a person's save can carry the version
    its form was opened at and be refused over a newer one (services/versions.py). Only that check
    refuses anything: a job's write is never checked, so a bump never stops or crashes a job."""

    version: Mapped[int] = mapped_column(default=1, server_default="1")


@event.listens_for(Versioned, "before_update", propagate=True)
def _bump_version(mapper, connection, target) -> None:
    # Raised in the UPDATE itself (version = version + 1): two writers that both loaded version 3
    # leave 5, never a second 4 that a form opened between them would take for its own.
    # A change only to related rows (an enrolment's training plan, an occurrence's tasks) is none.
    state = inspect(target)
    if state.attrs.version.history.has_changes():
        return  # bumped by hand already (services/versions.py touch)
    if any(state.attrs[column.key].history.has_changes() for column in mapper.column_attrs):
        target.version = type(target).version + 1
