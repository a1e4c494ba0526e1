"""Hearing the SMS core's announcements (services/announcements.py) and queueing a sync run.

A listener runs after the change was committed, so it works in a session of its own. It queues a
run only when the pure decision says the occurrence's Canvas section needs a change; a run already
waiting for a worker takes the new change along. Several enrolments changed at once (Change status…)
are one announcement and so one run: the mass-change guard meets the batch whole. Whatever fails here,
the change stands, and the next sync (the nightly one at the latest) finds what is left to do.
"""

import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...extensions import db
from ...models import QUEUED, Client, Enrolment, EnrolmentTransfer, JobRun, User
from ...queue import QueueUnavailable, enqueue_run
from ..announcements import enrolment_added, enrolment_removed, enrolment_status_changed, enrolment_statuses_changed
from ..canvas_links.link import current_links
from ..runs.lifecycle import fail_run, start_run
from ..runs.recovery import recover
from .plan import options_for, steps_of
from .runs import KIND

log = logging.getLogger(__name__)


def connect() -> None:
    enrolment_added.connect(_added)
    enrolment_status_changed.connect(_status_changed)
    enrolment_statuses_changed.connect(_statuses_changed)
    enrolment_removed.connect(_removed)


def _added(enrolment_id: int, *, occurrence_id: int, actor_id: int | None = None) -> None:
    queue_sync(occurrence_id, actor_id, {enrolment_id},
               lambda session, who: {str(enrolment_id): f"{who} enrolled {_student(session, enrolment_id)}"})


def _status_changed(enrolment_id: int, *, occurrence_id: int, before: str, after: str,
                    actor_id: int | None = None) -> None:
    _statuses_changed(occurrence_id, before={enrolment_id: before}, after=after, actor_id=actor_id)


def _statuses_changed(occurrence_id: int, *, before: dict[int, str], after: str, actor_id: int | None = None) -> None:
    queue_sync(occurrence_id, actor_id, set(before), lambda session, who: {
        str(enrolment_id): f"{who} changed the status of {_student(session, enrolment_id)} from {was} to {after}"
        for enrolment_id, was in before.items()})


def _removed(enrolment_id: int, *, occurrence_id: int, client_id: int, actor_id: int | None = None) -> None:
    def said(session, who):
        client = session.get(Client, client_id)
        left = session.scalar(select(EnrolmentTransfer.id).where(EnrolmentTransfer.client_id == client_id,
                                                                  EnrolmentTransfer.enrolment_id.is_(None)))
        name = client.full_name if client else "a student"
        return {f"t{left}": f"{who} removed {name} from occurrence {occurrence_id}"}
    queue_sync(occurrence_id, actor_id, {enrolment_id}, said)


def _student(session: Session, enrolment_id: int) -> str:
    enrolment = session.get(Enrolment, enrolment_id)
    return enrolment.client.full_name if enrolment else "a student"


def queue_sync(occurrence_id: int, actor_id: int | None, enrolment_ids: set[int], triggers) -> int | None:
    """Queue one sync of the occurrence if these enrolments need a change in Canvas; the run's id.
    `triggers(session, who)` says, per student (the run item's key), what happened to them."""
    with current_app.app_context():  # an app context of its own: a session of its own
        link = current_links([occurrence_id]).get(occurrence_id)
        if link is None or link.integration is None:
            return None
        if not steps_of(link, options_for(link.integration), enrolment_ids=enrolment_ids):
            return None
        actor = db.session.get(User, actor_id) if actor_id else None
        said = triggers(db.session, actor.display_name if actor else "canvaslink")
        waiting = db.session.scalar(select(JobRun).where(JobRun.kind == KIND, JobRun.occurrence_id == occurrence_id,
                                                         JobRun.status == QUEUED).order_by(JobRun.id))
        if waiting is not None:
            recover(waiting)  # one whose job Redis lost is queued again, and takes this change along
        if waiting is None or waiting.ended or waiting.params.get("dry_run"):
            # Beside a run under way: it read what to do before this change.
            run, created = start_run(KIND, occurrence_id, {"dry_run": False, "trigger": summary(said),
                                                           "triggers": said},
                                     len(steps_of(link, options_for(link.integration))), actor_id, beside=True)
            if created:
                return _queue(run)
            waiting = run  # queued by another change at the same moment: it takes this one along
        merged = {**waiting.params.get("triggers", {}), **said}
        waiting.params = {**waiting.params, "triggers": merged, "trigger": summary(merged)}
        db.session.commit()
        return waiting.id


def _queue(run: JobRun) -> int:
    db.session.commit()
    try:
        run.rq_job_id = enqueue_run(run.id)
    except QueueUnavailable as err:
        log.warning("Canvas sync of occurrence %s not queued: %s", run.occurrence_id, err)
        fail_run(run, f"{err} The change in canvaslink stands; the next sync (tonight's at the latest) makes it.")
    db.session.commit()
    return run.id


def summary(triggers: dict[str, str]) -> str:
    """What a run's triggers were, in a line: the first, and how many more."""
    said = list(triggers.values())
    more = len(said) - 1
    return said[0] if not more else f"{said[0]}; and {more} more change{'s' if more != 1 else ''}"
