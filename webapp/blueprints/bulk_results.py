"""Utilities › Transfer results from Canvas LMS: the bulk download with its live progress, then
the paginated review and Process all as a job."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import jobs
from ..extensions import db
from ..models import JobRun
from ..services import DomainError
from ..services.result_transfer import bulk as service
from ..services.result_transfer.forms import chosen_row, posted_rows, row_named, rule_from, unreadable_rows
from ..services.result_transfer.review import edits, opened_rows, review
from ..services.result_transfer.save import process
from ..services.runs.lifecycle import failures
from .common import (
    cancel_run, db_int, page_number, poll_response, render, render_review, require, run_or_404, start_from_form,
)

bp = Blueprint("bulk_results", __name__, url_prefix="/utilities/canvas-results")


def _latest(kind: str) -> JobRun | None:
    return db.session.scalar(select(JobRun).where(JobRun.kind == kind).order_by(JobRun.id.desc()).limit(1))


@bp.route("/")
@require("result_transfer", "view")
def index():
    """The latest download, and the processing of its results. Runs are kept apart: the processing
    of an earlier download is not shown as this one's; only while it still runs is it shown, as
    the earlier download's (run history keeps every run)."""
    download = _latest(service.KIND)
    processing = _latest(service.PROCESS_KIND)
    earlier = None
    if processing is not None and download is not None and processing.params.get("download_run_id") != download.id:
        earlier, processing = (None if processing.ended else processing), None
    return render("bulk_results/index.html", download=download, processing=processing, earlier=earlier,
                  failures_of=failures, figures=service.progress(download) if download else None)


@bp.route("/start", methods=["POST"])
@require("result_transfer", "add")
def start():
    _, refused = start_from_form(
        lambda: service.start_bulk_download(current_user.id, incremental=request.form.get("mode") == "incremental"),
        0, back_url=url_for(".index"),  # bulk work always runs in the background
        already="A bulk download is already under way; here it is.")
    return refused or redirect(url_for(".index"))


@bp.route("/runs/<int:run_id>/progress")
@require("result_transfer", "view")
def progress(run_id: int):
    run = run_or_404(run_id, service.KIND, service.PROCESS_KIND)
    return poll_response(run, "bulk_results/index.html", "progress", page_url=url_for(".index"), failures_of=failures,
                         figures=service.progress(run) if run.kind == service.KIND else None)


@bp.route("/runs/<int:run_id>/cancel", methods=["POST"])
@require("result_transfer", "add")
def cancel(run_id: int):
    return cancel_run(run_or_404(run_id, service.KIND, service.PROCESS_KIND),
                      "Cancelling: everything fetched or saved so far is kept.", url_for(".index"))


@bp.route("/runs/<int:run_id>/resume", methods=["POST"])
@require("result_transfer", "add")
def resume(run_id: int):
    run = run_or_404(run_id, service.KIND)
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


def _page(run: JobRun, rule):
    """The page of staged students the request is about, and its filters (from the address); the
    filters count and choose over every page."""
    occurrence_id, show = request.args.get("occurrence", type=db_int), request.args.get("show", "")
    return service.student_page(run, rule, page_number(), occurrence_id, show), occurrence_id, show


def _review(run: JobRun, students, rule, page, occurrence_id, show, status=200, outcome=None, refusal=None):
    def here(endpoint, **values):
        return url_for(endpoint, run_id=run.id, page=page.page, occurrence=occurrence_id, show=show or None,
                       **values)

    return render_review(run, students, rule, show, status=status, outcome=outcome, counts=page.counts_with(students),
                         occurrence=None, link=None,
                         bulk=True, page=page, occurrences=service.staged_occurrences(run),
                         occurrence_filter=occurrence_id, refusal=refusal, process_url=here(".add_row"),
                         process_all_url=here(".process_all"),
                         filter_url=lambda value: url_for(".review", run_id=run.id, occurrence=occurrence_id,
                                                          start_rule=rule.kind, start_date=rule.date_text or None, show=value))


@bp.route("/runs/<int:run_id>/review", endpoint="review")
@require("result_transfer", "view")
def review_page(run_id: int):
    run = run_or_404(run_id, service.KIND)
    if not run.ended:
        return redirect(url_for(".index"))
    rule = rule_from(request.args)
    page, occurrence_id, show = _page(run, rule)
    return _review(run, page.students, rule, page, occurrence_id, show)


@bp.route("/runs/<int:run_id>/review", methods=["POST"])
@require("result_transfer", "edit")
def add_row(run_id: int):
    """Add or Replace: save the one row named by the button, with what was typed on it; or open a
    kept row to replace it (Replace…), saving nothing."""
    run = run_or_404(run_id, service.KIND)
    rule, posted = rule_from(request.form), posted_rows(request.form)
    page, occurrence_id, show = _page(run, rule)
    if rule.problem or "open" in request.form or "close" in request.form:  # nothing to save: the page again
        posted.pop(row_named(request.form, "close"), None)
        students = review(run, rule, enrolment_ids=list(page.items), posted=posted,
                          opened=row_named(request.form, "open"))
        return _review(run, students, rule, page, occurrence_id, show)
    chosen, action = chosen_row(request.form)
    if chosen is None:
        abort(400)
    outcome, students = process(run, rule, current_user.id, posted=posted, chosen=chosen, action=action,
                                enrolment_ids=list(page.items))
    return _review(run, students, rule, page, occurrence_id, show, status=422 if outcome.skipped else 200,
                   outcome=outcome)


@bp.route("/runs/<int:run_id>/process", methods=["POST"])
@require("result_transfer", "edit")
def process_all(run_id: int):
    """Process all, as a background run over every page; what was typed on this page's rows is
    saved as typed. A kept row left open for replacing is refused: only its Replace button saves it."""
    run = run_or_404(run_id, service.KIND)
    rule = rule_from(request.form)
    page, occurrence_id, show = _page(run, rule)
    students = review(run, rule, enrolment_ids=list(page.items), posted=posted_rows(request.form))
    opened = opened_rows(students)
    if rule.problem:
        return _review(run, students, rule, page, occurrence_id, show)
    if opened:
        refusal = (f"Nothing was processed: {'; '.join(opened)} {'is' if len(opened) == 1 else 'are'} open for "
                   "replacing a kept result. Press Replace on the row to replace it, or Cancel, then Process all.")
        return _review(run, students, rule, page, occurrence_id, show, status=422, refusal=refusal)
    unreadable = unreadable_rows(students)
    if unreadable:
        refusal = (f"Nothing was processed: a date typed on this page cannot be read. {' '.join(unreadable)} "
                   "Put it right, then Process all.")
        return _review(run, students, rule, page, occurrence_id, show, status=422, refusal=refusal)
    typed = edits(students)
    _, refused = start_from_form(lambda: service.start_processing(run, rule, current_user.id, typed), 0,
                                 back_url=url_for(".review", run_id=run.id))
    if refused:
        return refused
    flash("Processing every row that proposes a change; each is saved on its own as it goes"
          f"{f', the {len(typed)} row(s) you edited as you typed them' if typed else ''}.", "success")
    return redirect(url_for(".index"))
