"""The nightly schedule, run by one process: `python -m webapp.cron` (RQ's cron scheduler).

It only enqueues; the RQ workers do the work. First the Canvas sync of every linked occurrence
(states read, changes still due made, mass changes held for a person); then the result transfer,
for the integrations that opt in under Manage › LMS integrations (page 4, Unattended).

The cron expressions are read on the RTO's clock (CANVASLINK_TIME_ZONE), not the server's: RQ reads
them in the server's time zone, so on a server that runs on UTC "02:00" came at 13:00 in Sydney,
in the middle of the RTO's day.

It beats a heartbeat into Redis (`canvaslink:cron`, lapsing CRON_LAPSES_AFTER seconds after its last beat)
and notes when it was first seen and when it last enqueued each nightly job (`canvaslink:cron:state`):
the home page says when it has stopped or the nightly schedule has missed its time
(services/operations/notices.py).
"""

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from croniter import croniter
from redis import Redis
from rq.cron import CronJob, CronScheduler
from rq.utils import now as utc_now

from .config import nightly_schedule
from .jobs import nightly_pull, nightly_sync
from .queue import QUEUE_NAME

CRON_ALIVE = "canvaslink:cron"
CRON_STATE = "canvaslink:cron:state"
# RQ's scheduler sleeps at most 60 s between beats; two late beats are not yet a dead cron.
CRON_LAPSES_AFTER = 150


def local_due(local: datetime, zone: ZoneInfo) -> datetime:
    """A local wall-clock time the schedule names, in UTC. A time the clocks skip (daylight saving starts)
    comes an hour late rather than never; a time they repeat (it ends) comes the first time."""
    return local.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)


def previous_due(cron: str, zone: str, moment: datetime) -> datetime:
    """The last time at or before `moment` (aware) that `cron`, read on the RTO's clock, was due (aware UTC)."""
    zone_info = ZoneInfo(zone)
    local = croniter(cron, moment.astimezone(zone_info).replace(tzinfo=None) + timedelta(seconds=1))
    return local_due(local.get_prev(datetime), zone_info)


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
            # A repeated local time comes once, the first time, and is skipped the second (local_due).
            due = local_due(local, self.zone)
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

    def _now(self) -> str:
        return self.clock().astimezone(timezone.utc).replace(tzinfo=None).isoformat()

    def heartbeat(self) -> None:
        super().heartbeat()
        now = self._now()
        with self.connection.pipeline(transaction=False) as pipe:
            pipe.set(CRON_ALIVE, now, ex=CRON_LAPSES_AFTER).hsetnx(CRON_STATE, "first_seen", now)
            pipe.hset(CRON_STATE, "beat", now).execute()

    def enqueue_jobs(self) -> list[CronJob]:
        enqueued = super().enqueue_jobs()
        if enqueued:
            self.connection.hset(CRON_STATE, mapping={f"enqueued:{job.func_name}": self._now() for job in enqueued})
        return enqueued

    def register_death(self, pipeline=None) -> None:
        """A cron that is stopped reads as stopped at once, not when its heartbeat lapses."""
        super().register_death(pipeline)
        self.connection.delete(CRON_ALIVE)


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
