"""canvaslink's RQ worker and its heartbeat in Redis.

The worker's main process beats whenever RQ beats its own heartbeat: every BEAT_SECONDS, idle (between
waits for a job) or busy (while it watches the work horse that runs one). Never the work horse, never
a thread, never the database: only the process that outlives its jobs can say it is alive.

A beat writes two things:
- `canvaslink:worker:<name>`, which Redis expires LAPSES_AFTER seconds later by its own clock: while
  it exists the worker is alive;
- `canvaslink:workers`, the worker's name → when it last beat (UTC), for every worker seen since Redis
  started. A worker named there whose key lapsed has died; one missing there, Redis cannot speak for
  (it restarted since), and the run it held is judged by the run's own reports instead.

A run knows the job that holds it (JobRun.rq_job_id) and RQ the worker that runs that job: so a run
whose worker was killed reads as stopped within LAPSES_AFTER seconds (runs.lifecycle.abandoned), and
whatever reports on workers (e.g. "no worker seen for 2 minutes") can read the same two keys.

Two more hashes tell a worker that died from one that was stopped or replaced (the home page's notice,
services/operations/notices.py): `canvaslink:workers:born` (when it first beat) and
`canvaslink:workers:stopped` (when it shut down cleanly). The cron beats as well (cron.py): `canvaslink:cron`
while it runs, and `canvaslink:cron:state` with when it was first seen and when it last enqueued each
nightly job.
"""

from redis import Redis
from redis.exceptions import RedisError
from redis.client import Pipeline
from rq import Worker as RQWorker

from .queue import job_queue
from .services.clock import utcnow

BEAT_SECONDS = 5
LAPSES_AFTER = 3 * BEAT_SECONDS  # two beats may be late; a third missed is a dead worker
ALIVE = "canvaslink:worker:"
SEEN = "canvaslink:workers"
BORN = "canvaslink:workers:born"
STOPPED = "canvaslink:workers:stopped"


def _beat(connection: Redis | Pipeline, name: str) -> None:
    now = utcnow().isoformat()
    connection.set(ALIVE + name, 1, ex=LAPSES_AFTER)
    connection.hset(SEEN, name, now)
    connection.hsetnx(BORN, name, now)


def mark_dead(connection: Redis, name: str) -> None:
    """A supervisor saw the worker's process end (scripts/devrun.py): it reads as stopped now, not when
    its key lapses; it did not shut down cleanly, so the home page says it died."""
    connection.delete(ALIVE + name)


def worker_alive(name: str, connection: Redis) -> bool | None:
    """True while the worker beats, False once a worker seen since Redis started has stopped, None
    when Redis does not know it (it restarted since, or the worker is not canvaslink's)."""
    with connection.pipeline(transaction=False) as pipe:
        alive, seen = pipe.exists(ALIVE + name).hexists(SEEN, name).execute()
    return True if alive else (False if seen else None)


def any_worker_alive(connection: Redis) -> bool:
    """Whether some worker beats now (False when Redis cannot be asked)."""
    try:
        return next(connection.scan_iter(match=ALIVE + "*", count=100), None) is not None
    except RedisError:
        return False


class Worker(RQWorker):
    """RQ's worker (a work horse forked per job), beating canvaslink's heartbeat with RQ's own."""

    def heartbeat(self, timeout: int | None = None, pipeline: Pipeline | None = None) -> None:
        super().heartbeat(timeout, pipeline)
        if pipeline is not None:  # RQ's beat while a job runs goes out in one round trip with the job's
            _beat(pipeline, self.name)
            return
        with self.connection.pipeline(transaction=False) as pipe:
            _beat(pipe, self.name)
            pipe.execute()

    def unsubscribe(self) -> None:
        """RQ's, in an order that cannot hang: the thread listening for commands is told to stop before
        the channel is left. The other way round, the thread could read the channel's goodbye and go
        back to waiting up to a minute for a subscription, while stop() waited for it: a worker that
        said "quitting" and did not exit for a minute (seen under load, before and after this class)."""
        if self.pubsub_thread:
            self.log.info("Worker %s: unsubscribing from channel %s", self.name, self.pubsub_channel_name)
            self.pubsub_thread.stop(timeout=0)
            self.pubsub.unsubscribe()  # its answer wakes the thread, which then ends
            self.pubsub_thread.join(timeout=1)
            self.pubsub.close()

    def teardown(self) -> None:
        """A worker that stops reads as stopped at once: a run it leaves behind (a second Ctrl-C kills
        the job) is taken over without waiting for the key to lapse."""
        super().teardown()
        if not self.is_horse:
            with self.connection.pipeline(transaction=False) as pipe:
                pipe.delete(ALIVE + self.name).hset(STOPPED, self.name, utcnow().isoformat()).execute()


def worker(connection: Redis, name: str | None = None) -> Worker:
    """A worker on canvaslink's queue. RQ beats every job_monitoring_interval while a job runs, and
    after each wait for a job, which lasts worker_ttl - 15 s. `name`: RQ makes one up when None."""
    return Worker([job_queue(connection)], name=name, connection=connection, worker_ttl=15 + BEAT_SECONDS,
                  job_monitoring_interval=BEAT_SECONDS)
