"""Manage › Audit: everything audited, searchable, with CSV export."""

from flask import Blueprint, abort, request
from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..rto_time import format_rto_time
from ..services.clock import parse_day
from ..services.oversight.audit_log import CSV_HEADER, AuditFilter, audit_query, audited_entities, describe_changes
from .common import csv_response, db_int, paginate, render, require

bp = Blueprint("audit_log", __name__)


def _filter() -> tuple[AuditFilter, str | None]:
    """The search as typed; an unreadable date is named, not a 500."""
    problem = None
    days = {}
    for name in ("date_from", "date_to"):
        try:
            days[name] = parse_day(request.args.get(name))
        except ValueError as err:
            days[name], problem = None, f"{'From' if name == 'date_from' else 'To'}: {err}"
    return AuditFilter(request.args.get("user", type=db_int), request.args.get("what") or None,
                       request.args.get("record", type=db_int), **days), problem


@bp.route("/manage/audit")
@require("audit_entry", "view")
def index():
    chosen, problem = _filter()
    users = db.session.scalars(select(User).order_by(User.display_name)).all()
    return render("audit_log/index.html", block="results", status=422 if problem else 200,
                  page=paginate(audit_query(chosen), per_page=50), chosen=chosen, problem=problem, users=users,
                  entities=audited_entities(), args=request.args, describe_changes=describe_changes,
                  kept={k: v for k, v in request.args.items() if k != "page"})


@bp.route("/manage/audit.csv")
@require("audit_entry", "view")
def export():
    chosen, problem = _filter()
    if problem:
        abort(400)
    entries = db.session.scalars(audit_query(chosen)).all()
    return csv_response("audit.csv", CSV_HEADER, [
        (format_rto_time(e.at), e.user.display_name if e.user else "", e.entity, e.entity_id or "", e.action,
         e.summary, describe_changes(e.changes)) for e in entries])
