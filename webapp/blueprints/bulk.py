"""Utilities › Transfer results from Canvas LMS: the bulk download with its live progress, then
the paginated review and Process all as a job."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import jobs
from ..extensions import db
from ..models import JobRun, ResultType, TaskStatus
from ..services import DomainError
from ..services.result_transfer import bulk as service
from ..services.result_transfer import download as result_transfer
from ..services.job_runs import failures, request_cancel
from ..services.result_transfer.proposals import CHANGE, INVALID, LEFT_ALONE, UP_TO_DATE
from .common import get_or_404, page_number, render, require
from .results import START_RULES, posted_rows, rule_from

bp = Blueprint("bulk", __name__, url_prefix="/utilities/canvas-results")

KINDS = [(CHANGE, "To save"), (INVALID, "Need a date"), (UP_TO_DATE, "Up to date"), (LEFT_ALONE, "Left alone")]


def _latest(kind: str) -> JobRun | None:
    return db.session.scalar(select(JobRun).where(JobRun.kind == kind).order_by(JobRun.id.desc()).limit(1))


def _run(run_id: int, kind: str) -> JobRun:
    run = get_or_404(JobRun, run_id)
    if run.kind != kind:
        abort(404)
    return run


@bp.route("/")
@require("result_transfer", "view")
def index():
    download = _latest(service.KIND)
    processing = _latest(service.PROCESS_KIND)
    return render("bulk/index.html", download=download, processing=processing, failures_of=failures,
                  figures=service.progress(download) if download else None)


@bp.route("/start", methods=["POST"])
@require("result_transfer", "add")
def start():
    try:
        run = service.start_bulk_download(current_user.id)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for(".index"))
    if run.rq_job_id is None and run.started_at is None:
        jobs.start(run, inline_limit=0)  # bulk work always runs in the background
    else:
        flash("A bulk download is already under way; here it is.", "info")
    return redirect(url_for(".index"))


@bp.route("/runs/<int:run_id>/progress")
@require("result_transfer", "view")
def progress(run_id: int):
    run = get_or_404(JobRun, run_id)
    if run.kind not in (service.KIND, service.PROCESS_KIND):
        abort(404)
    body, status = render("bulk/index.html", block="progress", run=run, failures_of=failures,
                          figures=service.progress(run) if run.kind == service.KIND else None)
    return body, 286 if run.ended and request.headers.get("HX-Request") else status


@bp.route("/runs/<int:run_id>/cancel", methods=["POST"])
@require("result_transfer", "add")
def cancel(run_id: int):
    run = get_or_404(JobRun, run_id)
    request_cancel(run)
    db.session.commit()
    flash("Cancelling: everything fetched or saved so far is kept.", "info")
    return redirect(url_for(".index"))


@bp.route("/runs/<int:run_id>/resume", methods=["POST"])
@require("result_transfer", "add")
def resume(run_id: int):
    run = _run(run_id, service.KIND)
    try:
        service.resume(run)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for(".index"))
    jobs.start(run, inline_limit=0)
    flash(f"Resumed: {run.total - run.done} students still to download.", "success")
    return redirect(url_for(".index"))


def _review(run: JobRun, kind: str, on: date | None, status: int = 200, outcome=None):
    occurrence_id = request.values.get("occurrence", type=int)
    show = request.values.get("show", "")
    page = service.staged_page(run, page_number(), occurrence_id)
    rule = result_transfer.start_rule(kind, on)
    reviews = result_transfer.review(run, rule, date.today(), enrolment_ids=list(page.items))
    if show in dict(KINDS):
        for student in reviews:
            student.proposals = [p for p in student.proposals if p.status == show]
        reviews = [r for r in reviews if r.proposals]
    counts = {s: sum(p.status == s for r in reviews for p in r.proposals) for s in dict(KINDS)}
    return render("results/review.html", status=status, run=run, reviews=reviews, rule=rule, rules=START_RULES,
                  counts=counts, outcome=outcome, occurrence=None, link=None, bulk=True, page=page,
                  occurrences=service.staged_occurrences(run), occurrence_filter=occurrence_id, show=show,
                  kinds=KINDS, result_types=db.session.scalars(select(ResultType)
                                                               .order_by(ResultType.national_outcome_id)).all(),
                  statuses=db.session.scalars(select(TaskStatus).order_by(TaskStatus.position)).all(),
                  process_url=url_for(".add_row", run_id=run.id, page=page.page, occurrence=occurrence_id,
                                      show=show or None),
                  process_all_url=url_for(".process_all", run_id=run.id))


@bp.route("/runs/<int:run_id>/review")
@require("result_transfer", "view")
def review(run_id: int):
    run = _run(run_id, service.KIND)
    if not run.ended:
        return redirect(url_for(".index"))
    return _review(run, *rule_from(request.args))


@bp.route("/runs/<int:run_id>/review", methods=["POST"])
@require("result_transfer", "edit")
def add_row(run_id: int):
    """Add: save the one row named by the button, with what was typed on it."""
    run = _run(run_id, service.KIND)
    kind, on = rule_from(request.form)
    enrolment_id, _, key = request.form.get("add", "").partition(":")
    if not enrolment_id.isdigit() or not key:
        abort(400)
    outcome = result_transfer.process_rows(run, result_transfer.start_rule(kind, on), date.today(), posted_rows(),
                                           current_user.id, only=(int(enrolment_id), key))
    return _review(run, kind, on, status=422 if outcome.skipped else 200, outcome=outcome)


@bp.route("/runs/<int:run_id>/process", methods=["POST"])
@require("result_transfer", "edit")
def process_all(run_id: int):
    run = _run(run_id, service.KIND)
    kind, on = rule_from(request.form)
    try:
        processing = service.start_processing(run, kind, on, current_user.id)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for(".review", run_id=run.id))
    if processing.rq_job_id is None and processing.started_at is None:
        jobs.start(processing, inline_limit=0)
    flash("Processing every row that proposes a change; each is saved on its own as it goes.", "success")
    return redirect(url_for(".index"))
