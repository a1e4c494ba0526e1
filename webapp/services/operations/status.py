"""What Redis knows of the background processes: each worker seen lately (alive, died, or stopped), the
cron's heartbeat and what it last enqueued, and the queue. Read by the home page's notices and /metrics."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job

from ...cron import CRON_ALIVE, CRON_STATE
from ...queue import job_queue
from ...workers import ALIVE, BORN, SEEN, STOPPED
from ..clock import naive_utc, utcnow

# A worker not seen for this long is forgotten (its name leaves the hashes), so they do not grow for good.
FORGOTTEN_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class WorkerSeen:
    name: str
    last_beat: datetime
    born: datetime | None
    stopped: datetime | None  # when it shut down cleanly
    alive: bool

    @property
    def died(self) -> bool:
        """Its heartbeat lapsed and it did not shut down: killed, crashed, or its machine went away."""
        return not self.alive and (self.stopped is None or self.stopped < self.last_beat)


@dataclass(frozen=True)
class Status:
    workers: list[WorkerSeen]
    queued: int
    oldest_enqueued: datetime | None
    cron_alive: bool
    cron: dict[str, datetime]  # first_seen, beat, enqueued:<function>: naive UTC

    @property
    def alive(self) -> list[WorkerSeen]:
        return [worker for worker in self.workers if worker.alive]

    @property
    def last_worker_beat(self) -> datetime | None:
        return max((worker.last_beat for worker in self.workers), default=None)


def _times(raw: dict[bytes, bytes]) -> dict[str, datetime]:
    return {key.decode(): datetime.fromisoformat(value.decode()) for key, value in raw.items()}


def read_status(connection: Redis) -> Status:
    """Raises RedisError when Redis does not answer."""
    with connection.pipeline(transaction=False) as pipe:
        pipe.hgetall(SEEN).hgetall(BORN).hgetall(STOPPED).hgetall(CRON_STATE).exists(CRON_ALIVE)
        seen, born, stopped, cron, cron_alive = pipe.execute()
    seen, born, stopped = _times(seen), _times(born), _times(stopped)
    forgotten = [name for name, beat in seen.items() if utcnow() - beat > FORGOTTEN_AFTER]
    if forgotten:
        with connection.pipeline(transaction=False) as pipe:
            for key in (SEEN, BORN, STOPPED):
                pipe.hdel(key, *forgotten)
            pipe.execute()
    names = sorted(set(seen) - set(forgotten))
    with connection.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.exists(ALIVE + name)
        alive = pipe.execute()
    workers = [WorkerSeen(name, seen[name], born.get(name), stopped.get(name), bool(up)) for name, up in zip(names, alive)]
    queue = job_queue(connection)
    first = queue.get_job_ids(0, 1)
    try:
        job = Job.fetch(first[0], connection=connection) if first else None
    except NoSuchJobError:  # it ended between the two reads
        job = None
    return Status(workers, queue.count, naive_utc(job.enqueued_at) if job is not None else None, bool(cron_alive),
                  _times(cron))
