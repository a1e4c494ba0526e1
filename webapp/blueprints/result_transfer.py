"""Transfer results from Canvas LMS (per occurrence): download, review, Process all / Add / Replace."""

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user

from ..extensions import htmx
from ..models import Occurrence
from ..services.canvas_links.link import current_link
from ..services.result_transfer import download as service
from ..services.result_transfer.forms import chosen_row, posted_rows, row_named, rule_from
from ..services.result_transfer.review import review
from ..services.result_transfer.save import ACTIONS, process
from .common import cancel_run, get_or_404, render_review, require, run_or_404, run_progress, start_from_form

bp = Blueprint("result_transfer", __name__, url_prefix="/occurrences/<int:occurrence_id>/canvas/results")


@bp.route("/download", methods=["POST"])
@require("result_transfer", "add")
def download(occurrence_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    run, refused = start_from_form(
        lambda: service.start_download(current_link(occurrence), current_user.id,
                                       incremental=request.form.get("mode") == "incremental"),
        current_app.config["DOWNLOAD_INLINE_LIMIT"],
        back_url=url_for("occurrences.view", occurrence_id=occurrence_id, _anchor="enrolments"))
    return refused or redirect(url_for(".run", occurrence_id=occurrence_id, run_id=run.id))


@bp.route("/runs/<int:run_id>")
@require("result_transfer", "view")
def run(occurrence_id: int, run_id: int):
    """While downloading: the progress bar. Once downloaded: the review of the proposals."""
    job_run = run_or_404(run_id, service.KIND, occurrence_id=occurrence_id)
    occurrence = get_or_404(Occurrence, occurrence_id)
    if not job_run.ended or htmx:
        return run_progress(job_run, occurrence, "Transfer results from Canvas LMS: download",
                            done_link=(url_for(".run", occurrence_id=occurrence_id, run_id=run_id),
                                       "Review the results"))
    rule = rule_from(request.args)
    return _review_page(occurrence, job_run, review(job_run, rule), rule, request.args.get("show"))


@bp.route("/runs/<int:run_id>", methods=["POST"], endpoint="process")
@require("result_transfer", "edit")
def process_rows(occurrence_id: int, run_id: int):
    """Process all (every row that proposes a change), Add (the row named by the button), Replace
    (a kept row a person chose), or Replace… (open a kept row to replace it; nothing is saved)."""
    job_run = run_or_404(run_id, service.KIND, occurrence_id=occurrence_id)
    occurrence = get_or_404(Occurrence, occurrence_id)
    rule, posted, show = rule_from(request.form), posted_rows(request.form), request.form.get("show")
    if rule.problem or "open" in request.form or "close" in request.form:  # nothing to save: the page again
        posted.pop(row_named(request.form, "close"), None)
        students = review(job_run, rule, posted=posted, opened=row_named(request.form, "open"))
        return _review_page(occurrence, job_run, students, rule, show)
    chosen, action = chosen_row(request.form)
    if chosen is None and any(name in request.form for name in ACTIONS):
        abort(400)  # a damaged Add or Replace must not become Process all
    outcome, students = process(job_run, rule, current_user.id, posted=posted, chosen=chosen, action=action)
    return _review_page(occurrence, job_run, students, rule, show, outcome=outcome,
                        status=422 if outcome.skipped and not outcome.saved else 200)


def _review_page(occurrence, job_run, students, rule, show, status=200, outcome=None):
    url = url_for(".process", occurrence_id=occurrence.id, run_id=job_run.id)
    return render_review(job_run, students, rule, show, status=status, outcome=outcome, occurrence=occurrence,
                         link=current_link(occurrence), bulk=False, process_url=url, process_all_url=url,
                         left_out=service.left_out_sentence(job_run),
                         filter_url=lambda value: url_for(".run", occurrence_id=occurrence.id, run_id=job_run.id,
                                                          start_rule=rule.kind, start_date=rule.date_text or None, show=value))


@bp.route("/runs/<int:run_id>/cancel", methods=["POST"])
@require("result_transfer", "add")
def cancel(occurrence_id: int, run_id: int):
    return cancel_run(run_or_404(run_id, service.KIND, occurrence_id=occurrence_id),
                      "Cancelling: what was downloaded so far is kept.",
                      url_for(".run", occurrence_id=occurrence_id, run_id=run_id))
