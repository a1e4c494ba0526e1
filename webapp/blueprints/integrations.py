"""Manage › Configuration › LMS integrations: the list, the page, the 4-step wizard, OAuth2, and
checking an integration's rights in Canvas again."""

import json

from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask_login import current_user

from ..extensions import db, htmx
from ..forms.integrations import STEP_FORMS, ConnectionStep
from ..models import LmsIntegration
from ..services import DomainError
from ..services.audit import history
from ..services.canvas import SCOPES
from ..services.integrations import connection, drafts, oauth, wizard
from ..services.oversight.health import integration_health, recheck_rights
from ..services.versions import NewerVersion
from .common import (
    confirm_delete, form_error, form_words, fragment_or_back, get_or_404, render, require, require_can,
)

bp = Blueprint("integrations", __name__, url_prefix="/manage/lms-integrations")


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


@bp.route("/<int:integration_id>/rights", methods=["POST"])
@require("lms_integration", "edit")
def check_rights(integration_id: int):
    """Ask Canvas again what the integration's token may do (the Rights box on its page)."""
    integration = get_or_404(LmsIntegration, integration_id)
    report, failure = None, None
    try:
        report = recheck_rights(integration)
    except DomainError as err:
        failure = err.message
    db.session.commit()  # a renewed token is kept
    return render("integrations/_health.html", block="rights", h=integration_health([integration])[0],
                  report=report, failure=failure)


@bp.route("/new", methods=["POST"])
@require("lms_integration", "add")
def new():
    draft = wizard.start_draft(current_user.id)
    db.session.commit()
    return redirect(_step_url(draft, 1))


@bp.route("/<int:integration_id>/edit", methods=["POST"])
@require("lms_integration", "edit")
def edit(integration_id: int):
    """Edit from page 1; *Authorise again* (step 2) opens the Canvas connection page at once."""
    step = 2 if request.form.get("step") == "2" else 1
    draft = wizard.start_draft(current_user.id, get_or_404(LmsIntegration, integration_id), step=step)
    db.session.commit()
    return redirect(_step_url(draft, step))


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


@bp.route("/new/<draft_id>/<int:step>", methods=["GET", "POST"])
@require("lms_integration", "add")
def new_step(draft_id: str, step: int):
    return _wizard_step(draft_id, step)


@bp.route("/<int:integration_id>/edit/<draft_id>/<int:step>", methods=["GET", "POST"])
@require("lms_integration", "edit")
def edit_step(integration_id: int, draft_id: str, step: int):
    return _wizard_step(draft_id, step, integration_id)


@bp.route("/new/<draft_id>/test", methods=["POST"])
@require("lms_integration", "add")
def new_test(draft_id: str):
    return _test_connection(draft_id)


@bp.route("/<int:integration_id>/edit/<draft_id>/test", methods=["POST"])
@require("lms_integration", "edit")
def edit_test(integration_id: int, draft_id: str):
    return _test_connection(draft_id, integration_id)


def _wizard_step(draft_id: str, step: int, integration_id: int | None = None):
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
            integration = wizard.finish(draft, current_user.id, _wizard_words())
        db.session.commit()
    except NewerVersion as err:
        db.session.rollback()
        wizard.reopen(draft, err.version)
        db.session.commit()
        form_error(form, err)
        return _render_step(draft, step, form, status=409)
    except DomainError as err:
        db.session.rollback()
        form_error(form, err)
        return _render_step(draft, step, form, status=422)
    if nav == "authorise":
        return _redirect_htmx(url)
    if nav == "finish":
        flash(f"Saved LMS integration {integration.name}.", "success")
        return _redirect_htmx(url_for(".view", integration_id=integration.id))
    return _redirect_htmx(_step_url(draft, min(step + 1, len(STEP_FORMS))), in_wizard=True)


def _wizard_words():
    """Every page's fields as a refused Finish names them (secrets only as set, replaced or removed)."""
    words = {name: said for form in STEP_FORMS.values() for name, said in form_words(form(formdata=None)).items()}
    return words | {"client_secret": ("Client Secret", {}), "access_token": ("Access token", {}),
                    "refresh_token": ("Refresh token", {})}


def _redirect_htmx(url: str, *, in_wizard: bool = False):
    """Without JS, a plain redirect. With htmx, the next step swaps into the wizard (and its URL is
    pushed, so reload and Back work); anything else (Canvas, the finished integration) is a full load."""
    if not htmx:
        return redirect(url)
    if in_wizard:
        return "", 204, {"HX-Location": json.dumps({"path": url, "target": "#wizard"})}
    return "", 204, {"HX-Redirect": url}


def _test_connection(draft_id: str, integration_id: int | None = None):
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
    require_can("lms_integration", "edit" if draft.integration_id else "add")
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
