"""What may be replaced: the one place that decides. A result or status a person entered, and every
final outcome, is kept; only a person choosing that row replaces it. Dates that cannot be right
wait for a person."""

from datetime import date

from .values import KEPT, UP_TO_DATE, CurrentResult, CurrentTask, Defaults, Origin, Outcome
from .wording import dmy


def kept_unit_reason(current: CurrentResult | None, proposed: Outcome, completed: bool, defaults: Defaults) -> str:
    """Why the recorded unit result stands against `proposed` unless a person chooses to replace
    it; "" when an automatic transfer may replace it.

    A result a person entered stands, whatever it is. So does a final outcome (every result type
    that is not an in-progress one), and the completion outcome against a module merely started."""
    if current is None:
        return ""
    if current.origin is not None and current.origin.person:
        return _entered_by(current.origin)
    if current.outcome.final:
        return f"Kept: {current.outcome.name} is a final outcome."
    on_complete = defaults.unit_on_complete
    if not completed and on_complete is not None and current.outcome.id == on_complete.id:
        return f"Kept: {current.outcome.name}; a module in progress does not set it back."
    return ""


def kept_task_reason(task: CurrentTask, proposed: Outcome) -> str:
    """Why the recorded task status stands against `proposed`; "" when it may be replaced."""
    if task.current is None:
        return ""
    if task.origin is not None and task.origin.person:
        return _entered_by(task.origin)
    if task.current.final:
        return f"Kept: {task.current.name} is a final status."
    if task.current.rank > proposed.rank:
        return f"Kept: {task.current.name} is further along than {proposed.name}."
    return ""


def _entered_by(origin: Origin) -> str:
    if origin.name is None:
        return "Kept: entered by a person (canvaslink did not record who)."
    return f"Kept: entered by {origin.name}" + (f" on {dmy(origin.on)}." if origin.on else ".")


def unit_status(current: CurrentResult | None, proposed: Outcome, completed: bool, end: date | None,
                 defaults: Defaults) -> tuple[str, str] | None:
    """UP_TO_DATE, or KEPT with its reason; None when the proposal may be saved if valid."""
    if current is None:
        return None
    # Checked first so that a Competent saved by an earlier transfer reads as up to date.
    if current.outcome.id == proposed.id and (not completed or current.end == end):
        return UP_TO_DATE, ""
    reason = kept_unit_reason(current, proposed, completed, defaults)
    return (KEPT, reason) if reason else None


def task_status(task: CurrentTask, proposed: Outcome) -> tuple[str, str] | None:
    if task.current is None:
        return None
    if task.current.id == proposed.id:
        return UP_TO_DATE, ""
    reason = kept_task_reason(task, proposed)
    return (KEPT, reason) if reason else None


def check_dates(kind: str, completed: bool, start: date | None, end: date | None,
                enrolment: tuple[date | None, date | None], today: date) -> tuple[str, str]:
    """(refusal, doubt) about a row's dates, in staff's words; "" when there is none.

    A refusal means the row cannot be saved as it is. A doubt means the dates cannot be right as
    they stand: a person must look, and may still save them by choosing that row."""
    what = "unit" if kind == "unit" else "task"
    if kind == "unit" and start is None:
        return "A unit result needs a start date.", ""
    if completed and end is None:
        return "Type the date it was completed.", ""
    if start and end and end < start:
        return ("The completion date is before the start date" if completed
                else "The end date is before the start date"), ""
    enrolment_start, enrolment_end = enrolment
    if start and start > today:
        return "", f"The start date {dmy(start)} is in the future, but Canvas shows the {what} already started."
    if completed and end and end > today:
        return "", f"The completion date {dmy(end)} is in the future."
    for label, day in (("start date", start), ("completion date", end if completed else None)):
        if day and enrolment_start and day < enrolment_start:
            return "", f"The {label} {dmy(day)} is before the enrolment starts ({dmy(enrolment_start)})."
        if day and enrolment_end and day > enrolment_end:
            return "", f"The {label} {dmy(day)} is after the enrolment ends ({dmy(enrolment_end)})."
    return "", ""
