"""The RQ worker: `python worker.py [--burst]`.

The Flask app is built once and its context stays pushed, so every job runs with the
same configuration, database engine and extensions as the web app.
"""

import argparse

from sqlalchemy.orm import configure_mappers

import webapp.jobs  # noqa: F401  imported once here, not again in every work horse
from webapp import create_app
from webapp.queue import redis_connection
from webapp.workers import worker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", action="store_true", help="Run the jobs waiting now, then stop.")
    parser.add_argument("--name", help="The worker's name in Redis and on the home page (RQ makes one up).")
    args = parser.parse_args()

    app = create_app()  # sets up logging (CANVASLINK_LOG_FORMAT)
    # RQ forks a work horse per job: what the parent has done, no horse does again. Configuring the
    # mappers took each horse ~30 ms of CPU, which a bulk run of a job per occurrence paid 100 times.
    configure_mappers()
    with app.app_context():
        # Patient: a worker waits for Redis through a restart and goes on, rather than quit with jobs waiting.
        # No RQ scheduler: canvaslink enqueues no delayed or retried jobs (the nightly schedule is its own
        # process, webapp.cron). A worker's scheduler is a forked child that, when the stop signal
        # reached it before it had set its own handlers, never stopped, and the worker waited for it
        # for good on shutdown (seen under load as a worker that said "quitting" and never exited).
        worker(redis_connection(patient=True), args.name).work(burst=args.burst, logging_level=app.config["LOG_LEVEL"])


if __name__ == "__main__":
    main()
