"""What changed in the SMS core, announced once the change is committed.

Enrolment and client services announce their changes here and know nothing of who listens; the
Canvas sync (services/canvas_sync) listens and queues its jobs. An announcement is held in the
session until the transaction commits, and dropped if it rolls back: nobody hears of a change
that did not happen. Listeners run after the commit, so they may not use that session: they open
their own, and what they do can never undo the change.
"""

import logging

from blinker import Namespace
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

log = logging.getLogger(__name__)

_signals = Namespace()
# sender: the enrolment id; occurrence_id, actor_id.
enrolment_added = _signals.signal("enrolment-added")
# sender: the enrolment id; occurrence_id, before and after (status names), actor_id.
enrolment_status_changed = _signals.signal("enrolment-status-changed")
# sender: the occurrence id; before ({enrolment id: status name before}), after (the status name), actor_id.
# Several enrolments changed at once (Change status…): one announcement, so they are acted on as one.
enrolment_statuses_changed = _signals.signal("enrolment-statuses-changed")
# sender: the enrolment id (gone); occurrence_id, client_id, actor_id.
enrolment_removed = _signals.signal("enrolment-removed")

_PENDING = "announcements"


def announce(signal, sender: int, **data) -> None:
    """Send `signal` once the session's transaction commits."""
    db.session.info.setdefault(_PENDING, []).append((signal, sender, data))


@event.listens_for(Session, "after_commit")
def _send(session: Session) -> None:
    for signal, sender, data in session.info.pop(_PENDING, []):
        try:
            signal.send(sender, **data)
        except Exception:  # the change is committed; a listener's failure must not turn it into an error page
            log.exception("A listener to %s for %s failed", signal.name, sender)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
