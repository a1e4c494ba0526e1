"""Dates as the RTO writes them: dd/mm/yyyy (3/4/2026 is the 3rd of April), read the same way by
every form and by the services that take typed values (the results review)."""

import re
from datetime import date

HINT = "dd/mm/yyyy"
MESSAGE = "Enter the date as dd/mm/yyyy, e.g. 31/03/2026."
# What staff type (3/4/2026 is the 3rd of April), and ISO yyyy-mm-dd, which links and hidden
# fields carry and which cannot be misread (the year comes first).
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


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
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"There is no such date as {text}. {MESSAGE}") from None
