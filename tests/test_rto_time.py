"""Times as the RTO reads them (the `rto_time` filter): its local day and time, in its time zone."""

from datetime import datetime, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from webapp.rto_time import format_rto_date, format_rto_time, rto_zone_name


@pytest.fixture(autouse=True)
def _clean_database():
    """Plain functions: no database to reset."""


@pytest.mark.parametrize(("value", "zone", "shown"), [
    # The database keeps naive UTC: 13:00 UTC on 4 October is midnight on the 5th in Sydney (daylight time).
    (datetime(2026, 10, 4, 13, 0), None, "05/10/2026 00:00"),
    (datetime(2026, 7, 15, 13, 30), None, "15/07/2026 23:30"),  # standard time, UTC+10
    (datetime(2026, 11, 3, 23, 30, tzinfo=timezone.utc), "Australia/Perth", "04/11/2026 07:30"),
    (datetime(2026, 11, 4, 10, 30, tzinfo=ZoneInfo("Australia/Sydney")),
     SimpleNamespace(time_zone="Australia/Adelaide"), "04/11/2026 10:00"),
    (None, None, ""),
])
def test_times_are_shown_in_the_zone_of_the_integration_or_the_rto(value, zone, shown):
    assert format_rto_time(value, zone) == shown


def test_without_an_integration_the_apps_rto_time_zone_is_used(app):
    app.config["RTO_TIME_ZONE"] = "Australia/Perth"
    try:
        with app.app_context():
            assert rto_zone_name() == "Australia/Perth"
            assert format_rto_date(datetime(2026, 10, 4, 17, 0)) == "05/10/2026"
            assert format_rto_date(datetime(2026, 10, 4, 15, 59)) == "04/10/2026"
    finally:
        app.config["RTO_TIME_ZONE"] = "Australia/Sydney"
    assert rto_zone_name(SimpleNamespace(time_zone="Australia/Darwin")) == "Australia/Darwin"


def test_the_template_filters(app):
    with app.app_context():
        rendered = app.jinja_env.from_string(
            "{{ moment|rto_time }} · {{ moment|rto_date('Australia/Perth') }} · {{ rto_zone() }}").render(
            moment=datetime(2026, 10, 4, 13, 0))
    assert rendered == "05/10/2026 00:00 · 04/10/2026 · Australia/Sydney"
