"""Blueprints, sign-in wiring, template helpers and error pages."""

from datetime import date

from flask import render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest

from .extensions import db, htmx, login_manager
from .forms.fields import INPUT_ATTRS
from .models import User
from .rto_time import format_rto_date, format_rto_time, rto_zone_name
from .services.canvas_sync.standing import canvas_standing
from .services.engagement.activity import ago, engagement_of
from .services.oversight.audit_words import action_words, change_lines, entity_words
from .services.permissions import can
from .services.result_transfer.start_rules import START_RULES


def init_app(app):
    from .blueprints import (
        audit_log,
        auth,
        bulk_results,
        canvas_links,
        canvas_sync,
        clients,
        common,
        enrolment_transfer,
        enrolments,
        integrations,
        main,
        occurrences,
        operations,
        oversight,
        result_transfer,
        result_types,
        security,
        task_statuses,
        units,
        withdrawals,
    )

    for module in (auth, main, clients, units, occurrences, enrolments, result_types, task_statuses, security,
                   integrations, canvas_links, enrolment_transfer, result_transfer, bulk_results, oversight, audit_log,
                   canvas_sync, operations, withdrawals):
        app.register_blueprint(module.bp)

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str):
        """The user whose session this is, unless it was ended since (sign-out, new password,
        deactivation): a copied cookie stops working then, not when it expires."""
        user_id, _, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()):
            return None
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.session_version == int(version) else None

    app.add_template_filter(format_cell, "cell")
    app.add_template_filter(format_date, "date")
    app.add_template_global(INPUT_ATTRS, "date_input_attrs")
    app.add_template_filter(format_rto_time, "rto_time")
    app.add_template_filter(format_rto_date, "rto_date")
    app.add_template_global(rto_zone_name, "rto_zone")
    app.add_template_global(START_RULES, "start_rules")
    app.add_template_global(canvas_standing, "canvas_standing")
    app.add_template_global(engagement_of, "engagement_of")
    app.add_template_filter(ago, "days_ago")
    app.add_template_filter(entity_words, "audit_entity")
    app.add_template_filter(action_words, "audit_action")
    app.add_template_filter(change_lines, "audit_changes")

    @app.before_request
    def sign_in_required_by_default():
        """A view someone forgot to mark still needs a signed-in user (the route test names it)."""
        view = app.view_functions.get(request.endpoint)
        if view is None or request.endpoint == "static" or getattr(view, "access", None) == "public":
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.context_processor
    def template_helpers():
        return {"can": lambda entity, action: can(current_user, entity, action), "may_cancel": common.may_cancel,
                "may_visit": common.may_visit}

    def error_page(status: int, title: str, message: str):
        template = "errors/fragment.html" if htmx else "errors/page.html"
        return render_template(template, status=status, title=title, message=message), status

    @app.errorhandler(403)
    def forbidden(_err):
        return error_page(403, "Not allowed", "Your role does not allow this. Ask an administrator if you need it.")

    @app.errorhandler(404)
    def not_found(_err):
        return error_page(404, "Not found", "That page or record does not exist. It may have been deleted.")

    @app.errorhandler(400)
    def bad_request(err):
        said = err.description if getattr(err, "description", None) != BadRequest.description else (
            "Part of what was sent cannot be read. Reload the page and try again")
        return error_page(400, "Not understood", f"{said.rstrip('.')}; nothing was saved.")

    @app.errorhandler(413)
    def too_large(_err):
        return error_page(413, "Too much at once", "That was more than canvaslink accepts in one go; nothing "
                          "was saved. Send less at a time.")

    @app.errorhandler(CSRFError)
    def csrf_failed(_err):
        return error_page(400, "Form expired",
                          "This form is out of date or was sent from elsewhere. Reload the page and try again; "
                          "nothing was saved.")

    @app.errorhandler(500)
    def server_error(_err):
        db.session.rollback()
        return error_page(500, "Something went wrong",
                          "Nothing was saved. Try again; if it keeps happening, tell your administrator the time "
                          "it happened.")


def format_date(value) -> str:
    """Australian day/month/year; staff read 03/04 as the 3rd of April."""
    return value.strftime("%d/%m/%Y") if value else ""


def format_cell(value) -> str:
    if value is True:
        return "Yes"
    if value is False or value is None:
        return ""
    if isinstance(value, date):
        return format_date(value)
    return str(value)
