"""Seeing what goes on: the progress picture, Canvas exceptions, run history and mapping health."""

from flask import Blueprint, abort, request
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import JobRun, JobRunItem, Occurrence
from ..rto_time import format_rto_time
from ..services.canvas_links.link import current_link, linked_occurrences
from ..services.oversight import exceptions
from ..services.oversight.health import all_mapping_health
from ..services.oversight.grades_view import grades_grid
from ..services.oversight.progress import STATE_LABELS, STATES, SYMBOLS, progress_grid
from ..services.runs import history
from ..services.runs.kinds import VIEW_RIGHTS
from .common import (
    csv_response,
    db_int,
    get_or_404,
    paginate,
    render,
    require,
    require_any,
)

bp = Blueprint("oversight", __name__)


@bp.route("/occurrences/<int:occurrence_id>/progress")
@require("result_transfer", "view")
def progress(occurrence_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    grid = progress_grid(occurrence)
    return render("oversight/progress.html", occurrence=occurrence, link=grid.link, grid=grid, states=STATES,
                  state_labels=STATE_LABELS, symbols=SYMBOLS)


@bp.route("/occurrences/<int:occurrence_id>/progress/grades")
@require("result_transfer", "view")
def progress_grades(occurrence_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    grid = grades_grid(occurrence)
    return render("oversight/progress_grades.html", occurrence=occurrence, link=grid.link, grid=grid)


def _exception_filter() -> tuple[int | None, str | None]:
    kind = request.args.get("kind") or None
    return request.args.get("occurrence", type=db_int), kind if kind in exceptions.KINDS else None


@bp.route("/canvas-exceptions")
@require("result_transfer", "view")
def canvas_exceptions():
    occurrence_id, kind = _exception_filter()
    rows = exceptions.exception_list(occurrence_id, kind)
    return render("oversight/exceptions.html", rows=rows, kinds=exceptions.KINDS, kind=kind,
                  occurrence_id=occurrence_id, occurrences=linked_occurrences())


@bp.route("/canvas-exceptions.csv")
@require("result_transfer", "view")
def canvas_exceptions_csv():
    occurrence_id, kind = _exception_filter()
    rows = exceptions.exception_list(occurrence_id, kind)
    return csv_response("canvas-exceptions.csv", exceptions.CSV_HEADER,
                        [(exceptions.KINDS[r.kind][0], r.occurrence_id, r.student, r.detail, format_rto_time(r.since))
                         for r in rows])


@bp.route("/runs")
@require_any(*VIEW_RIGHTS)
def run_history():
    """The runs of the kinds this user may see (each kind its own right), and only those."""
    kinds = history.kinds_shown_to(current_user)
    kind = request.args.get("kind") or None
    return render("oversight/runs.html", block="results", page=paginate(history.runs_query(kinds, kind), per_page=50),
                  kind=kind, kinds=history.kind_choices(kinds), runs=history)


@bp.route("/runs/<int:run_id>")
@require_any(*VIEW_RIGHTS)
def run_detail(run_id: int):
    run = get_or_404(JobRun, run_id)
    if run.kind not in history.kinds_shown_to(current_user):
        abort(403)  # its names, Canvas ids and calls are for those with its kind's right
    only_failed = request.args.get("failed") == "1"
    query = select(JobRunItem).where(JobRunItem.run_id == run.id).order_by(JobRunItem.id)
    if only_failed:
        query = query.where(JobRunItem.ok.is_(False))
    return render("oversight/run.html", run=run, page=paginate(query, per_page=100), only_failed=only_failed,
                  runs=history, occurrence=db.session.get(Occurrence, run.occurrence_id) if run.occurrence_id else None)


@bp.route("/mapping-health")
@require("module_mapping", "view")
def mapping_health():
    occurrence_id = request.args.get("occurrence", type=db_int)
    occurrence = get_or_404(Occurrence, occurrence_id) if occurrence_id is not None else None
    return render("oversight/mapping_health.html", health=all_mapping_health(occurrence_id), occurrence=occurrence,
                  link=current_link(occurrence) if occurrence else None)
