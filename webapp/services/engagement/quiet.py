"""Who has gone quiet in Canvas: Active students with access in Canvas, whose enrolment has started,
and who have not been active there for the integration's number of days (`quiet_days`), or never
since their enrolment started that many days ago. Read from the activity last read from Canvas, so a
student leaves the list at the first read after they are active again."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import Enrolment, EnrolmentStatus, EnrolmentTransfer, OccurrenceLink, StatusType
from ...rto_time import format_rto_date, format_rto_time, to_rto_time
from ..clock import utcnow
from .activity import ago, days_since, hours_minutes

NOT_ACTIVE, NEVER_ACTIVE = "not_active", "never_active"


@dataclass(frozen=True)
class QuietStudent:
    kind: str              # NOT_ACTIVE or NEVER_ACTIVE
    occurrence_id: int
    enrolment_id: int
    student: str           # "Full Name (code)"
    detail: str
    since: datetime | None  # the last activity; for a student never active, when they were transferred


def _started_on(enrolment: Enrolment, transfer: EnrolmentTransfer) -> date:
    return enrolment.start_date or enrolment.occurrence.start_date or transfer.transferred_at.date()


def quiet_students(occurrence_id: int | None = None, kind: str | None = None,
                   now: datetime | None = None) -> list[QuietStudent]:
    """Every student gone quiet (or those of one kind), per occurrence or everywhere."""
    now = now or utcnow()
    query = (select(EnrolmentTransfer, Enrolment)
             .join(Enrolment, EnrolmentTransfer.enrolment_id == Enrolment.id)
             .join(EnrolmentStatus, Enrolment.status_id == EnrolmentStatus.id)
             .join(OccurrenceLink, EnrolmentTransfer.link_id == OccurrenceLink.id)
             .where(OccurrenceLink.is_current, EnrolmentStatus.status_type == StatusType.ACTIVE,
                    EnrolmentTransfer.canvas_state == "active", EnrolmentTransfer.activity_read_at.is_not(None))
             .options(joinedload(EnrolmentTransfer.link).joinedload(OccurrenceLink.integration),
                      joinedload(Enrolment.client), joinedload(Enrolment.occurrence)))
    if occurrence_id is not None:
        query = query.where(OccurrenceLink.occurrence_id == occurrence_id)
    found = []
    for transfer, enrolment in db.session.execute(query):
        integration = transfer.link.integration
        if integration is None:
            continue
        row = _quiet(transfer, enrolment, integration, now)
        if row is not None and kind in (None, row.kind):
            found.append(row)
    return found


def _quiet(transfer: EnrolmentTransfer, enrolment: Enrolment, integration, now: datetime) -> QuietStudent | None:
    limit, zone = integration.quiet_days, integration.time_zone
    today = to_rto_time(now, zone).date()
    started = _started_on(enrolment, transfer)
    if started > today:
        return None
    label = f"{enrolment.client.full_name} ({enrolment.client.code})"
    read = f"read from Canvas {format_rto_time(transfer.activity_read_at, zone)}"
    if transfer.last_activity_at is None:
        since_start = (today - started).days
        if since_start < limit:
            return None
        return QuietStudent(NEVER_ACTIVE, enrolment.occurrence_id, enrolment.id, label,
                            f"Never active in Canvas since the enrolment started on {started:%d/%m/%Y} "
                            f"({since_start} days; listed after {limit}); {read}.", transfer.transferred_at)
    days = days_since(transfer.last_activity_at, zone, now)
    if days < limit:
        return None
    return QuietStudent(NOT_ACTIVE, enrolment.occurrence_id, enrolment.id, label,
                        f"Not active in Canvas for {days} days: last active "
                        f"{format_rto_date(transfer.last_activity_at, zone)} ({ago(days)}), "
                        f"{hours_minutes(transfer.total_activity_seconds)} in total (listed after {limit} days); "
                        f"{read}.", transfer.last_activity_at)
