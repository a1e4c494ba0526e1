"""Staff accounts and sign-in, with throttling of repeated failures."""

import secrets as random_tokens
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ...extensions import db
from ...models import LoginAttempt, Role, User
from .. import DomainError
from ..clock import utcnow

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
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: cookies carry the session version, which no longer matches."""
    user.session_version += 1
    db.session.flush()


class SignInRefused(DomainError):
    pass


@dataclass(frozen=True)
class SignInLimits:
    """Failures within the window that lock further attempts: per username, and (higher, as staff
    behind one proxy or office NAT share an address) per address."""
    per_username: int
    per_address: int
    window_minutes: int


@cache
def _dummy_hash() -> str:
    """A hash to verify when the username is unknown, so that answer takes as long as a wrong password."""
    return generate_password_hash(random_tokens.token_urlsafe(16))


def record_attempt(username: str, remote_addr: str, now: datetime | None = None) -> LoginAttempt:
    """Count an attempt as failed before any password is checked. The caller commits at once:
    parallel attempts then see each other, so no more passwords are checked than the limits allow."""
    attempt = LoginAttempt(username=username.strip().lower(), remote_addr=remote_addr,
                           at=now or utcnow(), succeeded=False)
    db.session.add(attempt)
    db.session.flush()
    return attempt


def _failures(attempt: LoginAttempt, limits: SignInLimits, column) -> int:
    since = attempt.at - timedelta(minutes=limits.window_minutes)
    return db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False), column == getattr(attempt, column.key)))


def sign_in(attempt: LoginAttempt, password: str, limits: SignInLimits) -> User:
    """The user for a recorded attempt (see record_attempt), or SignInRefused with a message that
    reveals nothing about which part was wrong. Counts include this attempt itself."""
    if (_failures(attempt, limits, LoginAttempt.username) > limits.per_username
            or _failures(attempt, limits, LoginAttempt.remote_addr) > limits.per_address):
        db.session.delete(attempt)  # refused unchecked: it guessed nothing, so it extends no lock
        db.session.flush()
        raise SignInRefused(
            f"Too many failed sign-in attempts. Wait {limits.window_minutes} minutes and try again, "
            "or ask an administrator to check your account."
        )
    user = db.session.scalar(select(User).where(func.lower(User.username) == attempt.username))
    matches = check_password_hash(user.password_hash if user is not None else _dummy_hash(), password)
    attempt.succeeded = matches and user is not None and user.active
    db.session.flush()
    if not attempt.succeeded:
        raise SignInRefused("Wrong username or password.")
    return user
