"""Start-date rules for started units (the option applied to all rows): the one vocabulary the
review pages, the integration's nightly option and the CLI take their words from."""

import calendar
from dataclasses import dataclass
from datetime import date

# Start-date rules for started units (the option applied to all rows): the one vocabulary the
# review pages, the integration's nightly option and the CLI take their words from.
START_FROM_UNLOCK, START_FROM_PLAN, START_FROM_ENROLMENT, START_TODAY, START_ON_DATE = (
    "unlock", "plan", "enrolment", "today", "date")
START_RULES = {START_FROM_UNLOCK: "Canvas module unlock date", START_FROM_PLAN: "Training plan unit start date",
               START_FROM_ENROLMENT: "Enrolment start date", START_TODAY: "Today", START_ON_DATE: "This date:"}
# With nobody at the screen there is no date to type.
UNATTENDED_START_RULES = (START_FROM_ENROLMENT, START_FROM_PLAN, START_FROM_UNLOCK, START_TODAY)


@dataclass(frozen=True)
class StartRule:
    kind: str                            # one of the START_* values
    on: date | None = None               # the typed date, for START_ON_DATE
    problem: str = ""                    # why the date typed could not be taken; nothing is saved while it stands
    typed: str = ""                      # the date as typed when it could not be taken: shown back, not cleared

    @property
    def date_text(self) -> str:
        """The date as the page carries it on (hidden field, links): what was typed, if unreadable."""
        return self.typed or (self.on.isoformat() if self.on else "")


def start_rule(kind: str | None, on: date | None = None, problem: str = "", typed: str = "") -> StartRule:
    """The start-date option chosen (the enrolment start date unless another known one was)."""
    return StartRule(kind if kind in START_RULES else START_FROM_ENROLMENT, on, problem, typed if problem else "")


def add_months(day: date, months: int) -> date:
    """Calendar months later, the day clamped to the month's last: 31 Jan + 1 month = 28/29 Feb."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
