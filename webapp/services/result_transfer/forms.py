"""The review form as both pages post it: the start-date option, the rows, and the row a person
chose. Plain mappings in (a request's form or args), plain values out."""

from collections.abc import Mapping
from datetime import date

from .proposals import StartRule, start_rule
from .review import RowValues
from .save import ADD, REPLACE


def rule_from(values: Mapping) -> StartRule:
    return start_rule(values.get("start_rule"), _date(values.get("start_date")))


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _row_name(text: str | None) -> tuple[int, str] | None:
    """"<enrolment id>:<row key>" → (enrolment id, row key)."""
    enrolment_id, _, key = (text or "").partition(":")
    return (int(enrolment_id), key) if enrolment_id.isdigit() and key else None


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
        outcome = form.get(f"{prefix}:outcome", "")
        rows[row] = RowValues(int(outcome) if outcome.isdigit() else None, _date(form.get(f"{prefix}:start")),
                              _date(form.get(f"{prefix}:end")))
    return rows


def chosen_row(form: Mapping) -> tuple[tuple[int, str] | None, str]:
    """The row whose Add or Replace button was pressed, and which."""
    for action in (REPLACE, ADD):
        row = row_named(form, action)
        if row is not None:
            return row, action
    return None, ADD

