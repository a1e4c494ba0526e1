"""Who changed what, when. Secret values are never written here, only that they changed."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(String(255), default="")
    # {field: [before, after]}; secrets appear as "set"/"replaced"/"removed", never their value.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    # The version a change left a versioned record at (models.base.Versioned): what changed since
    # the version a refused form was opened at is every entry above it.
    record_version: Mapped[int | None]

    user: Mapped["User | None"] = relationship()  # noqa: F821
