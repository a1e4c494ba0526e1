"""Manage › Audit: everything audited, searchable, with CSV export."""

from flask import Blueprint, request
from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..rto_time import format_rto_time
from ..services.clock import parse_day
from ..services.oversight.audit_log import CSV_HEADER, AuditFilter, audit_query, audited_entities
from ..services.oversight.audit_words import action_words, describe_changes, entity_words
from .common import csv_response, db_int, paginate, render, require

bp = Blueprint("audit_log", __name__)


# The filters typed as ids, with what to do when one cannot be read.
_IDS = {"user": "Who: “{}” is not one of the staff listed. Choose someone from the list, or Anyone.",
        "record": "Record id: “{}” is not the id of a record. Enter its number (digits only), or leave it empty."}


def _filter() -> tuple[AuditFilter, str | None]:
    """The search as typed; an unreadable filter is named (and nothing is listed), not dropped
    (which would list everything) nor a 500."""
    problems, ids, days = [], {}, {}
    for name, message in _IDS.items():
        typed = request.args.get(name, "").strip()
        ids[name] = request.args.get(name, type=db_int)
        if typed and ids[name] is None:
            problems.append(message.format(typed))
    for name in ("date_from", "date_to"):
        try:
            days[name] = parse_day(request.args.get(name))
        except ValueError as err:
            days[name] = None
            problems.append(f"{'From' if name == 'date_from' else 'To'}: {err}")
    chosen = AuditFilter(ids["user"], request.args.get("what") or None, ids["record"], **days)
    return chosen, " ".join(problems) or None


@bp.route("/manage/audit")
@require("audit_entry", "view")
def index():
    return _page(*_filter())


def _page(chosen: AuditFilter, problem: str | None):
    users = db.session.scalars(select(User).order_by(User.display_name)).all()
    page = None if problem else paginate(audit_query(chosen), per_page=50)
    return render("audit_log/index.html", block="results", status=422 if problem else 200,
                  page=page, chosen=chosen, problem=problem, users=users, entities=audited_entities(),
                  args=request.args,
                  kept={k: v for k, v in request.args.items() if k != "page"})


@bp.route("/manage/audit.csv")
@require("audit_entry", "view")
def export():
    chosen, problem = _filter()
    if problem:  # the search page, saying what to put right, rather than a file of the wrong entries
        return _page(chosen, problem)
    entries = db.session.scalars(audit_query(chosen)).all()
    return csv_response("audit.csv", CSV_HEADER, [
        (format_rto_time(e.at), e.user.display_name if e.user else "", entity_words(e.entity), e.entity_id or "",
         action_words(e.action), e.summary, describe_changes(e.changes)) for e in entries])
