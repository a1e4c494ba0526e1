"""Run history: every JobRun, whatever its kind, with who started it and how long it took."""

import logging
from datetime import timedelta

from sqlalchemy import select

from ...extensions import db
from ...models import JobRun, User
from .kinds import KINDS, label_of
from .nightly import NIGHTLY

log = logging.getLogger(__name__)


def kind_label(run: JobRun) -> str:
    if run.params.get("nightly"):
        return NIGHTLY
    return label_of(run.kind)


def started_by(run: JobRun) -> str:
    if run.started_by is not None:
        return run.started_by.display_name
    return "Nightly schedule" if run.params.get("nightly") else "Command line or schedule"


def duration(run: JobRun) -> timedelta | None:
    begun = run.started_at or run.created_at
    return run.finished_at - begun if run.finished_at and begun else None


def describe_duration(span: timedelta | None) -> str:
    if span is None:
        return "—"
    seconds = int(span.total_seconds())
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


def runs_query(kind: str | None = None):
    query = select(JobRun).outerjoin(User, JobRun.started_by_id == User.id).order_by(JobRun.id.desc())
    return query.where(JobRun.kind == kind) if kind else query


def known_kinds() -> list[tuple[str, str]]:
    kinds = set(db.session.scalars(select(JobRun.kind).distinct())) | set(KINDS)
    return sorted(((kind, label_of(kind)) for kind in kinds), key=lambda pair: pair[1])
