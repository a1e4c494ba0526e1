"""Result transfer from Canvas: module states staged per run and enrolment, and the provenance
of every result or task status saved from them."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class ModuleStateDownload(Base):
    """One student's module states as Canvas gave them, staged as they arrive.

    A run that stops half-way keeps what it fetched; resuming fetches only the missing ones.
    """

    __tablename__ = "module_state_download"
    __table_args__ = (UniqueConstraint("run_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("job_run.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"))
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrence.id", ondelete="CASCADE"))
    canvas_user_id: Mapped[int]
    # [{"id", "name", "state", "completed_at", "unlock_at"}] with ISO-8601 UTC times; None when `error`.
    states: Mapped[list | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    # The student's enrolment state in Canvas when it has ended there (completed, inactive, ...):
    # Canvas no longer shows such a student's progress (reference §11.6), which is no failure.
    canvas_state: Mapped[str | None] = mapped_column(String(20))
    fetched_at: Mapped[datetime]

    enrolment: Mapped["Enrolment"] = relationship()  # noqa: F821


class CanvasProgress(Base):
    """What the last download learned of one enrolment's student in Canvas, for the next
    incremental download: the course-level counters (bulk_user_progress, reference §3.2) and
    the module states read with them. A student whose counters have not moved keeps these
    states until they are older than the refresh age."""

    __tablename__ = "canvas_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), unique=True)
    canvas_course_id: Mapped[int]
    requirement_count: Mapped[int]
    requirement_completed_count: Mapped[int]
    completed_at: Mapped[datetime | None]
    states: Mapped[list] = mapped_column(JSON)
    states_fetched_at: Mapped[datetime]


# Where a saved result came from: Canvas's proposal as it stood (saved by a run, or by a person
# who took it), or a person's own entry (typed on the training plan, or a different outcome
# chosen on the review). Automatic transfers never replace a person's entry.
FROM_CANVAS, FROM_PERSON = "canvas", "person"


class ResultProvenance(Base):
    """Where a saved unit result or task status came from, and what it replaced. Every save of a
    result or status writes one, so the newest says who decided the result that stands."""

    __tablename__ = "result_provenance"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    plan_unit_id: Mapped[int | None] = mapped_column(ForeignKey("training_plan_unit.id", ondelete="CASCADE"))
    enrolment_task_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment_task.id", ondelete="CASCADE"))
    integration_id: Mapped[int | None] = mapped_column(ForeignKey("lms_integration.id", ondelete="SET NULL"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("job_run.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(10), default=FROM_CANVAS, server_default=FROM_CANVAS)
    # A person chose to replace a result that was kept as a staff decision or a final outcome.
    replaced_decision: Mapped[bool] = mapped_column(default=False, server_default=false())
    canvas_modules: Mapped[str | None] = mapped_column(Text)   # the module names behind the row
    canvas_state: Mapped[str | None] = mapped_column(String(20))
    canvas_completed_at: Mapped[datetime | None]
    previous: Mapped[str] = mapped_column(String(255))         # e.g. "Continuing enrolment 05/10/2026 – …"
    saved: Mapped[str] = mapped_column(String(255))
    # Where the saved date came from, when a person chose it from evidence: "the last activity in Canvas …".
    date_source: Mapped[str | None] = mapped_column(Text)
    processed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    processed_at: Mapped[datetime]

    integration: Mapped["LmsIntegration | None"] = relationship()  # noqa: F821
    processed_by: Mapped["User | None"] = relationship()  # noqa: F821
