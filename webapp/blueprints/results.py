"""Transfer results from Canvas LMS (per occurrence): download, review, Process all / Add / Replace.
`render_review` draws the review for this page and the bulk one."""

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from ..extensions import db
from ..models import JobRun, Occurrence, ResultType, TaskStatus
from ..services.canvas_links.link import current_link
from ..services.result_transfer import download as service
from ..services.result_transfer.forms import chosen_row, posted_rows, row_named, rule_from
from ..services.result_transfer.start_rules import START_RULES
from ..services.result_transfer.review import SHOW, present, review
from ..services.result_transfer.save import ACTIONS, process
from .common import cancel_checked, get_or_404, may_cancel, render, require, run_progress, start_from_form

bp = Blueprint("results", __name__, url_prefix="/occurrences/<int:occurrence_id>/canvas/results")


def _run_of(occurrence_id: int, run_id: int) -> JobRun:
    run = get_or_404(JobRun, run_id)
    if run.occurrence_id != occurrence_id or run.kind != service.KIND:
        abort(404)
    return run


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
    job_run = _run_of(occurrence_id, run_id)
    occurrence = get_or_404(Occurrence, occurrence_id)
    if not job_run.ended or request.headers.get("HX-Request"):
        return run_progress(job_run, occurrence, "Transfer results from Canvas LMS: download",
                            poll_url=url_for(".run", occurrence_id=occurrence_id, run_id=run_id),
                            cancel_url=url_for(".cancel", occurrence_id=occurrence_id, run_id=run_id)
                            if may_cancel(job_run) else None,
                            done_link=(url_for(".run", occurrence_id=occurrence_id, run_id=run_id),
                                       "Review the results"))
    rule = rule_from(request.args)
    return _review_page(occurrence, job_run, review(job_run, rule), rule, request.args.get("show"))


@bp.route("/runs/<int:run_id>", methods=["POST"], endpoint="process")
@require("result_transfer", "edit")
def process_rows(occurrence_id: int, run_id: int):
    """Process all (every row that proposes a change), Add (the row named by the button), Replace
    (a kept row a person chose), or Replace… (open a kept row to replace it; nothing is saved)."""
    job_run = _run_of(occurrence_id, run_id)
    occurrence = get_or_404(Occurrence, occurrence_id)
    rule, posted, show = rule_from(request.form), posted_rows(request.form), request.form.get("show")
    if "open" in request.form or "close" in request.form:
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
                                                          start_rule=rule.kind, start_date=rule.on, show=value))


def render_review(job_run, students, rule, show, *, status=200, outcome=None, **page):
    """The review page of a download, per occurrence and in bulk alike."""
    zones = {student.context.defaults.time_zone for student in students if student.context}
    return render("results/review.html", status=status, run=job_run, review=present(students, show), rule=rule,
                  rules=START_RULES, kinds=SHOW, outcome=outcome, zone=zones.pop() if len(zones) == 1 else None,
                  result_types=db.session.scalars(db.select(ResultType).order_by(ResultType.national_outcome_id)).all(),
                  statuses=db.session.scalars(db.select(TaskStatus).order_by(TaskStatus.position)).all(), **page)


@bp.route("/runs/<int:run_id>/cancel", methods=["POST"])
@require("result_transfer", "add")
def cancel(occurrence_id: int, run_id: int):
    cancel_checked(_run_of(occurrence_id, run_id))
    flash("Cancelling: what was downloaded so far is kept.", "info")
    return redirect(url_for(".run", occurrence_id=occurrence_id, run_id=run_id))
