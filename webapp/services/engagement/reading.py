"""The result download's read of each occurrence's section for the students' activity: the one path
that does not list the section anyway, so it lists it once per occurrence (one call per 100 students)
beside the module states it reads, unless a refresh or sync read every one of those students within
FRESH (a withdrawal's sync reads the section, then stages the student's progress at once)."""

from concurrent.futures import Future
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select

from ...extensions import db
from ...models import EnrolmentTransfer
from ..canvas import CanvasError
from ..clock import utcnow
from .activity import note_activity

# Activity read this recently is recent enough: the download does not list the section again. An hour covers
# the nightly sync (02:00, it reads every section) before the nightly result transfer (02:30).
FRESH = timedelta(hours=1)


@dataclass(frozen=True)
class ActivityRead:
    integration_id: int
    occurrence_id: int
    section_id: int
    enrolment_ids: tuple[int, ...]


def activity_read(integration_id: int, occurrence_id: int, section_id: int,
                  enrolment_ids: list[int]) -> ActivityRead | None:
    """The section listing to make for these students' activity; None when every one was read within FRESH."""
    stale = db.session.scalar(select(func.count()).select_from(EnrolmentTransfer).where(
        EnrolmentTransfer.enrolment_id.in_(enrolment_ids),
        or_(EnrolmentTransfer.activity_read_at.is_(None), EnrolmentTransfer.activity_read_at < utcnow() - FRESH)))
    return ActivityRead(integration_id, occurrence_id, section_id, tuple(enrolment_ids)) if stale else None


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
