"""Manage › Configuration › LMS integrations: the list, the page, the 4-step wizard, OAuth2."""

import json

from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from ..extensions import db
from ..models import ENROL_ACTIVE, ENROL_INVITED, LmsIntegration, ResultType, TaskStatus
from ..services import DomainError
from ..services.canvas import SCOPES
from ..services.integrations import connection, drafts, oauth, wizard
from ..services.audit import history
from ..services.oversight.health import integration_health
from ..services.permissions import can
from .common import confirm_delete, fragment_or_back, get_or_404, render, require

bp = Blueprint("integrations", __name__, url_prefix="/manage/lms-integrations")


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
    time_zone = SelectField("Time zone", description="Canvas times are turned into dates in this zone.")
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
    guard_students = IntegerField("Mass-change guard: students", validators=[NumberRange(min=1, max=10000)],
                                  description="A run that would end Canvas access for more students than this…")
    guard_percent = IntegerField("Mass-change guard: % of a section", validators=[NumberRange(min=1, max=100)],
                                 description="…or for more than this share of a section waits until a person "
                                 "types the number of students to confirm it. The nightly run never passes it.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = wizard.time_zones()


def _choices(model, order):
    return [(0, "— choose —")] + [(r.id, r.name) for r in db.session.scalars(db.select(model).order_by(order))]


class UnitResultsStep(FlaskForm):
    result_on_start = BooleanField("Record a unit result when a linked module is started")
    result_on_start_type_id = SelectField("Result on start", coerce=int)
    result_on_complete = BooleanField("Record a unit result when the linked modules are completed")
    result_on_complete_type_id = SelectField("Result on completion", coerce=int)
    started_end_months = IntegerField("End date of started units: start date plus (months)",
                                      validators=[NumberRange(min=1, max=60)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.result_on_start_type_id.choices = self.result_on_complete_type_id.choices = _choices(
            ResultType, ResultType.national_outcome_id)


class TaskStatusesStep(FlaskForm):
    task_on_start = BooleanField("Record a task status when a linked module is started")
    task_on_start_status_id = SelectField("Status on start", coerce=int)
    task_on_complete = BooleanField("Record a task status when a linked module is completed")
    task_on_complete_status_id = SelectField("Status on completion", coerce=int)
    nightly_pull = BooleanField("Transfer results from Canvas every night",
                                description="Downloads every night and saves what needs nobody's decision; the rest "
                                "waits under Utilities › Transfer results from Canvas LMS.")
    nightly_start_rule = SelectField("Start date of started units at night", choices=[
        SelectChoice(value, label) for value, label in wizard.NIGHTLY_START_RULES.items()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.task_on_start_status_id.choices = self.task_on_complete_status_id.choices = _choices(
            TaskStatus, TaskStatus.position)


STEP_FORMS = {1: IntegrationStep, 2: ConnectionStep, 3: UnitResultsStep, 4: TaskStatusesStep}


@bp.route("/")
@require("lms_integration", "view")
def index():
    integrations = db.session.scalars(db.select(LmsIntegration).order_by(LmsIntegration.name)).all()
    return render("integrations/index.html", health=integration_health(integrations))


@bp.route("/<int:integration_id>")
@require("lms_integration", "view")
def view(integration_id: int):
    integration = get_or_404(LmsIntegration, integration_id)
    return render("integrations/view.html", integration=integration, health=integration_health([integration])[0],
                  leave_actions=wizard.LEAVE_ACTIONS,
                  audit=history("lms_integration", integration.id))


@bp.route("/new", methods=["POST"])
@require("lms_integration", "add")
def new():
    draft = wizard.start_draft(current_user.id)
    db.session.commit()
    return redirect(_step_url(draft, 1))


@bp.route("/<int:integration_id>/edit", methods=["POST"])
@require("lms_integration", "edit")
def edit(integration_id: int):
    draft = wizard.start_draft(current_user.id, get_or_404(LmsIntegration, integration_id))
    db.session.commit()
    return redirect(_step_url(draft, 1))


def _step_url(draft, step: int | None, endpoint: str = "step") -> str:
    """The URL of a wizard page (or, with endpoint "test", of its Test connection action)."""
    values = {"draft_id": draft.id} | ({"step": step} if endpoint == "step" else {})
    if draft.integration_id:
        return url_for(f".edit_{endpoint}", integration_id=draft.integration_id, **values)
    return url_for(f".new_{endpoint}", **values)


def _draft_or_404(draft_id: str, integration_id: int | None):
    draft = drafts.find_draft(draft_id, current_user.id, integration_id)
    if draft is None:
        abort(404)
    return draft


def _form_values(form, step: int) -> dict:
    values = {}
    for name in wizard.STEP_FIELDS[step]:
        value = form[name].data
        # 0 is the "— choose —" entry of a result type or status list
        values[name] = None if name.endswith("_id") and value == 0 else value
    return values


def _render_step(draft, step: int, form=None, status: int = 200, **extra):
    if form is None:
        form = STEP_FORMS[step](data=draft.data)
    return render("integrations/wizard.html", block="wizard", status=status, draft=draft, step=step, form=form,
                  steps=wizard.STEP_TITLES, step_url=lambda n, endpoint="step": _step_url(draft, n, endpoint),
                  secret_set=lambda name: drafts.secret_is_set(draft, name),
                  scopes=SCOPES,
                  acts_as=drafts.draft_secrets(draft).get("token_acts_as",
                                                           draft.integration.token_acts_as if draft.integration
                                                           else None),
                  **extra)


def wizard_step(draft_id: str, step: int, integration_id: int | None = None):
    draft = _draft_or_404(draft_id, integration_id)
    if step not in STEP_FORMS or step > draft.step:
        return redirect(_step_url(draft, min(draft.step, len(STEP_FORMS))))
    if request.method == "GET":
        return _render_step(draft, step)
    form = STEP_FORMS[step]()
    nav = request.form.get("nav", "next")
    if nav == "back":  # keep what was typed, checked or not; Next and Finish check it
        form.validate()
        wizard.keep_unchecked(draft, step, _form_values(form, step))
        db.session.commit()
        return _redirect_htmx(_step_url(draft, max(step - 1, 1)), in_wizard=True)
    if not form.validate():
        return _render_step(draft, step, form, status=422)
    try:
        secrets = {k: form[k].data for k in ("client_secret", "access_token")} if step == 2 else None
        wizard.save_step(draft, step, _form_values(form, step), secrets)
        if nav == "authorise":
            url, state = oauth.authorisation_url(draft, url_for(".oauth_callback", _external=True))
            session["canvas_oauth_state"] = state
        elif nav == "finish":
            integration = wizard.finish(draft, current_user.id)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        _attach_error(form, err)
        return _render_step(draft, step, form, status=422)
    if nav == "authorise":
        return _redirect_htmx(url)
    if nav == "finish":
        flash(f"Saved LMS integration {integration.name}.", "success")
        return _redirect_htmx(url_for(".view", integration_id=integration.id))
    return _redirect_htmx(_step_url(draft, min(step + 1, len(STEP_FORMS))), in_wizard=True)


def _attach_error(form, err: DomainError) -> None:
    if err.field and err.field in form:
        form[err.field].errors = list(form[err.field].errors) + [err.message]
    else:
        form.form_errors.append(err.message)


def _redirect_htmx(url: str, *, in_wizard: bool = False):
    """Without JS, a plain redirect. With htmx, the next step swaps into the wizard (and its URL is
    pushed, so reload and Back work); anything else (Canvas, the finished integration) is a full load."""
    if not request.headers.get("HX-Request"):
        return redirect(url)
    if in_wizard:
        return "", 204, {"HX-Location": json.dumps({"path": url, "target": "#wizard"})}
    return "", 204, {"HX-Redirect": url}


def test_connection(draft_id: str, integration_id: int | None = None):
    draft = _draft_or_404(draft_id, integration_id)
    form = ConnectionStep()
    form.validate()
    try:
        wizard.save_step(draft, 2, _form_values(form, 2),
                          {k: form[k].data for k in ("client_secret", "access_token")})
        report = connection.test_connection(draft)
        db.session.commit()
    except connection.ConnectionFailed as err:
        db.session.commit()  # the page's values and the audit of the attempt stay
        return _connection_result(draft, err.message, failed=True)
    except DomainError as err:
        db.session.rollback()
        return _connection_result(draft, err.message, failed=True)
    # The token works: a missing right is news to act on (each check says how), not a failed request.
    return _connection_result(draft, report.summary, ok=report.ready, checks=report.checks)


def _connection_result(draft, message: str, *, failed: bool = False, ok: bool = False, **extra):
    return fragment_or_back("integrations/wizard.html", "connection_result", _step_url(draft, 2),
                            error=message if failed else None, done=message, ok=ok and not failed,
                            message=message, **extra)


for prefix, action, integration_part in (("new", "add", "/new"), ("edit", "edit", "/<int:integration_id>/edit")):
    bp.add_url_rule(f"{integration_part}/<draft_id>/<int:step>", f"{prefix}_step",
                    require("lms_integration", action)(wizard_step), methods=["GET", "POST"])
    bp.add_url_rule(f"{integration_part}/<draft_id>/test", f"{prefix}_test",
                    require("lms_integration", action)(test_connection), methods=["POST"])


@bp.route("/oauth/callback")
@require("lms_integration", "view")
def oauth_callback():
    """Canvas sends the browser back here. The state must be the one this user's session sent."""
    state = request.args.get("state", "")
    expected = session.pop("canvas_oauth_state", None)
    draft = oauth.draft_for_state(state, current_user.id) if state and state == expected else None
    if draft is None:
        flash("That answer from Canvas does not belong to an authorisation you started here. "
              "Open the integration and press Authorise with Canvas again.", "error")
        return redirect(url_for(".index"))
    if not can(current_user, "lms_integration", "edit" if draft.integration_id else "add"):
        abort(403)
    if request.args.get("error"):
        draft.oauth_state_hash = None
        db.session.commit()
        flash(_refusal(request.args["error"], request.args.get("error_description", "")), "error")
        return redirect(_step_url(draft, 2))
    try:
        report = oauth.complete_authorisation(draft, request.args.get("code", ""),
                                                url_for(".oauth_callback", _external=True))
        db.session.commit()
    except DomainError as err:
        db.session.commit()  # the used-up state is forgotten either way
        flash(f"Authorisation failed: {err.message}", "error")
        return redirect(_step_url(draft, 2))
    flash(f"Authorised. {report.summary}", "success" if report.ready else "error")
    return redirect(_step_url(draft, 2))


def _refusal(error: str, description: str) -> str:
    """Canvas's `error` on the way back, in words that say what to do (reference §8.1, §11.1)."""
    if error == "invalid_scope":
        return ("Canvas refused the scopes canvaslink asks for: the developer key enforces scopes and does not "
                "allow all of them. Add every scope listed under “Developer key settings” below to the key in "
                "Canvas (Admin › Developer Keys), then authorise again. Nothing was changed.")
    if error == "access_denied":
        return "Authorisation was cancelled in Canvas. Nothing was changed."
    said = f": {description}" if description else ""
    return f"Canvas did not authorise canvaslink ({error}{said}). Nothing was changed."


@bp.route("/<int:integration_id>/delete", methods=["GET", "POST"])
@require("lms_integration", "delete")
def delete(integration_id: int):
    integration = get_or_404(LmsIntegration, integration_id)
    return confirm_delete(lambda: wizard.delete_integration(integration, current_user.id),
                          what=f"the LMS integration {integration.name}",
                          detail="Its Canvas credentials are deleted with it.",
                          cancel_url=url_for(".view", integration_id=integration.id), done_url=url_for(".index"),
                          done=f"Deleted LMS integration {integration.name}.")
