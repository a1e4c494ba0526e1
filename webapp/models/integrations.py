"""LMS integrations (one configured Canvas instance each) and their wizard drafts."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Versioned

ENROL_ACTIVE = "active"
ENROL_INVITED = "invited"
# What leaving a class does to the student's Canvas enrolment (reference §5.4).
LEAVE_CONCLUDE, LEAVE_DEACTIVATE, LEAVE_DELETE = "conclude", "deactivate", "delete"


class LmsIntegration(Versioned, Base):
    __tablename__ = "lms_integration"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Page 1: what it is
    name: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str | None] = mapped_column(String(40))
    product: Mapped[str] = mapped_column(String(20), default="canvas")
    transfer_units: Mapped[bool] = mapped_column(default=True)
    transfer_tasks: Mapped[bool] = mapped_column(default=False)
    # Page 2: where and how to reach it. Secrets are Fernet tokens (services/integrations/secrets.py), never plain text.
    base_url: Mapped[str] = mapped_column(String(255))
    account_id: Mapped[str] = mapped_column(String(40), default="self")
    client_id: Mapped[str | None] = mapped_column(String(80))
    client_secret_enc: Mapped[str | None] = mapped_column(Text)
    access_token_enc: Mapped[str | None] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None]
    token_acts_as: Mapped[str | None] = mapped_column(String(200))
    # When Canvas last rejected the token and renewing it failed, and what Canvas said; cleared by
    # the next call that works (services/integrations/token_failures.py).
    token_failed_at: Mapped[datetime | None]
    token_failure: Mapped[str | None] = mapped_column(Text)
    enrol_mode: Mapped[str] = mapped_column(String(10), default=ENROL_ACTIVE)
    limit_to_section: Mapped[bool] = mapped_column(default=True)
    notify: Mapped[bool] = mapped_column(default=False)
    time_zone: Mapped[str] = mapped_column(String(64), default="Australia/Sydney")
    # Page 2, keeping Canvas in step: what leaving a class does there, new enrolments, changes to a student.
    leave_action: Mapped[str] = mapped_column(String(12), default=LEAVE_CONCLUDE)
    conclude_on_completed: Mapped[bool] = mapped_column(default=False)
    auto_transfer: Mapped[bool] = mapped_column(default=False)
    push_login_changes: Mapped[bool] = mapped_column(default=False)
    invitation_days: Mapped[int] = mapped_column(default=7)
    # Gone quiet: an Active student with no activity in Canvas for this many days is a Canvas exception.
    quiet_days: Mapped[int] = mapped_column(default=14, server_default="14")
    # The mass-change guard: a run ending access for more students than this, or for more than
    # this share of a section, waits for a person to confirm it.
    guard_students: Mapped[int] = mapped_column(default=10)
    guard_percent: Mapped[int] = mapped_column(default=25)
    # Page 3: unit results
    result_on_start: Mapped[bool] = mapped_column(default=True)
    result_on_start_type_id: Mapped[int | None] = mapped_column(ForeignKey("result_type.id"))
    result_on_complete: Mapped[bool] = mapped_column(default=True)
    result_on_complete_type_id: Mapped[int | None] = mapped_column(ForeignKey("result_type.id"))
    started_end_months: Mapped[int] = mapped_column(default=12)
    # Page 4: task statuses
    task_on_start: Mapped[bool] = mapped_column(default=True)
    task_on_start_status_id: Mapped[int | None] = mapped_column(ForeignKey("task_status.id"))
    task_on_complete: Mapped[bool] = mapped_column(default=True)
    task_on_complete_status_id: Mapped[int | None] = mapped_column(ForeignKey("task_status.id"))
    # Unattended: pull results every night and save what needs no person. Started units are
    # saved only with a start-date rule ("enrolment", "plan", "unlock"); without one they wait for review.
    nightly_pull: Mapped[bool] = mapped_column(default=False)
    nightly_start_rule: Mapped[str | None] = mapped_column(String(20))

    result_on_start_type: Mapped["ResultType | None"] = relationship(foreign_keys=[result_on_start_type_id])  # noqa: F821
    result_on_complete_type: Mapped["ResultType | None"] = relationship(  # noqa: F821
        foreign_keys=[result_on_complete_type_id])
    task_on_start_status: Mapped["TaskStatus | None"] = relationship(foreign_keys=[task_on_start_status_id])  # noqa: F821
    task_on_complete_status: Mapped["TaskStatus | None"] = relationship(  # noqa: F821
        foreign_keys=[task_on_complete_status_id])

    @property
    def transfer_levels(self) -> str:
        return " and ".join(level for level, on in (("units", self.transfer_units), ("tasks", self.transfer_tasks))
                            if on)

    def __str__(self) -> str:
        return self.name


class IntegrationDraft(Base):
    """An Add/Edit wizard in progress, addressed by its random id in the URL.

    Kept in the database, never in the cookie session: a reload or a second tab finds its
    own draft, and secrets typed into page 2 never travel to the browser again.
    """

    __tablename__ = "integration_draft"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    integration_id: Mapped[int | None] = mapped_column(ForeignKey("lms_integration.id", ondelete="CASCADE"))
    # The version of the integration this Edit was opened at: Finish over a newer one is refused.
    integration_version: Mapped[int | None]
    step: Mapped[int] = mapped_column(default=1)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # Encrypted JSON of the secrets typed or obtained in this draft (client secret, tokens).
    secrets_enc: Mapped[str | None] = mapped_column(Text)
    # Hash of the OAuth `state` sent to Canvas; the callback must bring back its original.
    oauth_state_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    integration: Mapped[LmsIntegration | None] = relationship()
