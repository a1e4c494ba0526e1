"""Clients: the students."""

from datetime import date

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Versioned


class Client(Versioned, Base):
    __tablename__ = "client"
    __table_args__ = (Index("uq_client_canvas_user_id", "canvas_user_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254))
    date_of_birth: Mapped[date | None]
    # Set by enrolment transfer, or typed in by an advanced user to link an existing Canvas account.
    # One client per Canvas user (services/canvas_sync/sharing.py).
    canvas_user_id: Mapped[int | None]

    enrolments: Mapped[list["Enrolment"]] = relationship(back_populates="client")  # noqa: F821

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def __str__(self) -> str:
        return f"{self.full_name} ({self.code})"
