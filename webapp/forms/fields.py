"""Form fields: dates as the RTO writes them, and choices of records.

Dates are dd/mm/yyyy, typed and shown the same way on every page. A browser's <input type=date>
follows the browser's locale (mm/dd/yyyy in an en-US browser) while every page prints
dd/mm/yyyy, so date inputs are text inputs read here instead.
"""

from sqlalchemy import select
from wtforms import DateField, HiddenField
from wtforms.widgets import TextInput

from ..extensions import db
from ..services.clock import HINT, parse_day

# The attributes of every date input: the format in view while typing, a pattern the browser
# can check, and a keypad with the slash on phones.
INPUT_ATTRS = {"placeholder": HINT, "pattern": r"\d{1,2}/\d{1,2}/\d{4}", "inputmode": "numeric",
               "autocomplete": "off", "class": "date", "size": "10"}


class DayMonthYearField(DateField):
    """A DateField typed and shown as dd/mm/yyyy in a text input."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs["render_kw"] = INPUT_ATTRS | kwargs.get("render_kw", {})
        super().__init__(label, validators, format="%d/%m/%Y", **kwargs)

    newer = False  # refused over a newer version (and now carrying that version)

    def refused_over(self, version: int) -> None:
        """The form goes back opened at `version`: saving it again is a choice made knowing the change."""
        self.data, self.newer = version, True

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_day(valuelist[0])
        except ValueError as err:
            self.data = None
            raise ValueError(str(err)) from None


def model_choices(model, order, label=str, blank: str | None = None) -> list[tuple[int, str]]:
    """The records of `model` as (id, label) choices of a SelectField with `coerce=int`; `blank`,
    when given, is a first choice 0 that stands for none. Pass it as `choices=lambda: model_choices(…)`:
    the field reads the records when a form first uses them, not when the module is imported."""
    rows = db.session.scalars(select(model).order_by(*order))
    return ([(0, blank)] if blank is not None else []) + [(r.id, label(r)) for r in rows]


def status_choices(model) -> list[tuple[int, str]]:
    """An occurrence's or enrolment's status: its name and what kind of status it is."""
    return model_choices(model, [model.id], lambda s: f"{s.name} ({s.status_type.value})")


class VersionField(HiddenField):
    """The version of the record the form was opened at (services/versions.py): a save over a newer
    version is refused. A form filled from the record (`obj=`) takes its version. Anything but a whole
    number reads as none, which is not checked, as for a form that carries no version at all."""

    newer = False  # refused over a newer version (and now carrying that version)

    def refused_over(self, version: int) -> None:
        """The form goes back opened at `version`: saving it again is a choice made knowing the change."""
        self.data, self.newer = version, True

    def process_formdata(self, valuelist):
        text = valuelist[0].strip() if valuelist else ""
        self.data = int(text) if text.isdigit() and len(text) < 10 else None
