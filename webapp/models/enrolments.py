"""Enrolments, their training plan (units with results) and task statuses."""

from datetime import date

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StatusType, Versioned


class EnrolmentStatus(Base):
    __tablename__ = "enrolment_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    status_type: Mapped[StatusType] = mapped_column(Enum(StatusType, native_enum=False, length=20))

    def __str__(self) -> str:
        return self.name


class Enrolment(Versioned, Base):
    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("client_id", "occurrence_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrence.id"))
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    status_id: Mapped[int] = mapped_column(ForeignKey("enrolment_status.id"))

    client: Mapped["Client"] = relationship(back_populates="enrolments")  # noqa: F821
    occurrence: Mapped["Occurrence"] = relationship(back_populates="enrolments")  # noqa: F821
    status: Mapped[EnrolmentStatus] = relationship()
    plan_units: Mapped[list["TrainingPlanUnit"]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan", order_by="TrainingPlanUnit.position"
    )
    enrolment_tasks: Mapped[list["EnrolmentTask"]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan", order_by="EnrolmentTask.position"
    )
    # Deleting the enrolment keeps its transfer (without it) until the student's Canvas access has ended.
    transfer: Mapped["EnrolmentTransfer | None"] = relationship(  # noqa: F821
        back_populates="enrolment", uselist=False)


class TrainingPlanUnit(Versioned, Base):
    """A unit on an enrolment's training plan with its recorded unit result."""

    __tablename__ = "training_plan_unit"
    __table_args__ = (UniqueConstraint("enrolment_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    position: Mapped[int] = mapped_column(default=0)
    planned_start: Mapped[date | None]
    planned_end: Mapped[date | None]
    result_type_id: Mapped[int | None] = mapped_column(ForeignKey("result_type.id"))
    result_start: Mapped[date | None]
    result_end: Mapped[date | None]

    enrolment: Mapped[Enrolment] = relationship(back_populates="plan_units")
    unit: Mapped["Unit"] = relationship()  # noqa: F821
    result_type: Mapped["ResultType | None"] = relationship()  # noqa: F821
    provenance: Mapped[list["ResultProvenance"]] = relationship(  # noqa: F821
        order_by="ResultProvenance.processed_at.desc()", viewonly=True)


class EnrolmentTask(Versioned, Base):
    __tablename__ = "enrolment_task"
    __table_args__ = (UniqueConstraint("enrolment_id", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    task_status_id: Mapped[int | None] = mapped_column(ForeignKey("task_status.id"))
    status_date: Mapped[date | None]

    enrolment: Mapped[Enrolment] = relationship(back_populates="enrolment_tasks")
    task: Mapped["Task"] = relationship()  # noqa: F821
    task_status: Mapped["TaskStatus | None"] = relationship()  # noqa: F821
    provenance: Mapped[list["ResultProvenance"]] = relationship(  # noqa: F821
        order_by="ResultProvenance.processed_at.desc()", viewonly=True)
