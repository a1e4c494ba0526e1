"""Transfer results from Canvas LMS (per occurrence): download, review, Process all / Add."""

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from .. import jobs
from ..extensions import db
from ..models import JobRun, Occurrence, ResultType, TaskStatus
from ..services import DomainError
from ..services.result_transfer import download as service
from ..services.canvas_links import current_link
from ..services.job_runs import request_cancel
from ..services.permissions import can
from ..services.result_transfer.proposals import CHANGE, INVALID, LEFT_ALONE, UP_TO_DATE
from .common import get_or_404, render, require, run_progress

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
        run = service.start_download(current_link(occurrence), current_user.id)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("occurrences.view", occurrence_id=occurrence_id, _anchor="enrolments"))
    if run.started_at is None and run.rq_job_id is None:  # new, not the run already under way
        jobs.start(run, current_app.config["DOWNLOAD_INLINE_LIMIT"])
    return redirect(url_for(".run", occurrence_id=occurrence_id, run_id=run.id))


def rule_from(values) -> tuple[str, date | None]:
    kind = values.get("start_rule", "enrolment")
    return kind, _date(values.get("start_date"))


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


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
                            if can(current_user, "result_transfer", "add") else None,
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


def posted_rows() -> dict[tuple[int, str], service.RowValues]:
    """The review form's rows: inputs named "<enrolment id>:<row key>:outcome|start|end"."""
    rows = {}
    for name in request.form:
        if not name.endswith(":outcome"):
            continue
        enrolment_id, key, _ = name.split(":")
        prefix = f"{enrolment_id}:{key}"
        rows[(int(enrolment_id), key)] = service.RowValues(
            request.form.get(f"{prefix}:outcome", type=int) or None, _date(request.form.get(f"{prefix}:start")),
            _date(request.form.get(f"{prefix}:end")))
    return rows


@bp.route("/runs/<int:run_id>", methods=["POST"])
@require("result_transfer", "edit")
def process(occurrence_id: int, run_id: int):
    """Process all (every valid row) or Add (the row named by the button), each row its own transaction."""
    job_run = _run_of(occurrence_id, run_id)
    occurrence = get_or_404(Occurrence, occurrence_id)
    kind, on = rule_from(request.form)
    only = None
    if request.form.get("add", "").count(":") == 1:
        enrolment_id, key = request.form["add"].split(":")
        only = (int(enrolment_id), key) if enrolment_id.isdigit() else None
    outcome = service.process_rows(job_run, service.start_rule(kind, on), date.today(), posted_rows(),
                                   current_user.id, only=only)
    return _review_page(occurrence, job_run, kind, on, status=422 if outcome.skipped and not outcome.saved else 200,
                        outcome=outcome)


@bp.route("/runs/<int:run_id>/cancel", methods=["POST"])
@require("result_transfer", "add")
def cancel(occurrence_id: int, run_id: int):
    job_run = _run_of(occurrence_id, run_id)
    request_cancel(job_run)
    db.session.commit()
    flash("Cancelling: what was downloaded so far is kept.", "info")
    return redirect(url_for(".run", occurrence_id=occurrence_id, run_id=run_id))
