"""The LMS integration wizard: one form per step (conventions §5)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from ..models import ENROL_ACTIVE, ENROL_INVITED, ResultType, TaskStatus
from ..services.integrations import wizard
from .fields import model_choices


class IntegrationStep(FlaskForm):
    name = StringField("Name", validators=[Length(max=120)])
    code = StringField("Code", validators=[Optional(), Length(max=40)], description="Optional short code.")
    product = SelectField("LMS product", choices=[SelectChoice(v, label) for v, label in wizard.PRODUCTS.items()])
    transfer_units = BooleanField("Units", description="Canvas modules can be linked to units.")
    transfer_tasks = BooleanField("Tasks", description="Canvas modules can be linked to tasks.")


class ConnectionStep(FlaskForm):
    base_url = StringField("Canvas address", description="e.g. https://yourcollege.instructure.com")
    account_id = StringField("Canvas account for new users", description="“self” is the root account.")
    client_id = StringField("Client ID", description="Canvas Admin › Developer Keys: the key's ID.")
    client_secret = PasswordField("Client Secret", description="The developer key's secret (Show Key).")
    access_token = PasswordField("Or paste an access token",
                                 description="Instead of authorising: a token from a Canvas admin's profile. "
                                 "Pasted tokens cannot be renewed automatically.")
    enrol_mode = RadioField("Enrolment", choices=[
        SelectChoice(ENROL_ACTIVE, "Enrol students immediately"),
        SelectChoice(ENROL_INVITED, "Send an invitation the student must accept")])
    limit_to_section = BooleanField("Limit students to their course section",
                                    description="Students only see and work with others in their own section.")
    notify = BooleanField("Send enrolment notifications", description="Canvas emails students about new enrolments.")
    time_zone = SelectField("Time zone", choices=wizard.time_zones,
                            description="Canvas times are turned into dates in this zone.")
    leave_action = RadioField("When a student withdraws, is cancelled or is removed from a class", choices=[
        SelectChoice(value, label) for value, label in wizard.LEAVE_ACTIONS.items()])
    conclude_on_completed = BooleanField("Conclude the Canvas enrolment when the enrolment is Completed")
    auto_transfer = BooleanField("Transfer new enrolments automatically",
                                 description="A student enrolled in a linked occurrence is transferred to Canvas by a "
                                 "background job, with the options above.")
    push_login_changes = BooleanField("Allow pushing login and e-mail changes to Canvas",
                                      description="From the client's page, after a preview. The name may always be "
                                      "pushed.")
    invitation_days = IntegerField("List invitations not accepted after (days)",
                                   validators=[NumberRange(min=1, max=365)])
    quiet_days = IntegerField("List students not active in Canvas after (days)",
                              validators=[NumberRange(min=1, max=365)],
                              description="Active students whose enrolment has started and who have not been active "
                              "in Canvas for this many days, or never, are listed under Canvas exceptions.")
    guard_students = IntegerField("Mass-change guard: students a day", validators=[NumberRange(min=1, max=10000)],
                                  description="Ending Canvas access for more students than this in 24 hours, counted "
                                  "across every sync…")
    guard_percent = IntegerField("Mass-change guard: % of a section", validators=[NumberRange(min=1, max=100)],
                                 description="…or for more than this share of a section waits until a person types "
                                 "the number of students to confirm it. Students a person confirmed are not counted "
                                 "again. The nightly run never passes it.")


def _result_types():
    return model_choices(ResultType, [ResultType.national_outcome_id], lambda r: r.name, "— choose —")


def _task_statuses():
    return model_choices(TaskStatus, [TaskStatus.position], lambda s: s.name, "— choose —")


class UnitResultsStep(FlaskForm):
    result_on_start = BooleanField("Record a unit result when a linked module is started")
    result_on_start_type_id = SelectField("Result on start", coerce=int, choices=_result_types)
    result_on_complete = BooleanField("Record a unit result when the linked modules are completed")
    result_on_complete_type_id = SelectField("Result on completion", coerce=int, choices=_result_types)
    started_end_months = IntegerField("End date of started units: start date plus (months)",
                                      validators=[NumberRange(min=1, max=60)])


class TaskStatusesStep(FlaskForm):
    task_on_start = BooleanField("Record a task status when a linked module is started")
    task_on_start_status_id = SelectField("Status on start", coerce=int, choices=_task_statuses)
    task_on_complete = BooleanField("Record a task status when a linked module is completed")
    task_on_complete_status_id = SelectField("Status on completion", coerce=int, choices=_task_statuses)
    nightly_pull = BooleanField("Transfer results from Canvas every night",
                                description="Downloads every night and saves what needs nobody's decision; the rest "
                                "waits under Utilities › Transfer results from Canvas LMS.")
    nightly_start_rule = SelectField("Start date of started units at night", choices=[
        SelectChoice(value, label) for value, label in wizard.NIGHTLY_START_RULES.items()])


STEP_FORMS = {1: IntegrationStep, 2: ConnectionStep, 3: UnitResultsStep, 4: TaskStatusesStep}
