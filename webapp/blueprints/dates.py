"""Dates as the RTO writes them: dd/mm/yyyy, typed and shown the same way on every page.

A browser's <input type=date> follows the browser's locale (mm/dd/yyyy in an en-US browser)
while every page prints dd/mm/yyyy, so date inputs are text inputs read here instead.
"""

import re
from datetime import date

from wtforms import DateField
from wtforms.widgets import TextInput

HINT = "dd/mm/yyyy"
MESSAGE = "Enter the date as dd/mm/yyyy, e.g. 31/03/2026."
# What staff type (3/4/2026 is the 3rd of April), and ISO yyyy-mm-dd, which links and hidden
# fields carry and which cannot be misread (the year comes first).
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# The attributes of every date input: the format in view while typing, a pattern the browser
# can check, and a keypad with the slash on phones.
INPUT_ATTRS = {"placeholder": HINT, "pattern": r"\d{1,2}/\d{1,2}/\d{4}", "inputmode": "numeric",
               "autocomplete": "off", "class": "date", "size": "10"}


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


class DayMonthYearField(DateField):
    """A DateField typed and shown as dd/mm/yyyy in a text input."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs["render_kw"] = INPUT_ATTRS | kwargs.get("render_kw", {})
        super().__init__(label, validators, format="%d/%m/%Y", **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_day(valuelist[0])
        except ValueError as err:
            self.data = None
            raise ValueError(str(err)) from None
