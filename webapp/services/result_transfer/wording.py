"""Results and statuses in the words the review shows: "Competent 01/02/2026 – 01/05/2026"."""

from datetime import date

from .values import CurrentResult, CurrentTask


def describe(name: str | None, start: date | None, end: date | None) -> str:
    """A result as staff read it: "Continuing enrolment 01/02/2026 – 01/02/2027", or "—"."""
    if not name:
        return "—"
    if start and end:
        return f"{name} {dmy(start)} – {dmy(end)}"
    if start:
        return f"{name} {dmy(start)} –"
    if end:
        return f"{name} – {dmy(end)}"
    return name


def describe_result(current: CurrentResult | None) -> str:
    return describe(current.outcome.name, current.start, current.end) if current else "—"


def describe_status(name: str | None, on: date | None) -> str:
    """A task status as staff read it: "In progress 05/10/2026", or "—"."""
    if not name:
        return "—"
    return f"{name} {dmy(on)}" if on else name


def describe_task(task: CurrentTask) -> str:
    return describe_status(task.current.name if task.current else None, task.status_date)


def dmy(day: date) -> str:
    return f"{day:%d/%m/%Y}"
