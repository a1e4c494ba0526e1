"""The review form as both pages post it: the start-date option, the rows, and the row a person
chose. Plain mappings in (a request's form or args), plain values out."""

from collections.abc import Mapping

from ...request_limits import MAX_DB_INT
from ..clock import parse_day
from .start_rules import StartRule, start_rule
from .review import RowValues, StudentReview
from .save import ADD, REPLACE


def rule_from(values: Mapping) -> StartRule:
    """The start-date option and the page-wide "This date"; an unreadable date is the rule's
    problem, shown at its box, not a date taken as none (or a 500 at the calendar's edge)."""
    typed = values.get("start_date") or ""
    try:
        on, problem = parse_day(typed), ""
    except ValueError as err:
        on, problem = None, str(err)
    return start_rule(values.get("start_rule"), on, problem, typed.strip())


def _number(text: str | None) -> int | None:
    """An id as the database can hold it; anything else is no id."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and int(text) <= MAX_DB_INT else None


def _row_name(text: str | None) -> tuple[int, str] | None:
    """"<enrolment id>:<row key>" → (enrolment id, row key); None when damaged."""
    enrolment_id, _, key = (text or "").partition(":")
    number = _number(enrolment_id)
    return (number, key) if number is not None and key and ":" not in key else None


def row_named(form: Mapping, field: str) -> tuple[int, str] | None:
    """The row a button names: "open" (Replace…: show a kept row ready to replace, nothing saved)
    or "close" (put it back as it was)."""
    return _row_name(form.get(field))


def posted_rows(form: Mapping) -> dict[tuple[int, str], RowValues]:
    """The rows' inputs, named "<enrolment id>:<row key>:outcome|start|end"."""
    rows = {}
    for name in form:
        if not name.endswith(":outcome"):
            continue
        row = _row_name(name.removesuffix(":outcome"))
        if row is None:
            continue
        prefix = f"{row[0]}:{row[1]}"
        texts = tuple((form.get(f"{prefix}:{which}") or "").strip() for which in ("start", "end"))
        days, problems = [], []
        for text in texts:
            try:
                days.append(parse_day(text))
            except ValueError as err:
                days.append(None)
                problems.append(str(err))
        rows[row] = RowValues(_number(form.get(f"{prefix}:outcome")), *days, " ".join(problems) or None,
                              texts if problems else None)
    return rows


def chosen_row(form: Mapping) -> tuple[tuple[int, str] | None, str]:
    """The row whose Add or Replace button was pressed, and which."""
    for action in (REPLACE, ADD):
        row = row_named(form, action)
        if row is not None:
            return row, action
    return None, ADD


def unreadable_rows(students: list[StudentReview]) -> list[str]:
    """Rows whose typed date could not be read, with why: a background run cannot ask about them."""
    return [f"{student.label}: {row.proposal.label} — {row.values.problem}" for student in students
            for row in student.rows if row.typed and row.values.problem]
