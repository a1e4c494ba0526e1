"""Time as canvaslink keeps it, and dates as the RTO types them.

The database keeps UTC times without a time zone ("naive"); Canvas and the OAuth server give
aware ones or epoch seconds. Every conversion between them goes through this module, so no
caller drops a time zone without first converting to UTC. Dates are typed and read as
dd/mm/yyyy (3/4/2026 is the 3rd of April) by every form and by the services that take typed
values (the results review)."""

import re
from datetime import date, datetime, timezone


def utcnow() -> datetime:
    """Now, as the database keeps times: UTC, naive."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def naive_utc(moment: datetime | None) -> datetime | None:
    """An aware time converted to UTC, then stored naive; a naive one is UTC already."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def aware_utc(moment: datetime | None) -> datetime | None:
    """A stored (naive UTC) or aware time, as an aware one."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def parse_utc(text: str | None) -> datetime | None:
    """An ISO-8601 time as staged or sent by Canvas ("…Z" too), as an aware UTC one."""
    return aware_utc(datetime.fromisoformat(text.replace("Z", "+00:00"))) if text else None


def from_epoch(seconds: float | None) -> datetime | None:
    """Epoch seconds (OAuth token expiry), as stored: naive UTC."""
    return datetime.fromtimestamp(seconds, timezone.utc).replace(tzinfo=None) if seconds is not None else None


def to_epoch(moment: datetime | None) -> float | None:
    aware = aware_utc(moment)
    return aware.timestamp() if aware else None


# Dates as the RTO writes them ------------------------------------------------------------------

HINT = "dd/mm/yyyy"
MESSAGE = "Enter the date as dd/mm/yyyy, e.g. 31/03/2026."
# What staff type (3/4/2026 is the 3rd of April), and ISO yyyy-mm-dd, which links and hidden
# fields carry and which cannot be misread (the year comes first).
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# No date an RTO records lies outside these (a student's birth, a unit's result), and a day
# near year 1 or 9999 breaks the arithmetic done on it: a month added, a day boundary in UTC.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def parse_day(text: str | None) -> date | None:
    """The date typed, None for an empty box; ValueError (with MESSAGE) for anything else."""
    text = (text or "").strip()
    if not text:
        return None
    if match := _DAY_FIRST.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise ValueError(MESSAGE)
    try:
        typed = date(year, month, day)
    except ValueError:
        raise ValueError(f"There is no such date as {text}. {MESSAGE}") from None
    if not FIRST_DAY <= typed <= LAST_DAY:
        raise ValueError(f"{text} is outside the dates canvaslink keeps: enter a date from "
                         f"{FIRST_DAY:%d/%m/%Y} to {LAST_DAY:%d/%m/%Y}.")
    return typed
