"""Background work staff can watch: one row per run with its progress, one per item done."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base

QUEUED, RUNNING, FINISHED, FAILED, CANCELLED = "queued", "running", "finished", "failed", "cancelled"


class JobRun(Base):
    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("occurrence.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default=QUEUED)
    # What the run works on (e.g. enrolment ids) and how, as chosen when it started.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)
    # The RQ job that holds the run: the one queued for it, then the one running it (lifecycle.beat), whose
    # worker's heartbeat says whether the run is still going (lifecycle.abandoned).
    rq_job_id: Mapped[str | None] = mapped_column(String(64))
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Updated as the worker finishes each item; a running run that stops beating was killed.
    heartbeat_at: Mapped[datetime | None]
    # The live run of the same work this one was started beside (lifecycle.start_run). No foreign key:
    # clearing it when that run went would make this one a second "only" live run.
    beside_id: Mapped[int | None]

    started_by: Mapped["User | None"] = relationship()  # noqa: F821
    items: Mapped[list["JobRunItem"]] = relationship(back_populates="run", cascade="all, delete-orphan",
                                                     order_by="JobRunItem.id")

    @property
    def ended(self) -> bool:
        return self.status in (FINISHED, FAILED, CANCELLED)


# One live run per kind and scope (an occurrence, or none: every occurrence), and at most one beside
# each: checked by the database, since "is one under way?" then "start one" can race.
LIVE = f"status IN ('{QUEUED}', '{RUNNING}')"
Index("uq_job_run_live", JobRun.kind, func.coalesce(JobRun.occurrence_id, 0), func.coalesce(JobRun.beside_id, 0),
      unique=True, postgresql_where=text(LIVE), sqlite_where=text(LIVE))


class JobRunItem(Base):
    """The outcome for one thing a run worked on, e.g. one student's transfer."""

    __tablename__ = "job_run_item"
    __table_args__ = (UniqueConstraint("run_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("job_run.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(255), default="")
    outcome: Mapped[str] = mapped_column(String(30))
    ok: Mapped[bool] = mapped_column(default=True)
    message: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]

    run: Mapped[JobRun] = relationship(back_populates="items")
