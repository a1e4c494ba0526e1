"""Units of competency, and the configurable outcomes recorded against them and tasks."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Versioned


class Unit(Versioned, Base):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(255))

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ResultType(Versioned, Base):
    """A unit result, e.g. Competent (national outcome 20)."""

    __tablename__ = "result_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    national_outcome_id: Mapped[int]
    # A final result is never replaced by an automatic transfer (no downgrades).
    is_final: Mapped[bool] = mapped_column(default=False)

    def __str__(self) -> str:
        return f"{self.name} ({self.national_outcome_id})"


class TaskStatus(Versioned, Base):
    __tablename__ = "task_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    # A task at a completing status is never moved back by an automatic transfer.
    is_complete: Mapped[bool] = mapped_column(default=False)

    def __str__(self) -> str:
        return self.name
