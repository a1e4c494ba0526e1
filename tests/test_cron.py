"""The nightly schedule runs on the RTO's clock, not the server's: on a server that keeps UTC,
"0 2 * * *" in Australia/Sydney is due at 15:00 UTC in summer (AEDT) and 16:00 UTC in winter (AEST)."""

import time
from datetime import datetime, timedelta, timezone

import pytest
from redis import Redis

from webapp.cron import nightly_scheduler
from webapp.jobs import nightly_pull, nightly_sync

UTC = timezone.utc


@pytest.fixture
def utc_server(monkeypatch):
    """The process's local time zone is UTC, as on most servers."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.mark.parametrize("season, day_before, due_utc", [
    ("summer", datetime(2026, 12, 1, 12, 0, tzinfo=UTC), datetime(2026, 12, 1, 15, 0, tzinfo=UTC)),
    ("winter", datetime(2026, 6, 1, 12, 0, tzinfo=UTC), datetime(2026, 6, 1, 16, 0, tzinfo=UTC)),
])
def test_the_nightly_schedule_is_due_at_two_in_the_morning_in_sydney(utc_server, monkeypatch, redis_url,
                                                                      season, day_before, due_utc):
    monkeypatch.delenv("CANVASLINK_NIGHTLY_SYNC_CRON", raising=False)
    monkeypatch.delenv("CANVASLINK_NIGHTLY_CRON", raising=False)
    clock = Clock(day_before)
    sync, pull = nightly_scheduler(Redis.from_url(redis_url), "Australia/Sydney", clock).get_jobs()
    assert (sync.func, pull.func) == (nightly_sync, nightly_pull)
    assert sync.next_enqueue_time == due_utc and pull.next_enqueue_time == due_utc + timedelta(minutes=30)

    clock.now = due_utc - timedelta(seconds=1)
    assert not sync.should_run()
    clock.now = due_utc
    assert sync.should_run() and not pull.should_run()
    sync.set_enqueue_time(due_utc)
    assert sync.next_enqueue_time == due_utc + timedelta(days=1)  # and the next night, not sooner


def test_a_night_the_clocks_change_runs_once(utc_server, redis_url, monkeypatch):
    """Daylight saving ends in Sydney on 5 April 2026: 02:00-03:00 happens twice. 02:30 runs once."""
    monkeypatch.setenv("CANVASLINK_NIGHTLY_CRON", "30 2 * * *")
    clock = Clock(datetime(2026, 4, 4, 12, 0, tzinfo=UTC))
    _, pull = nightly_scheduler(Redis.from_url(redis_url), "Australia/Sydney", clock).get_jobs()
    first = datetime(2026, 4, 4, 15, 30, tzinfo=UTC)  # 02:30 AEDT, the first time round
    assert pull.next_enqueue_time == first
    pull.set_enqueue_time(first)
    assert pull.next_enqueue_time == datetime(2026, 4, 5, 16, 30, tzinfo=UTC)  # 02:30 AEST the next night
