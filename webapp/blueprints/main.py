"""The home page: where staff start."""

from flask import Blueprint
from flask_login import current_user
from sqlalchemy import func, select

from ..extensions import db
from ..models import Client, Enrolment, Occurrence, OccurrenceStatus, StatusType
from ..services.operations.notices import operations_notices
from ..services.oversight.health import token_failures
from ..services.permissions import can
from ..services.runs.kinds import VIEW_RIGHTS
from ..services.runs.nightly import last_nightly, nightly_notice
from .common import render, signed_in

bp = Blueprint("main", __name__)


@bp.route("/")
@signed_in
def home():
    active_occurrences = db.session.scalars(
        select(Occurrence).join(Occurrence.status)
        .where(OccurrenceStatus.status_type == StatusType.ACTIVE).order_by(Occurrence.start_date)
    ).all()
    counts = {
        "clients": db.session.scalar(select(func.count()).select_from(Client)),
        "occurrences": db.session.scalar(select(func.count()).select_from(Occurrence)),
        "enrolments": db.session.scalar(select(func.count()).select_from(Enrolment)),
    }
    notice = nightly_notice(last_nightly()) if can(current_user, "result_transfer", "view") else None
    # Who watches runs (the run history's right) is told when nothing would run them.
    watches_runs = any(can(current_user, *right) for right in VIEW_RIGHTS)
    return render("main/home.html", active_occurrences=active_occurrences, counts=counts, nightly_notice=notice,
                  operations_notices=operations_notices() if watches_runs else [],
                  nightly_run=last_nightly() if notice else None,
                  token_failures=token_failures() if can(current_user, "lms_integration", "view") else [])
