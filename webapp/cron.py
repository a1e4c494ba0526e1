"""The nightly schedule, run by one process: `python -m webapp.cron` (RQ's cron scheduler).

It only enqueues; the RQ workers do the work. First the Canvas sync of every linked occurrence
(states read, changes still due made, mass changes held for a person); then the result transfer,
for the integrations that opt in under Manage › LMS integrations (page 4, Unattended).

The cron expressions are read on the RTO's clock (CANVASLINK_TIME_ZONE), not the server's: RQ reads
them in the server's time zone, so on a server that runs on UTC "02:00" came at 13:00 in Sydney,
in the middle of the RTO's day.
"""

from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from croniter import croniter
from redis import Redis
from rq.cron import CronJob, CronScheduler
from rq.utils import now as utc_now

from .config import nightly_schedule
from .jobs import nightly_pull, nightly_sync
from .queue import QUEUE_NAME


class ZonedCronJob(CronJob):
    """A cron job whose expression is read in `zone`. `clock` gives the aware UTC time now."""

    def __init__(self, *args, zone: ZoneInfo, clock: Callable[[], datetime] = utc_now, **kwargs) -> None:
        self.zone, self.clock = zone, clock
        super().__init__(*args, **kwargs)  # works out the first due time, on this clock

    def get_next_enqueue_time(self) -> datetime:
        if not self.cron:
            return super().get_next_enqueue_time()
        base = self.latest_enqueue_time or self.clock()
        local_times = croniter(self.cron, base.astimezone(self.zone).replace(tzinfo=None))
        while True:
            local = local_times.get_next(datetime)
            # A time the clocks skip (daylight saving starts) comes an hour late rather than never; a
            # time they repeat (it ends) comes once, the first time, and is skipped the second.
            due = local.replace(tzinfo=self.zone, fold=0).astimezone(timezone.utc)
            if due > base:
                return due

    def should_run(self) -> bool:
        return self.next_enqueue_time is not None and self.clock() >= self.next_enqueue_time


class ZonedCronScheduler(CronScheduler):
    """RQ's cron scheduler, its jobs on the RTO's clock."""

    def __init__(self, connection: Redis, zone: str, clock: Callable[[], datetime] = utc_now, **kwargs) -> None:
        super().__init__(connection, **kwargs)
        self.zone, self.clock = ZoneInfo(zone), clock

    def register(self, func: Callable, queue_name: str, **options) -> CronJob:
        job = ZonedCronJob(queue_name=queue_name, func=func, zone=self.zone, clock=self.clock, **options)
        self._cron_jobs.append(job)
        self.log.info("Registered %s.%s on %s: %s in %s", func.__module__, func.__name__, queue_name,
                      options.get("cron"), self.zone.key)
        return job


def nightly_scheduler(connection: Redis, zone: str, clock: Callable[[], datetime] = utc_now) -> ZonedCronScheduler:
    """By default 02:00 and 02:30 in the RTO's time zone: after the day's Canvas activity, before staff
    arrive. The sync comes first: a student withdrawn today has their progress staged and access ended
    before the results are read."""
    sync_at, pull_at = nightly_schedule()
    scheduler = ZonedCronScheduler(connection, zone, clock)
    scheduler.register(nightly_sync, QUEUE_NAME, cron=sync_at, job_timeout=3 * 3600)
    scheduler.register(nightly_pull, QUEUE_NAME, cron=pull_at, job_timeout=6 * 3600)
    return scheduler


def main() -> None:
    from webapp import create_app

    from .queue import redis_connection

    app = create_app()
    with app.app_context():
        nightly_scheduler(redis_connection(), app.config["RTO_TIME_ZONE"]).start()


if __name__ == "__main__":
    main()
