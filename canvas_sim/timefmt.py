"""Canvas's timestamps: UTC ISO-8601 with a `Z`, second precision."""

from datetime import datetime, timezone


def to_iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str | datetime | None) -> datetime | None:
    """Accepts what forms, JSON and seeds send; a naive time is taken as UTC."""
    if text in (None, ""):
        return None
    moment = text if isinstance(text, datetime) else datetime.fromisoformat(str(text))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def from_timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)
