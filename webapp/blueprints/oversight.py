"""Seeing what goes on: the progress picture, Canvas exceptions, run history and mapping health."""

import csv
import io

from flask import Blueprint, Response, request
from sqlalchemy import select

from ..extensions import db
from ..models import JobRun, JobRunItem, LmsIntegration, Occurrence, OccurrenceLink
from ..rto_time import format_rto_time
from ..services.canvas_links.link import current_link
from ..services.oversight import exceptions
from ..services.runs import history
from ..services import DomainError
from ..services.oversight.health import all_mapping_health, integration_health, recheck_rights
from ..services.oversight.progress import STATE_LABELS, STATES, SYMBOLS, progress_grid
from .common import db_int, get_or_404, paginate, render, require

bp = Blueprint("oversight", __name__)


def csv_response(filename: str, header, rows) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def linked_occurrences() -> list[Occurrence]:
    return db.session.scalars(select(Occurrence).join(OccurrenceLink, OccurrenceLink.occurrence_id == Occurrence.id)
                              .where(OccurrenceLink.is_current).order_by(Occurrence.id)).all()


@bp.route("/occurrences/<int:occurrence_id>/progress")
@require("result_transfer", "view")
def progress(occurrence_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    grid = progress_grid(occurrence)
    return render("oversight/progress.html", occurrence=occurrence, link=grid.link, grid=grid, states=STATES,
                  state_labels=STATE_LABELS, symbols=SYMBOLS)


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
@require("result_transfer", "view")
def run_history():
    kind = request.args.get("kind") or None
    return render("oversight/runs.html", block="results", page=paginate(history.runs_query(kind), per_page=50),
                  kind=kind, kinds=history.known_kinds(), runs=history)


@bp.route("/runs/<int:run_id>")
@require("result_transfer", "view")
def run_detail(run_id: int):
    run = get_or_404(JobRun, run_id)
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


@bp.route("/manage/lms-integrations/<int:integration_id>/rights", methods=["POST"])
@require("lms_integration", "edit")
def check_integration_rights(integration_id: int):
    integration = get_or_404(LmsIntegration, integration_id)
    report, failure = None, None
    try:
        report = recheck_rights(integration)
    except DomainError as err:
        failure = err.message
    db.session.commit()  # a renewed token is kept
    return render("integrations/_health.html", block="rights", h=integration_health([integration])[0],
                  report=report, failure=failure)
