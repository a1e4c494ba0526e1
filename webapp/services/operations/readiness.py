"""Whether this process can serve (/readyz): the database answers, its schema is at the newest migration,
Redis answers, and (asked for) some worker beats. What failed is said in a few fixed words: never a host
name, an address, a version or an error's text, which the log keeps instead."""

import logging
import os
from functools import cache

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from ...extensions import db
from ...workers import any_worker_alive

log = logging.getLogger(__name__)

MIGRATIONS = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, os.pardir, "migrations")
# A check that waits longer than this has failed: a load balancer asks every few seconds.
TIMEOUT_SECONDS = 2


@cache
def newest_heads() -> frozenset[str]:
    """The migrations this code ships ends with (read once: they cannot change under a running process)."""
    config = Config()
    config.set_main_option("script_location", os.path.abspath(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _database() -> list[dict]:
    try:
        with db.engine.connect() as connection:
            current = frozenset(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as err:
        log.warning("Readiness: the database does not answer: %s", err)
        return [{"check": "database", "reason": "the database does not answer"}]
    if current != newest_heads():
        log.warning("Readiness: the schema is at %s, the code needs %s", sorted(current), sorted(newest_heads()))
        return [{"check": "schema", "reason": "the database schema is not at the newest migration; run flask setup"}]
    return []


def _redis(workers: bool) -> list[dict]:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return [{"check": "redis", "reason": "REDIS_URL is not set"}]
    connection = Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS)
    try:
        connection.ping()
    except RedisError as err:
        log.warning("Readiness: Redis does not answer: %s", err)
        return [{"check": "redis", "reason": "Redis does not answer"}]
    finally:
        connection.close()
    if workers and not any_worker_alive(Redis.from_url(url, socket_timeout=TIMEOUT_SECONDS)):
        return [{"check": "workers", "reason": "no worker's heartbeat is in Redis"}]
    return []


def failed_checks(workers: bool = False) -> list[dict]:
    """What keeps this process from serving; [] when it is ready. `workers`: a worker must beat too."""
    return [*_database(), *_redis(workers)]
