"""Occurrences (classes), their units, tasks and the task matrix."""

from datetime import date

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StatusType, Versioned


class OccurrenceStatus(Base):
    __tablename__ = "occurrence_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    status_type: Mapped[StatusType] = mapped_column(Enum(StatusType, native_enum=False, length=20))

    def __str__(self) -> str:
        return self.name


class Occurrence(Versioned, Base):
    __tablename__ = "occurrence"

    # The occurrence ID; Canvas sections carry it as their SIS ID.
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    program_name: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    status_id: Mapped[int] = mapped_column(ForeignKey("occurrence_status.id"))

    status: Mapped[OccurrenceStatus] = relationship()
    occurrence_units: Mapped[list["OccurrenceUnit"]] = relationship(
        back_populates="occurrence", cascade="all, delete-orphan", order_by="OccurrenceUnit.position"
    )
    tasks: Mapped[list["Task"]] = relationship(
        back_populates="occurrence", cascade="all, delete-orphan", order_by="Task.position"
    )
    enrolments: Mapped[list["Enrolment"]] = relationship(back_populates="occurrence")  # noqa: F821

    @property
    def units(self):
        return [ou.unit for ou in self.occurrence_units]

    def __str__(self) -> str:
        return f"{self.id} {self.name}"


class OccurrenceUnit(Base):
    __tablename__ = "occurrence_unit"
    __table_args__ = (UniqueConstraint("occurrence_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrence.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    position: Mapped[int] = mapped_column(default=0)

    occurrence: Mapped[Occurrence] = relationship(back_populates="occurrence_units")
    unit: Mapped["Unit"] = relationship()  # noqa: F821


class Task(Base):
    __tablename__ = "task"
    __table_args__ = (UniqueConstraint("occurrence_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrence.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    occurrence: Mapped[Occurrence] = relationship(back_populates="tasks")
    matrix: Mapped[list["TaskUnit"]] = relationship(back_populates="task", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.name


class TaskUnit(Base):
    """One cell pair of the task matrix: does this task start and/or complete this unit."""

    __tablename__ = "task_unit"
    __table_args__ = (UniqueConstraint("task_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    starts: Mapped[bool] = mapped_column(default=False)
    completes: Mapped[bool] = mapped_column(default=False)

    task: Mapped[Task] = relationship(back_populates="matrix")
