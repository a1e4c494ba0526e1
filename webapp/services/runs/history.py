"""Run history: the JobRuns of the kinds someone may see, with who started them and how long they took."""

import logging
from datetime import timedelta

from sqlalchemy import select

from ...extensions import db
from ...models import JobRun, User
from ..permissions import can
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


def kinds_shown_to(user) -> list[str]:
    """The kinds of run `user` may see: each kind's runs need its view right (RunKind.view_right). A kind
    this version does not know (an older run's) has no right to go by: only who sees every kind sees it."""
    shown = [name for name, kind in KINDS.items() if can(user, *kind.view_right)]
    if len(shown) < len(KINDS):
        return shown
    return shown + [kind for kind in db.session.scalars(select(JobRun.kind).distinct()) if kind not in KINDS]


def runs_query(kinds: list[str], kind: str | None = None):
    """Runs of `kinds`, newest first; of `kind` alone when it is one of them (none when it is not)."""
    query = (select(JobRun).outerjoin(User, JobRun.started_by_id == User.id).where(JobRun.kind.in_(kinds))
             .order_by(JobRun.id.desc()))
    return query.where(JobRun.kind == kind) if kind else query


def kind_choices(kinds: list[str]) -> list[tuple[str, str]]:
    """The run history's filter: (kind, its name), by name."""
    return sorted(((kind, label_of(kind)) for kind in kinds), key=lambda pair: pair[1])
