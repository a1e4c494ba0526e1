"""Transfer enrolments to Canvas LMS (per occurrence): choose the students, preview, run, watch the run."""

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user

from ..models import Enrolment, Occurrence
from ..services import DomainError
from ..services.canvas_sync import transfer
from ..services.integrations.connection import PAGE, canvas_client
from .common import (
    cancel_run, db_int, get_or_404, linked_or_back, render, require, run_or_404, run_progress, start_from_form,
)

bp = Blueprint("enrolment_transfer", __name__, url_prefix="/occurrences/<int:occurrence_id>/canvas")


def _selected_ids(name: str = "enrolment_id") -> list[int]:
    return request.form.getlist(name, type=db_int)


def _enrolments(occurrence: Occurrence) -> list[Enrolment]:
    return sorted(occurrence.enrolments, key=lambda e: (e.client.last_name, e.client.first_name))


@bp.route("/transfer")
@require("enrolment_transfer", "view")
def choose(occurrence_id: int):
    occurrence, current = linked_or_back(occurrence_id)
    return render("enrolment_transfer/choose.html", occurrence=occurrence, link=current,
                  enrolments=_enrolments(occurrence), select=request.args.get("select", "untransferred"))


@bp.route("/transfer/preview", methods=["POST"])
@require("enrolment_transfer", "add")
def preview(occurrence_id: int):
    occurrence, current = linked_or_back(occurrence_id)
    ids = set(_selected_ids())
    chosen = [e for e in _enrolments(occurrence) if e.id in ids]
    if not chosen:
        flash("Choose at least one student to transfer.", "error")
        return redirect(url_for(".choose", occurrence_id=occurrence_id))
    try:
        with canvas_client(current.integration, PAGE) as client:
            plan = transfer.preview(current, chosen, client)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for(".choose", occurrence_id=occurrence_id))
    return render("enrolment_transfer/preview.html", occurrence=occurrence, link=current, enrolments=chosen,
                  plan=plan)


@bp.route("/transfer/run", methods=["POST"])
@require("enrolment_transfer", "add")
def start(occurrence_id: int):
    _, current = linked_or_back(occurrence_id)
    run, refused = start_from_form(
        lambda: transfer.start_transfer(current, _selected_ids(), current_user.id, _selected_ids("reopen_id")),
        current_app.config["TRANSFER_INLINE_LIMIT"], back_url=url_for(".choose", occurrence_id=occurrence_id))
    return refused or redirect(url_for(".run", occurrence_id=occurrence_id, run_id=run.id))


@bp.route("/runs/<int:run_id>")
@require("enrolment_transfer", "view")
def run(occurrence_id: int, run_id: int):
    job_run = run_or_404(run_id, transfer.KIND, occurrence_id=occurrence_id)
    return run_progress(job_run, get_or_404(Occurrence, occurrence_id), "Transfer enrolments to Canvas LMS",
                        done_link=(url_for("occurrences.view", occurrence_id=occurrence_id, _anchor="enrolments"),
                                   "Back to the enrolments"))


@bp.route("/runs/<int:run_id>/cancel", methods=["POST"])
@require("enrolment_transfer", "add")
def cancel(occurrence_id: int, run_id: int):
    return cancel_run(run_or_404(run_id, transfer.KIND, occurrence_id=occurrence_id),
                      "Cancelling: students already transferred stay transferred.",
                      url_for(".run", occurrence_id=occurrence_id, run_id=run_id))
