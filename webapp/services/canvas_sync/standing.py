"""How a transferred student stands in Canvas, in the pages' words, and the lists a person acts on:
changes held by the mass-change guard, invitations not accepted. Reads only what was last read
from Canvas; never calls it."""

from dataclasses import dataclass
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import BY_CANVAS, BY_SYNC, BY_TRANSFER, EnrolmentTransfer, OccurrenceLink
from ...rto_time import format_rto_date
from ..clock import utcnow
from .decide import REACTIVATE, REENROL, Standing, decide
from .plan import options_for
from .states import state_label

BY_WORDS = {BY_SYNC: "by sync", BY_TRANSFER: "by transfer", BY_CANVAS: "by someone in Canvas"}
WAITING = {"conclude": "conclude", "deactivate": "deactivate", "delete": "delete", REACTIVATE: "reactivate",
           REENROL: "re-open"}


@dataclass(frozen=True)
class CanvasStanding:
    state: str                           # "Concluded in Canvas 02/12/2026 by sync"
    waiting: str | None = None           # "Waiting to conclude in Canvas", while a change is due
    held: bool = False                   # the mass-change guard holds that change
    error: str | None = None             # why the last try failed
    not_accepted_days: int | None = None  # invited this many days ago, and over the integration's limit


def canvas_standing(transfer: EnrolmentTransfer) -> CanvasStanding:
    integration = transfer.link.integration
    zone = integration.time_zone if integration else None
    state = state_label(transfer.canvas_state)
    when = format_rto_date(transfer.canvas_state_at, zone)
    said = " ".join(part for part in (state, when, BY_WORDS.get(transfer.canvas_state_by, "")) if part)
    waiting = None
    if integration is not None and transfer.link.is_current:
        status = transfer.enrolment.status.status_type if transfer.enrolment else None
        action = decide(Standing(status, True, transfer.access, transfer.canvas_state), options_for(integration))
        if action in WAITING:
            waiting = f"Waiting to {WAITING[action]} in Canvas"
    days = _days_invited(transfer)
    late = days if days is not None and integration is not None and days >= integration.invitation_days else None
    return CanvasStanding(said, waiting, transfer.held_run_id is not None and waiting is not None,
                          transfer.sync_error if waiting else None, late)


def _days_invited(transfer: EnrolmentTransfer) -> int | None:
    if transfer.canvas_state != "invited" or transfer.canvas_state_at is None:
        return None
    return (utcnow() - transfer.canvas_state_at).days


def _transfers(occurrence_id: int | None):
    query = (select(EnrolmentTransfer).join(OccurrenceLink, EnrolmentTransfer.link_id == OccurrenceLink.id)
             .where(OccurrenceLink.is_current)
             .options(joinedload(EnrolmentTransfer.client), joinedload(EnrolmentTransfer.link)))
    if occurrence_id is not None:
        query = query.where(OccurrenceLink.occurrence_id == occurrence_id)
    return query


def held_changes(occurrence_id: int | None = None) -> list[EnrolmentTransfer]:
    """Students whose loss of access in Canvas the mass-change guard holds for a person to confirm,
    per occurrence or everywhere, with the run that held them (`held_run_id`); not those whose
    enrolment no longer asks for it (set back to an Active status meanwhile)."""
    held = db.session.scalars(_transfers(occurrence_id).where(EnrolmentTransfer.held_run_id.is_not(None))
                              .order_by(OccurrenceLink.occurrence_id, EnrolmentTransfer.id))
    return [transfer for transfer in held if canvas_standing(transfer).held]


def unaccepted_invitations(occurrence_id: int) -> list[EnrolmentTransfer]:
    """Students still invited in Canvas after the integration's number of days, oldest first."""
    invited = db.session.scalars(_transfers(occurrence_id).where(EnrolmentTransfer.canvas_state == "invited")
                                 .order_by(EnrolmentTransfer.canvas_state_at))
    return [t for t in invited if canvas_standing(t).not_accepted_days is not None]
