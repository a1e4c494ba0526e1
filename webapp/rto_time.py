"""Times as the RTO reads them: the local date and time in its time zone, in its date format.

Canvas and the database keep UTC. Every page shows times through `format_rto_time` (the
`rto_time` template filter): in the time zone of the integration the time came through when
there is one, else the app's RTO time zone (`CANVASLINK_TIME_ZONE`). A page names the zone once.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from .services.clock import aware_utc

DEFAULT_TIME_ZONE = "Australia/Sydney"


def rto_zone_name(zone=None) -> str:
    """The zone's name: `zone` may be a name, anything with a `time_zone` (an integration), or None."""
    name = getattr(zone, "time_zone", zone)
    if name:
        return name
    return current_app.config.get("RTO_TIME_ZONE", DEFAULT_TIME_ZONE) if has_app_context() else DEFAULT_TIME_ZONE


def to_rto_time(value: datetime | None, zone=None) -> datetime | None:
    """An aware time, or a naive one in UTC (as the database keeps them), in the RTO's zone."""
    if value is None:
        return None
    return aware_utc(value).astimezone(ZoneInfo(rto_zone_name(zone)))


def format_rto_time(value: datetime | None, zone=None) -> str:
    """dd/mm/yyyy HH:MM in the RTO's time zone; "" for no time."""
    local = to_rto_time(value, zone)
    return local.strftime("%d/%m/%Y %H:%M") if local else ""


def format_rto_date(value: datetime | None, zone=None) -> str:
    """dd/mm/yyyy of the RTO's local calendar day."""
    local = to_rto_time(value, zone)
    return local.strftime("%d/%m/%Y") if local else ""


def rto_today(zone=None) -> date:
    return datetime.now(ZoneInfo(rto_zone_name(zone))).date()
