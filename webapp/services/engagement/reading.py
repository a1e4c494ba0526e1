"""The result download's read of each occurrence's section for the students' activity: the one path
that does not list the section anyway, so it lists it once per occurrence (one call per 100 students)
beside the module states it reads."""

from concurrent.futures import Future
from dataclasses import dataclass

from sqlalchemy import select

from ...extensions import db
from ...models import EnrolmentTransfer
from ..canvas import CanvasError
from .activity import note_activity


@dataclass(frozen=True)
class ActivityRead:
    integration_id: int
    occurrence_id: int
    section_id: int
    enrolment_ids: tuple[int, ...]


def note_section_activity(read: ActivityRead, answer: Future) -> None:
    """Note what the section's listing says of the downloaded students' activity. A listing Canvas
    refused changes nothing: the activity read before stays, with the time it was read, and the
    download itself goes on (its module states are what it is for)."""
    try:
        in_canvas = answer.result()
    except CanvasError:
        return
    transfers = db.session.scalars(select(EnrolmentTransfer).where(
        EnrolmentTransfer.enrolment_id.in_(read.enrolment_ids))).all()
    note_activity(transfers, in_canvas)
    db.session.commit()
