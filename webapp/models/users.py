"""Staff users, roles and the role × entity × action permission matrix."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Versioned

user_role = Table(
    "user_role",
    Base.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the id the session cookie carries; bumping it ends every session of this user.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    roles: Mapped[list["Role"]] = relationship(secondary=user_role, back_populates="users", order_by="Role.name")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in for deactivated staff
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __str__(self) -> str:
        return self.display_name


class Role(Versioned, Base):
    __tablename__ = "role"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(255), default="")

    users: Mapped[list[User]] = relationship(secondary=user_role, back_populates="roles", order_by="User.username")
    permissions: Mapped[list["RolePermission"]] = relationship(
        back_populates="role", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.name


class RolePermission(Base):
    """One granted cell of the matrix; an absent row means not granted."""

    __tablename__ = "role_permission"
    __table_args__ = (UniqueConstraint("role_id", "entity", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(10))

    role: Mapped[Role] = relationship(back_populates="permissions")


class LoginAttempt(Base):
    """Sign-in attempts, kept to throttle password guessing per username and per address."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    succeeded: Mapped[bool]
