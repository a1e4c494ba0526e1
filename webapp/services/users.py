"""Staff accounts and sign-in, with throttling of repeated failures."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import LoginAttempt, Role, User
from . import DomainError

MIN_PASSWORD_LENGTH = 10


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"Use at least {MIN_PASSWORD_LENGTH} characters for the password.", "password")


def create_user(username: str, display_name: str, password: str, roles: list[Role] = (),
                email: str | None = None) -> User:
    username = username.strip().lower()
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username)):
        raise DomainError(f"The username “{username}” is taken.", "username")
    check_password_rules(password)
    user = User(username=username, display_name=display_name.strip() or username, email=email,
                password_hash=generate_password_hash(password), roles=list(roles))
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    check_password_rules(password)
    user.password_hash = generate_password_hash(password)
    db.session.flush()


class SignInRefused(DomainError):
    pass


def sign_in(username: str, password: str, remote_addr: str, *, max_failures: int, window_minutes: int,
            now: datetime | None = None) -> User:
    """The user for these credentials, or SignInRefused with a message that reveals nothing
    about which part was wrong. Each attempt is recorded; too many recent failures for the
    username or the address lock further attempts until the window passes."""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    username = username.strip().lower()
    since = now - timedelta(minutes=window_minutes)
    failures = db.session.scalar(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False),
            or_(LoginAttempt.username == username, LoginAttempt.remote_addr == remote_addr),
        )
    )
    if failures >= max_failures:
        raise SignInRefused(
            f"Too many failed sign-in attempts. Wait {window_minutes} minutes and try again, "
            "or ask an administrator to check your account."
        )
    user = db.session.scalar(select(User).where(func.lower(User.username) == username))
    ok = user is not None and user.active and check_password_hash(user.password_hash, password)
    db.session.add(LoginAttempt(username=username, remote_addr=remote_addr, at=now, succeeded=ok))
    db.session.flush()
    if not ok:
        raise SignInRefused("Wrong username or password.")
    return user
