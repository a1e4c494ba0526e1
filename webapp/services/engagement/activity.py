"""Keeping and saying a student's activity in Canvas.

Canvas sends `last_activity_at` (null: never active) and `total_activity_time` (seconds) on every
enrolment of a section listing, to a caller with read_reports on the course (reference §5.2), so
reading them costs no call of its own: each path that already lists the section notes them here.
"""

from dataclasses import dataclass
from datetime import datetime

from ...models import EnrolmentTransfer
from ...rto_time import format_rto_date, format_rto_time, to_rto_time
from ..canvas import Enrollment
from ..clock import naive_utc, utcnow


def note_activity(transfers, in_canvas: dict[int, Enrollment], now: datetime | None = None) -> int:
    """Each transfer's activity as its Canvas user's enrolment in the section gives it; how many were
    noted. A student missing from the section, or a listing without the fields (the token's user may
    not view usage reports), keeps what was read before, with the time it was read."""
    now = now or utcnow()
    noted = 0
    for transfer in transfers:
        found = in_canvas.get(transfer.canvas_user_id)
        if found is None:
            continue
        transfer.activity_withheld = not found.activity_shown
        if transfer.activity_withheld:
            continue
        transfer.last_activity_at = naive_utc(found.last_activity_at)
        transfer.total_activity_seconds = found.total_activity_time or 0
        transfer.activity_read_at = now
        noted += 1
    return noted


def hours_minutes(seconds: int | None) -> str:
    """Canvas's total activity time as h:mm ("0:00" for none)."""
    minutes = (seconds or 0) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def days_since(moment: datetime | None, zone=None, now: datetime | None = None) -> int | None:
    """Whole calendar days in the RTO's time zone from `moment` to now; None for no moment."""
    if moment is None:
        return None
    return (to_rto_time(now or utcnow(), zone).date() - to_rto_time(moment, zone).date()).days


def ago(days: int | None) -> str:
    if days is None:
        return ""
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"


WITHHELD = ("Canvas sends no activity to this integration: its Canvas user needs the permission to view "
            "usage reports (read_reports) in the course's account")


@dataclass(frozen=True)
class Engagement:
    """A student's activity in Canvas in the pages' words."""
    read: bool                 # Canvas's activity was ever read for this student
    last_active: str           # "14/11/2026 19:05", "" when never active
    last_active_date: str      # "14/11/2026"
    days_ago: int | None       # calendar days since, in the RTO's time zone
    total: str                 # "4:15"
    read_at: str               # when canvaslink read them, "05/12/2026 10:02"
    withheld: bool = False     # the section was read, but Canvas sent no activity (no read_reports)

    @property
    def summary(self) -> str:
        """"14/11/2026 (21 days ago) · 4:15", "Never active · 0:00", or "Not read yet"."""
        if not self.read:
            return WITHHELD if self.withheld else "Not read yet"
        when = f"{self.last_active_date} ({ago(self.days_ago)})" if self.last_active else "Never active"
        return f"{when} · {self.total}"


def engagement_of(transfer: EnrolmentTransfer | None, zone=None, now: datetime | None = None) -> Engagement:
    """In the time zone given, else that of the integration the activity came through."""
    if transfer is None or transfer.activity_read_at is None:
        withheld = transfer is not None and transfer.activity_withheld
        return Engagement(False, "", "", None, "", "", withheld=withheld)
    zone = zone or (transfer.link.integration if transfer.link else None)
    return Engagement(True, format_rto_time(transfer.last_activity_at, zone),
                      format_rto_date(transfer.last_activity_at, zone),
                      days_since(transfer.last_activity_at, zone, now), hours_minutes(transfer.total_activity_seconds),
                      format_rto_time(transfer.activity_read_at, zone))
