"""The forms of an enrolment: enrol, edit, and a training plan row's unit result or task status."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Optional

from ..models import EnrolmentStatus, ResultType, TaskStatus
from .fields import DayMonthYearField, VersionField, model_choices, status_choices


class EnrolmentForm(FlaskForm):
    start_date = DayMonthYearField("Start date", validators=[Optional()],
                                   description="Empty takes the occurrence's start date.")
    end_date = DayMonthYearField("End date", validators=[Optional()],
                                 description="Empty takes the occurrence's end date.")
    status_id = SelectField("Status", coerce=int, choices=lambda: status_choices(EnrolmentStatus))
    version = VersionField()


class EnrolForm(EnrolmentForm):
    client_code = StringField("Client code", validators=[DataRequired()],
                              render_kw={"autocomplete": "off", "list": "client-suggestions"})


class UnitResultForm(FlaskForm):
    result_type_id = SelectField("Result", coerce=int, choices=lambda: model_choices(
        ResultType, [ResultType.national_outcome_id], lambda r: f"{r.national_outcome_id} {r.name}", "— none —"))
    result_start = DayMonthYearField("Start", validators=[Optional()])
    result_end = DayMonthYearField("End", validators=[Optional()])
    version = VersionField()


class TaskStatusForm(FlaskForm):
    task_status_id = SelectField("Status", coerce=int, choices=lambda: model_choices(
        TaskStatus, [TaskStatus.position], blank="— none —"))
    status_date = DayMonthYearField("Date", validators=[Optional()])
    version = VersionField()
