"""What canvaslink knows of Canvas: occurrence ↔ section links, the course's modules and
their mappings to units/tasks, and which enrolments were transferred."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Versioned


class OccurrenceLink(Base):
    """An occurrence linked to the Canvas section whose SIS ID is the occurrence ID.

    Unlinking sets `unlinked_at` and keeps the row, its modules and mappings as history;
    the current link of an occurrence is the one with no `unlinked_at`.
    """

    __tablename__ = "occurrence_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrence.id", ondelete="CASCADE"), index=True)
    # Kept as history when the integration is deleted (only allowed once nothing is linked through it).
    integration_id: Mapped[int | None] = mapped_column(ForeignKey("lms_integration.id", ondelete="SET NULL"))
    canvas_course_id: Mapped[int]
    canvas_course_name: Mapped[str] = mapped_column(String(255))
    canvas_section_id: Mapped[int]
    canvas_section_name: Mapped[str] = mapped_column(String(255))
    linked_at: Mapped[datetime]
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    modules_updated_at: Mapped[datetime | None]
    unlinked_at: Mapped[datetime | None]
    unlinked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    occurrence: Mapped["Occurrence"] = relationship()  # noqa: F821
    integration: Mapped["LmsIntegration | None"] = relationship()  # noqa: F821
    linked_by: Mapped["User | None"] = relationship(foreign_keys=[linked_by_id])  # noqa: F821
    unlinked_by: Mapped["User | None"] = relationship(foreign_keys=[unlinked_by_id])  # noqa: F821
    modules: Mapped[list["CanvasModule"]] = relationship(
        back_populates="link", cascade="all, delete-orphan", order_by="CanvasModule.position")
    assessments: Mapped[list["CanvasAssessment"]] = relationship(
        back_populates="link", cascade="all, delete-orphan", order_by="CanvasAssessment.position")
    # When the course's assignment list was last read (Update Canvas assessment list).
    assessments_updated_at: Mapped[datetime | None]

    @hybrid_property
    def is_current(self) -> bool:
        """The link results and enrolments go through; an unlinked one is history."""
        return self.unlinked_at is None

    @is_current.inplace.expression
    @classmethod
    def _is_current(cls):
        return cls.unlinked_at.is_(None)


class CanvasModule(Versioned, Base):
    """A module of the linked course and what it maps to. Gone from Canvas → `removed_at`, never deleted."""

    __tablename__ = "canvas_module"
    __table_args__ = (UniqueConstraint("link_id", "canvas_module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("occurrence_link.id", ondelete="CASCADE"))
    canvas_module_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(default=0)
    unlock_at: Mapped[datetime | None]
    # Items with a completion requirement; 0: Canvas completes it for every student who may enter
    # it, so it is no evidence. None: not known (the list was last updated before this was kept).
    requirement_count: Mapped[int | None]
    removed_at: Mapped[datetime | None]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    # True while the mapping is canvaslink's own suggestion; a person's choice clears it.
    unit_auto: Mapped[bool] = mapped_column(default=False)
    task_auto: Mapped[bool] = mapped_column(default=False)
    # The module's name when it was last mapped: a later rename in Canvas (a course copy, an edit)
    # may mean the mapping no longer fits, which mapping health shows.
    mapped_name: Mapped[str | None] = mapped_column(String(255))

    link: Mapped[OccurrenceLink] = relationship(back_populates="modules")
    unit: Mapped["Unit | None"] = relationship()  # noqa: F821
    task: Mapped["Task | None"] = relationship()  # noqa: F821


class CanvasAssessment(Versioned, Base):
    """An assignment of the linked course and the task it is evidence for (an *assessment*). Kept as
    modules are: gone from Canvas → `removed_at`; a deliberate "not mapped" stays; a rename is shown.
    An unpublished or ungraded assignment is kept and flagged, and is never evidence."""

    __tablename__ = "canvas_assessment"
    __table_args__ = (UniqueConstraint("link_id", "canvas_assignment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("occurrence_link.id", ondelete="CASCADE"))
    canvas_assignment_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(default=0)
    published: Mapped[bool] = mapped_column(default=True)
    grading_type: Mapped[str] = mapped_column(String(20), default="points")
    points_possible: Mapped[float | None]
    grading_standard_id: Mapped[int | None]
    # Letter grades: the scheme's entry names, looked up (assignment's, course's, or an account's) when the
    # list was read, so that downloads need not; Canvas's default (A to F) when neither names one; []
    # not letter grades; None: Canvas did not give the scheme named, so no grade of it is evidence.
    scheme: Mapped[list | None] = mapped_column(JSON)
    post_manually: Mapped[bool] = mapped_column(default=False)
    removed_at: Mapped[datetime | None]
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"))
    task_auto: Mapped[bool] = mapped_column(default=False)
    mapped_name: Mapped[str | None] = mapped_column(String(255))

    link: Mapped[OccurrenceLink] = relationship(back_populates="assessments")
    task: Mapped["Task | None"] = relationship()  # noqa: F821


# The access canvaslink last gave a student in Canvas (EnrolmentTransfer.access).
ACCESS_LIVE, ACCESS_ENDED = "live", "ended"
# Who last set a Canvas enrolment's state, as the pages say it: canvaslink's transfer, its sync, or
# someone in Canvas (seen when canvaslink read the section).
BY_TRANSFER, BY_SYNC, BY_CANVAS = "transfer", "sync", "canvas"


class EnrolmentTransfer(Base):
    """An enrolment as it stands in Canvas: who the student is there and their enrollment.

    When the enrolment is deleted (the student removed from the occurrence) the row stays, without
    its enrolment, until canvaslink has ended the student's access in Canvas.
    """

    __tablename__ = "enrolment_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment.id", ondelete="SET NULL"), unique=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id", ondelete="SET NULL"))
    link_id: Mapped[int] = mapped_column(ForeignKey("occurrence_link.id", ondelete="CASCADE"))
    canvas_user_id: Mapped[int]
    canvas_enrollment_id: Mapped[int]
    canvas_state: Mapped[str] = mapped_column(String(20))
    # When the state was set or first seen, and by whom (BY_*).
    canvas_state_at: Mapped[datetime | None]
    canvas_state_by: Mapped[str | None] = mapped_column(String(10))
    # When canvaslink last read the state from Canvas (Refresh from Canvas, a sync, the nightly run).
    refreshed_at: Mapped[datetime | None]
    # ACCESS_LIVE or ACCESS_ENDED: what canvaslink last carried out. A sync acts only when the
    # enrolment now asks for other access, so it never undoes what a teacher changed in Canvas.
    access: Mapped[str] = mapped_column(String(10), default=ACCESS_LIVE, server_default=ACCESS_LIVE)
    # The run whose mass-change guard holds this student's loss of access until a person confirms,
    # and when the guard first held it (a later run holding it again keeps that time).
    held_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_run.id", ondelete="SET NULL"))
    held_at: Mapped[datetime | None]
    # Why the last attempt to change this enrolment in Canvas failed; cleared when one succeeds.
    sync_error: Mapped[str | None] = mapped_column(Text)
    # Engagement, as Canvas's enrolment gives it (reference §5.2): the student's last activity in the
    # course (None: never active), their total activity time in seconds, and when canvaslink read them.
    last_activity_at: Mapped[datetime | None]
    total_activity_seconds: Mapped[int | None]
    activity_read_at: Mapped[datetime | None]
    # The last listing came without them: the integration's Canvas user may not view usage reports.
    activity_withheld: Mapped[bool] = mapped_column(default=False, server_default=false())
    transferred_at: Mapped[datetime]
    transferred_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    enrolment: Mapped["Enrolment | None"] = relationship(back_populates="transfer")  # noqa: F821
    client: Mapped["Client | None"] = relationship()  # noqa: F821
    link: Mapped[OccurrenceLink] = relationship()
    transferred_by: Mapped["User | None"] = relationship()  # noqa: F821


class AccessEnding(Base):
    """A student's Canvas access that the mass-change guard let a sync end: what the guard counts per
    integration over its rolling window (services/canvas_sync/guard.py).

    Written when the guard lets the ending through, before the call, so that two runs deciding at
    once each count the other's; removed again when the ending did not happen (the call failed, the
    run was cancelled), since the next sync tries it and counts it then. `confirmed`: a person typed
    the count for it, so it is never counted against the guard again.
    """

    __tablename__ = "access_ending"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("lms_integration.id", ondelete="CASCADE"), index=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrence.id", ondelete="CASCADE"))
    run_id: Mapped[int] = mapped_column(ForeignKey("job_run.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(40))   # the run item's key: the enrolment id, or "t<transfer id>"
    at: Mapped[datetime] = mapped_column(index=True)
    confirmed: Mapped[bool] = mapped_column(default=False)
