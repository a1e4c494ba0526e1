"""Dates as the RTO writes them: dd/mm/yyyy, typed and shown the same way on every page.

A browser's <input type=date> follows the browser's locale (mm/dd/yyyy in an en-US browser)
while every page prints dd/mm/yyyy, so date inputs are text inputs read here instead.
"""

from wtforms import DateField
from wtforms.widgets import TextInput

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

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_day(valuelist[0])
        except ValueError as err:
            self.data = None
            raise ValueError(str(err)) from None
