"""An occurrence's Canvas pages: link to a section, map modules, transfer enrolments, watch runs."""

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import Enrolment, JobRun, LmsIntegration, Occurrence
from ..services import DomainError
from ..services.canvas_links import link as linking, modules as module_list
from ..services.canvas_sync import transfer
from ..services.oversight.history import occurrence_history
from ..services.integrations.connection import PAGE, canvas_client
from .common import (
    cancel_checked, confirm_delete, db_int, get_or_404, may_cancel, render, require, run_progress, start_from_form,
)

bp = Blueprint("canvas_links", __name__, url_prefix="/occurrences/<int:occurrence_id>/canvas")


def _linked(occurrence_id: int):
    """The occurrence and its current link; without a link, back to the occurrence page to link it."""
    occurrence = get_or_404(Occurrence, occurrence_id)
    link = linking.current_link(occurrence)
    if link is None:
        flash("This occurrence is not linked to Canvas yet: use Link occurrence to Canvas LMS… first.", "error")
        abort(redirect(url_for("occurrences.view", occurrence_id=occurrence_id, _anchor="enrolments")))
    return occurrence, link


def _client(integration: LmsIntegration):
    return canvas_client(integration, PAGE)


@bp.route("/link", methods=["GET", "POST"])
@require("occurrence_link", "add")
def link(occurrence_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    current = linking.current_link(occurrence)
    integrations = db.session.scalars(select(LmsIntegration).order_by(LmsIntegration.name)).all()
    error = None
    if request.method == "POST":
        integration = db.session.get(LmsIntegration, request.form.get("integration_id", type=db_int) or 0)
        try:
            if integration is None:
                raise DomainError("Choose the LMS integration to link through.")
            with _client(integration) as client:
                new_link = linking.link_occurrence(occurrence, integration, client, current_user.id)
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            error = err.message
        else:
            flash(f"Linked to Canvas course “{new_link.canvas_course_name}”, section “{new_link.canvas_section_name}”. "
                  "Next, update the module list and check the mappings.", "success")
            return redirect(url_for(".modules", occurrence_id=occurrence.id))
    return render("canvas_links/link.html", status=422 if error else 200, occurrence=occurrence, link=current,
                  integrations=integrations, error=error, history=linking.link_history(occurrence),
                  events=occurrence_history(occurrence, limit=50), zone=current.integration if current else None)


@bp.route("/unlink", methods=["GET", "POST"])
@require("occurrence_link", "delete")
def unlink(occurrence_id: int):
    occurrence, current = _linked(occurrence_id)
    return confirm_delete(
        lambda: linking.unlink_occurrence(current, current_user.id),
        what=f"the link between occurrence {occurrence.id} and Canvas section “{current.canvas_section_name}”",
        detail="Nothing changes in Canvas. Module mappings and transfer records are kept as history; "
               "results can no longer be transferred until the occurrence is linked again.",
        cancel_url=url_for(".link", occurrence_id=occurrence.id),
        done_url=url_for("occurrences.view", occurrence_id=occurrence.id, _anchor="enrolments"),
        done="Unlinked the occurrence from Canvas.")


@bp.route("/modules")
@require("module_mapping", "view")
def modules(occurrence_id: int):
    occurrence, current = _linked(occurrence_id)
    return render("canvas_links/modules.html", occurrence=occurrence, link=current)


@bp.route("/modules/update", methods=["POST"])
@require("module_mapping", "edit")
def update_modules(occurrence_id: int):
    occurrence, current = _linked(occurrence_id)
    try:
        with _client(current.integration) as client:
            summary = module_list.update_module_list(current, client, current_user.id)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        flash(f"Canvas has {summary['total']} modules: {summary['added']} new, {summary['removed']} removed"
              f"{', ' + str(summary['returned']) + ' back again' if summary['returned'] else ''}. "
              "New modules are matched automatically; the mappings you saved are kept. Check and save.", "success")
        _warn_without_requirements(summary["without_requirements"])
    return redirect(url_for(".modules", occurrence_id=occurrence_id))


def _warn_without_requirements(names: list[str]) -> None:
    if names:
        flash(f"{_quoted(names)} {'has' if len(names) == 1 else 'have'} no completion requirements in Canvas: Canvas "
              "shows such a module completed for every student, so it is no evidence and never proposes a result "
              "on its own.", "warning")


def _quoted(names: list[str]) -> str:
    quoted = [f"“{name}”" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


@bp.route("/modules", methods=["POST"])
@require("module_mapping", "edit")
def save_modules(occurrence_id: int):
    occurrence, current = _linked(occurrence_id)
    chosen = {m.id: (request.form.get(f"unit-{m.id}", type=db_int) or None, request.form.get(f"task-{m.id}", type=db_int)
                     or None) for m in current.modules}
    try:
        changed = module_list.save_mappings(current, chosen, current_user.id)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        flash(f"Saved the module mappings ({changed} changed).", "success")
        _warn_without_requirements(module_list.without_requirements(current))
    return redirect(url_for(".modules", occurrence_id=occurrence_id))


def _selected_ids(name: str = "enrolment_id") -> list[int]:
    return request.form.getlist(name, type=db_int)


@bp.route("/transfer")
@require("enrolment_transfer", "view")
def transfer_choose(occurrence_id: int):
    occurrence, current = _linked(occurrence_id)
    return render("canvas_links/transfer.html", occurrence=occurrence, link=current,
                  enrolments=_enrolments(occurrence), select=request.args.get("select", "untransferred"))


def _enrolments(occurrence: Occurrence) -> list[Enrolment]:
    return sorted(occurrence.enrolments, key=lambda e: (e.client.last_name, e.client.first_name))


@bp.route("/transfer/preview", methods=["POST"])
@require("enrolment_transfer", "add")
def transfer_preview(occurrence_id: int):
    occurrence, current = _linked(occurrence_id)
    ids = set(_selected_ids())
    chosen = [e for e in _enrolments(occurrence) if e.id in ids]
    if not chosen:
        flash("Choose at least one student to transfer.", "error")
        return redirect(url_for(".transfer_choose", occurrence_id=occurrence_id))
    try:
        with _client(current.integration) as client:
            plan = transfer.preview(current, chosen, client)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for(".transfer_choose", occurrence_id=occurrence_id))
    return render("canvas_links/transfer_preview.html", occurrence=occurrence, link=current, enrolments=chosen,
                  plan=plan)


@bp.route("/transfer/run", methods=["POST"])
@require("enrolment_transfer", "add")
def transfer_run(occurrence_id: int):
    occurrence, current = _linked(occurrence_id)
    run, refused = start_from_form(
        lambda: transfer.start_transfer(current, _selected_ids(), current_user.id, _selected_ids("reopen_id")),
        current_app.config["TRANSFER_INLINE_LIMIT"], back_url=url_for(".transfer_choose", occurrence_id=occurrence_id))
    return refused or redirect(url_for(".run", occurrence_id=occurrence_id, run_id=run.id))


def _transfer_run(occurrence_id: int, run_id: int) -> JobRun:
    job_run = get_or_404(JobRun, run_id)
    if job_run.occurrence_id != occurrence_id or job_run.kind != transfer.KIND:
        abort(404)
    return job_run


@bp.route("/runs/<int:run_id>")
@require("enrolment_transfer", "view")
def run(occurrence_id: int, run_id: int):
    job_run = _transfer_run(occurrence_id, run_id)
    occurrence = get_or_404(Occurrence, occurrence_id)
    return run_progress(job_run, occurrence, "Transfer enrolments to Canvas LMS",
                        poll_url=url_for(".run", occurrence_id=occurrence_id, run_id=run_id),
                        cancel_url=url_for(".cancel_run", occurrence_id=occurrence_id, run_id=run_id)
                        if may_cancel(job_run) else None,
                        done_link=(url_for("occurrences.view", occurrence_id=occurrence_id, _anchor="enrolments"),
                                   "Back to the enrolments"))


@bp.route("/runs/<int:run_id>/cancel", methods=["POST"])
@require("enrolment_transfer", "add")
def cancel_run(occurrence_id: int, run_id: int):
    cancel_checked(_transfer_run(occurrence_id, run_id))
    flash("Cancelling: students already transferred stay transferred.", "info")
    return redirect(url_for(".run", occurrence_id=occurrence_id, run_id=run_id))
