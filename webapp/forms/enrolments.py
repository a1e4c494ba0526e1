"""The forms of an enrolment: enrol, edit, the status of several at once, a training plan row's unit
result or task status, and the Withdrawn results offered when a student withdraws."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Optional, ValidationError

from ..extensions import db
from ..models import EnrolmentStatus, ResultType, StatusType, TaskStatus
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


class StatusChangeForm(FlaskForm):
    """Change status… on an occurrence's Enrolments: one new status for the students selected."""

    status_id = SelectField("New status", coerce=int, choices=lambda: model_choices(
        EnrolmentStatus, [EnrolmentStatus.id], lambda s: f"{s.name} ({s.status_type.value})", "— choose —"))
    end_date = DayMonthYearField("End date", validators=[Optional()],
                                 description="For a status that ends the enrolment (Completed, Cancelled, "
                                 "Withdrawn): the day it ends, for every student selected. An Active status keeps "
                                 "each end date.")

    def status(self) -> EnrolmentStatus | None:
        """The status chosen; None until one of the choices is (a number that is none is never looked up)."""
        field = self.status_id
        return db.session.get(EnrolmentStatus, field.data) if field.data and not field.errors else None

    def validate_status_id(self, field):
        if self.status() is None and not field.errors:
            raise ValidationError("Choose the new status.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Not an inline validator: an empty date stops the field's validators (Optional) before one would run.
        status, end = self.status(), self.end_date
        if status is not None and status.status_type != StatusType.ACTIVE and end.data is None and not end.errors:
            end.errors.append(f"{status.name} ends the enrolment: type the day it ends, as dd/mm/yyyy.")
            return False
        return valid


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


class WithdrawalResultsForm(FlaskForm):
    """Withdrawn results for a withdrawn student's open units: which units, and the finish date chosen
    (its choices depend on the evidence, so the view sets them)."""
    finish = RadioField("Finish date", choices=[], validate_choice=False)
    finish_date = DayMonthYearField("Another date", validators=[Optional()])
    units = SelectMultipleField("Units", coerce=int, validate_choice=False)
    # The last Canvas activity the page showed (dd/mm/yyyy), so a newer read meanwhile is noticed.
    shown_last_active = HiddenField()
