"""Times as canvaslink keeps them (naive UTC) and as Canvas sends them (aware, any offset)."""

from datetime import UTC, datetime, timedelta, timezone

from webapp.extensions import db
from webapp.models import OccurrenceLink
from webapp.services.canvas import Module
from webapp.services.canvas_links.modules import update_module_list
from webapp.services.clock import aware_utc, from_epoch, naive_utc, to_epoch

SYDNEY_SUMMER = timezone(timedelta(hours=11))


def test_an_aware_time_is_converted_to_utc_before_its_zone_is_dropped():
    assert naive_utc(datetime(2026, 3, 2, 9, 0, tzinfo=SYDNEY_SUMMER)) == datetime(2026, 3, 1, 22, 0)
    assert naive_utc(datetime(2026, 3, 1, 22, 0)) == datetime(2026, 3, 1, 22, 0)
    assert naive_utc(None) is None


def test_stored_times_come_back_aware_and_epoch_seconds_round_trip():
    assert aware_utc(datetime(2026, 3, 1, 22, 0)) == datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
    assert aware_utc(datetime(2026, 3, 2, 9, 0, tzinfo=SYDNEY_SUMMER)).tzinfo == UTC
    stored = from_epoch(to_epoch(datetime(2026, 3, 1, 22, 0)))
    assert stored == datetime(2026, 3, 1, 22, 0) and stored.tzinfo is None


class _OneModuleCanvas:
    """A Canvas whose course has one module that unlocks at 9 am Sydney time, sent with its offset."""

    def list_modules(self, course_id, with_items=False):
        return [Module(id=901, name="Welcome", position=1, unlock_at=datetime(2026, 3, 2, 9, 0, tzinfo=SYDNEY_SUMMER),
                       items=())]


def test_a_module_unlock_time_sent_with_an_offset_is_kept_as_the_same_moment(make_occurrence, integration):
    occurrence = make_occurrence(occurrence_id=501)
    link = OccurrenceLink(occurrence_id=occurrence.id, integration_id=integration.id, canvas_course_id=55, canvas_course_name="Course",
                          canvas_section_id=87, canvas_section_name="Section", linked_at=datetime(2026, 1, 1))
    db.session.add(link)
    db.session.flush()
    db.session.refresh(link)
    update_module_list(link, _OneModuleCanvas(), actor_id=None)
    db.session.commit()
    # 9 am on 2 March in Sydney (UTC+11) is 10 pm on 1 March UTC; dropping the offset kept 9 am.
    assert link.modules[0].unlock_at == datetime(2026, 3, 1, 22, 0)
