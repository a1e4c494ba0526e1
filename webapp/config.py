"""Configuration from the environment, with local defaults that just run."""

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def instance_path() -> str | None:
    """CANVASLINK_INSTANCE: where the generated keys and the SQLite file live (None: Flask's instance/)."""
    return os.environ.get("CANVASLINK_INSTANCE") or None


def _database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'canvaslink.db'}"
    # We ship psycopg 3; plain postgres URLs would make SQLAlchemy look for psycopg2.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _encryption_keys(instance: Path) -> list[str]:
    """Fernet keys for Canvas secrets: CANVASLINK_ENCRYPTION_KEY (comma-separated, newest first),
    else instance/encryption_key (written by `make run`). None means secrets cannot be saved."""
    text = os.environ.get("CANVASLINK_ENCRYPTION_KEY", "")
    if not text and (instance / "encryption_key").exists():
        text = (instance / "encryption_key").read_text()
    return [key.strip() for key in text.split(",") if key.strip()]


def _trusted_proxies() -> int:
    text = os.environ.get("CANVASLINK_TRUSTED_PROXIES", "0").strip() or "0"
    if not text.isdigit():
        raise SystemExit(f"CANVASLINK_TRUSTED_PROXIES must be the number of proxies in front of canvaslink, "
                         f"not “{text}”.")
    return int(text)


def _time_zone() -> str:
    """CANVASLINK_TIME_ZONE, checked now rather than on the first page that shows a time."""
    name = os.environ.get("CANVASLINK_TIME_ZONE") or "Australia/Sydney"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"CANVASLINK_TIME_ZONE={name!r} is not a time zone; use a name such as "
                         "Australia/Sydney or Australia/Perth.") from None
    return name


def nightly_schedule(env: Mapping[str, str] = os.environ) -> tuple[str, str]:
    """When the nightly Canvas sync and then the result transfer are enqueued: cron expressions read in
    the RTO's time zone (CANVASLINK_TIME_ZONE; webapp/cron.py)."""
    return (env.get("CANVASLINK_NIGHTLY_SYNC_CRON") or "0 2 * * *",
            env.get("CANVASLINK_NIGHTLY_CRON") or "30 2 * * *")


@dataclass(frozen=True)
class MailSettings:
    """Where the nightly summary goes and through which SMTP server. Without an address nothing is
    sent; in development, or without a host, the summary is only logged."""

    to: str | None
    host: str | None
    port: int
    user: str | None
    password: str
    sender: str | None
    log_only: bool


def mail_settings(env: Mapping[str, str] = os.environ) -> MailSettings:
    port = (env.get("CANVASLINK_SMTP_PORT") or "25").strip()
    if not port.isdigit():
        raise SystemExit(f"CANVASLINK_SMTP_PORT must be a port number, not “{port}”.")
    return MailSettings(to=env.get("CANVASLINK_NIGHTLY_EMAIL_TO") or None, host=env.get("CANVASLINK_SMTP_HOST") or None,
                        port=int(port), user=env.get("CANVASLINK_SMTP_USER") or None,
                        password=env.get("CANVASLINK_SMTP_PASSWORD", ""), sender=env.get("CANVASLINK_SMTP_FROM") or None,
                        log_only=env.get("CANVASLINK_ENV") == "development" or not env.get("CANVASLINK_SMTP_HOST"))


def _log_format() -> str:
    text = (os.environ.get("CANVASLINK_LOG_FORMAT") or "text").strip().lower()
    if text not in ("text", "json"):
        raise SystemExit(f"CANVASLINK_LOG_FORMAT must be text or json, not “{text}”.")
    return text


def _log_level() -> str:
    text = (os.environ.get("CANVASLINK_LOG_LEVEL") or "INFO").strip().upper()
    if text not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SystemExit(f"CANVASLINK_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not “{text}”.")
    return text


def from_environment(instance_path: str) -> dict:
    instance = Path(instance_path)
    development = os.environ.get("CANVASLINK_ENV", "production") == "development"
    return {
        "SQLALCHEMY_DATABASE_URI": _database_url(instance),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "SECRET_KEY": _secret_key(instance),
        "ENCRYPTION_KEYS": _encryption_keys(instance),
        # Local development runs over plain http on 127.0.0.1; everywhere else cookies need TLS.
        "SESSION_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_SECURE": not development,
        "CANVASLINK_ENV": "development" if development else "production",
        # X-Forwarded-* are believed only from this many proxies in front (0: the address is the peer's).
        "TRUSTED_PROXIES": _trusted_proxies(),
        # A Canvas address on a private or loopback network (the simulator; a self-hosted Canvas).
        "CANVAS_ALLOW_PRIVATE_ADDRESSES":
            os.environ.get("CANVASLINK_ALLOW_PRIVATE_CANVAS", "").lower() in ("1", "true", "yes"),
        # Where times are shown when no LMS integration says otherwise.
        "RTO_TIME_ZONE": _time_zone(),
        # How long a worker's hold on a Canvas request slot or on an occurrence of a download lasts
        # unless renewed: a worker that dies lets go of them after this many seconds.
        "LEASE_SECONDS": float(os.environ.get("CANVASLINK_LEASE_SECONDS") or 30),
        "MAIL": mail_settings(),
        # /metrics answers this machine (loopback) without it; anyone else must send it as a bearer token.
        "METRICS_TOKEN": os.environ.get("CANVASLINK_METRICS_TOKEN") or None,
        "LOG_FORMAT": _log_format(),
        "LOG_LEVEL": _log_level(),
    }


DEFAULTS = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session; staff keep tabs open all day
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # Bodies beyond this are refused (413) before they are read; the largest form, a result review
    # page, is far smaller. MAX_FORM_PARTS caps the fields of any form (webapp/request_limits.py).
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "MAX_FORM_PARTS": 5000,
    "PAGE_SIZE": 25,
    # Sign-in throttle: this many failures for a username within the window lock that username; an
    # address (shared by everyone behind one proxy or office network) locks only after many more.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_MAX_ADDRESS_FAILURES": 50,
    "LOGIN_WINDOW_MINUTES": 15,
    # With no worker beating (a web process on its own), transfers of up to this many students finish
    # while the page waits; with one, every run goes to it and the page shows its progress (jobs.start).
    "TRANSFER_INLINE_LIMIT": 5,
    # The same for result downloads (one Canvas call per student).
    "DOWNLOAD_INLINE_LIMIT": 40,
}
