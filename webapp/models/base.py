"""Declarative base shared by every model.

Constraint names follow a fixed convention so Alembic can alter them by name on both
SQLite (batch mode) and PostgreSQL.
"""

import enum

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

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
