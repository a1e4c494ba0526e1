"""The home page: where staff start."""

from flask import Blueprint
from sqlalchemy import func, select

from ..extensions import db
from ..models import Client, Enrolment, Occurrence, OccurrenceStatus, StatusType
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
    return render("main/home.html", active_occurrences=active_occurrences, counts=counts)
