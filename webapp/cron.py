"""The nightly schedule, run by one process: `python -m webapp.cron` (RQ's cron scheduler).

It only enqueues; the RQ workers do the work. Integrations opt in under Manage › LMS
integrations (page 4, Unattended); with none opted in the nightly job does nothing.
"""

import os

from rq import cron

from webapp.jobs import nightly_pull
from webapp.queue import QUEUE_NAME

# 02:30 in the server's time zone: after the day's Canvas activity, before staff arrive.
NIGHTLY = os.environ.get("CANVASLINK_NIGHTLY_CRON", "30 2 * * *")

cron.register(nightly_pull, QUEUE_NAME, cron=NIGHTLY, job_timeout=6 * 3600)


def main() -> None:
    from rq.cron import CronScheduler

    from webapp import create_app
    from webapp.queue import redis_connection

    app = create_app()
    with app.app_context():
        scheduler = CronScheduler(connection=redis_connection())
        scheduler.load_config_from_file("webapp.cron")
        scheduler.start()


if __name__ == "__main__":
    main()
