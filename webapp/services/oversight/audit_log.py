"""The audit log as staff search it: by who, what, record and date range, on the page and as CSV."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ...extensions import db
from ...models import AuditEntry, User
from ...rto_time import rto_zone_name
from ..clock import naive_utc


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None
    entity: str | None = None
    entity_id: int | None = None
    date_from: date | None = None   # the RTO's local days, both included
    date_to: date | None = None


def _utc(day: date) -> datetime:
    """Midnight starting `day` in the RTO's zone, as the naive UTC the database keeps."""
    local = datetime.combine(day, time.min, ZoneInfo(rto_zone_name()))
    return naive_utc(local)


def audit_query(chosen: AuditFilter):
    query = select(AuditEntry).outerjoin(User, AuditEntry.user_id == User.id) \
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if chosen.user_id is not None:
        query = query.where(AuditEntry.user_id == chosen.user_id)
    if chosen.entity:
        query = query.where(AuditEntry.entity == chosen.entity)
    if chosen.entity_id is not None:
        query = query.where(AuditEntry.entity_id == chosen.entity_id)
    if chosen.date_from:
        query = query.where(AuditEntry.at >= _utc(chosen.date_from))
    if chosen.date_to:
        query = query.where(AuditEntry.at < _utc(chosen.date_to + timedelta(days=1)))
    return query


def audited_entities() -> list[str]:
    return sorted(db.session.scalars(select(AuditEntry.entity).distinct()))


CSV_HEADER = ("When", "Who", "What", "Record", "Action", "Summary", "Changes")
