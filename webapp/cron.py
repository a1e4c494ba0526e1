"""The nightly schedule, run by one process: `python -m webapp.cron` (RQ's cron scheduler).

It only enqueues; the RQ workers do the work. First the Canvas sync of every linked occurrence
(states read, changes still due made, mass changes held for a person); then the result transfer,
for the integrations that opt in under Manage › LMS integrations (page 4, Unattended).
"""

from rq import cron

from .config import nightly_schedule
from .jobs import nightly_pull, nightly_sync
from .queue import QUEUE_NAME

# By default 02:00 and 02:30 in the server's time zone: after the day's Canvas activity, before staff
# arrive. The sync comes first: a student withdrawn today has their progress staged and access ended
# before the results are read.
NIGHTLY_SYNC, NIGHTLY = nightly_schedule()

cron.register(nightly_sync, QUEUE_NAME, cron=NIGHTLY_SYNC, job_timeout=3 * 3600)
cron.register(nightly_pull, QUEUE_NAME, cron=NIGHTLY, job_timeout=6 * 3600)


def main() -> None:
    from rq.cron import CronScheduler

    from webapp import create_app

    from .queue import redis_connection

    app = create_app()
    with app.app_context():
        scheduler = CronScheduler(connection=redis_connection())
        scheduler.load_config_from_file("webapp.cron")
        scheduler.start()


if __name__ == "__main__":
    main()
