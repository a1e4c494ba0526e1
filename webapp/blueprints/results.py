"""Transfer results from Canvas LMS (per occurrence): download, review, Process all / Add."""

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from .. import jobs
from ..extensions import db
from ..models import JobRun, Occurrence, ResultType, TaskStatus
from ..services import DomainError
from ..services import result_transfer as service
from ..services.canvas_links import current_link
from ..services.result_proposals import CHANGE, INVALID, LEFT_ALONE, UP_TO_DATE
from .common import cancel_checked, db_int, get_or_404, may_cancel, render, require, run_progress
from .dates import parse_day

bp = Blueprint("results", __name__, url_prefix="/occurrences/<int:occurrence_id>/canvas/results")

START_RULES = [("unlock", "Canvas module unlock date"), ("plan", "Training plan unit start date"),
               ("enrolment", "Enrolment start date"), ("today", "Today"), ("date", "This date:")]


def _run_of(occurrence_id: int, run_id: int) -> JobRun:
    run = get_or_404(JobRun, run_id)
    if run.occurrence_id != occurrence_id or run.kind != service.KIND:
        abort(404)
    return run


@bp.route("/download", methods=["POST"])
@require("result_transfer", "add")
def download(occurrence_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    try:
        run, created = service.start_download(current_link(occurrence), current_user.id)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("occurrences.view", occurrence_id=occurrence_id, _anchor="enrolments"))
    if created:
        jobs.start(run, current_app.config["DOWNLOAD_INLINE_LIMIT"])
    return redirect(url_for(".run", occurrence_id=occurrence_id, run_id=run.id))


def rule_from(values) -> tuple[str, date | None]:
    """An unreadable "This date" counts as none: every row then shows that it needs a date."""
    kind = values.get("start_rule", "enrolment")
    try:
        return kind, parse_day(values.get("start_date"))
    except ValueError:
        return kind, None


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
    return _review_page(occurrence, job_run, *rule_from(request.args))


def _review_page(occurrence, job_run, kind, on, status=200, outcome=None):
    rule = service.start_rule(kind, on)
    reviews = service.review(job_run, rule, date.today())
    counts = {s: sum(p.status == s for r in reviews for p in r.proposals)
              for s in (CHANGE, UP_TO_DATE, LEFT_ALONE, INVALID)}
    result_types = db.session.scalars(db.select(ResultType).order_by(ResultType.national_outcome_id)).all()
    statuses = db.session.scalars(db.select(TaskStatus).order_by(TaskStatus.position)).all()
    return render("results/review.html", status=status, occurrence=occurrence, link=current_link(occurrence),
                  run=job_run, reviews=reviews, rule=rule, rules=START_RULES, counts=counts, outcome=outcome,
                  result_types=result_types, statuses=statuses, bulk=False,
                  process_url=url_for(".process", occurrence_id=occurrence.id, run_id=job_run.id))


def row_name(text: str) -> tuple[int, str] | None:
    """"<enrolment id>:<row key>" as sent by a row's inputs and its Add button; None if malformed."""
    enrolment_id, colon, key = text.partition(":")
    try:
        return (db_int(enrolment_id), key) if colon and key and ":" not in key else None
    except ValueError:
        return None


def posted_rows() -> dict[tuple[int, str], service.RowValues]:
    """The review form's rows: inputs named "<enrolment id>:<row key>:outcome|start|end"."""
    rows = {}
    for name in request.form:
        prefix, _, field = name.rpartition(":")
        row = row_name(prefix) if field == "outcome" else None
        if row is None:
            continue
        try:
            start, end = (parse_day(request.form.get(f"{prefix}:{which}")) for which in ("start", "end"))
            problem = None
        except ValueError as err:  # never save a row on a date nobody typed
            start = end = None
            problem = str(err)
        rows[row] = service.RowValues(request.form.get(f"{prefix}:outcome", type=db_int) or None, start, end,
                                      problem)
    return rows


@bp.route("/runs/<int:run_id>", methods=["POST"])
@require("result_transfer", "edit")
def process(occurrence_id: int, run_id: int):
    """Process all (every valid row) or Add (the row named by the button), each row its own transaction."""
    job_run = _run_of(occurrence_id, run_id)
    occurrence = get_or_404(Occurrence, occurrence_id)
    kind, on = rule_from(request.form)
    only = row_name(request.form["add"]) if "add" in request.form else None
    if "add" in request.form and only is None:
        abort(400)  # a damaged Add must not become Process all
    outcome = service.process_rows(job_run, service.start_rule(kind, on), date.today(), posted_rows(),
                                   current_user.id, only=only)
    return _review_page(occurrence, job_run, kind, on, status=422 if outcome.skipped and not outcome.saved else 200,
                        outcome=outcome)


@bp.route("/runs/<int:run_id>/cancel", methods=["POST"])
@require("result_transfer", "add")
def cancel(occurrence_id: int, run_id: int):
    cancel_checked(_run_of(occurrence_id, run_id))
    flash("Cancelling: what was downloaded so far is kept.", "info")
    return redirect(url_for(".run", occurrence_id=occurrence_id, run_id=run_id))
