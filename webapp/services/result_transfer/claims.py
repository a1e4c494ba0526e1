"""Which job works on which occurrence of a download run, shared by every worker through Redis.

A job claims an occurrence for a lease it renews while it works; an occurrence whose students
are all staged is done. A worker that dies stops renewing, and once its leases expire another
job of the run claims what it left. Without Redis (a CLI run on a machine without one), one
process does the whole run and the claims live in memory.
"""

import time
import uuid

from flask import current_app

from ...models import JobRun
from ...queue import redis_connection

_CLAIM = """
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 0 end
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[2] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"""

_RENEW = """
local renewed = 0
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('PEXPIRE', key, ARGV[2]); renewed = renewed + 1 end
end
return renewed
"""


class Claims:
    def __init__(self, run: JobRun) -> None:
        self.token = uuid.uuid4().hex
        self.lease_seconds = float(current_app.config.get("LEASE_SECONDS", 30))
        self._prefix = _prefix(run)
        self._held: set[int] = set()
        self._renewed = time.monotonic()
        url = current_app.config.get("REDIS_URL")
        self._redis = redis_connection() if url else None
        self._done: set[int] = set()

    def _key(self, occurrence_id: int) -> str:
        return f"{self._prefix}:claim:{occurrence_id}"

    def claim(self, occurrence_id: int) -> bool:
        if self._redis is None:
            taken = occurrence_id not in self._done
        else:
            taken = bool(self._redis.eval(_CLAIM, 2, self._key(occurrence_id), f"{self._prefix}:done",
                                          occurrence_id, self.token, int(self.lease_seconds * 1000)))
        if taken:
            self._held.add(occurrence_id)
        return taken

    def held_by_others(self, occurrence_ids: list[int]) -> bool:
        """Whether another job holds any of these occurrences now."""
        return any(holder not in (None, self.token) for holder in self._holders(occurrence_ids))

    def unheld(self, occurrence_ids: set[int]) -> bool:
        """Whether nobody holds some of these occurrences (without Redis, nobody else ever does)."""
        return None in self._holders(occurrence_ids) if self._redis is not None else bool(occurrence_ids)

    def _holders(self, occurrence_ids) -> list[str | None]:
        if self._redis is None or not occurrence_ids:
            return []
        return [holder.decode() if holder is not None else None
                for holder in self._redis.mget([self._key(o) for o in occurrence_ids])]

    def renew(self, force: bool = False) -> None:
        """Every third of a lease, so that a slow Canvas never costs us an occurrence."""
        if not self._held or self._redis is None:
            return
        if force or time.monotonic() - self._renewed > self.lease_seconds / 3:
            self._redis.eval(_RENEW, len(self._held), *[self._key(o) for o in self._held], self.token,
                             int(self.lease_seconds * 1000))
            self._renewed = time.monotonic()

    def finish(self, occurrence_id: int) -> None:
        self._held.discard(occurrence_id)
        self._done.add(occurrence_id)
        if self._redis is not None:
            with self._redis.pipeline() as pipe:
                pipe.sadd(f"{self._prefix}:done", occurrence_id).expire(f"{self._prefix}:done", 7 * 86400)
                pipe.delete(self._key(occurrence_id)).execute()

    def done(self) -> set[int]:
        if self._redis is None:
            return set(self._done)
        return {int(o) for o in self._redis.smembers(f"{self._prefix}:done")}

    def release(self) -> None:
        """Let go of what this job holds (it stops: cancelled, failed): others may take it at once."""
        if self._redis is not None:
            for occurrence_id in self._held:
                self._redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end",
                                 1, self._key(occurrence_id), self.token)
        self._held.clear()


def new_claims_key() -> dict:
    """For a new run's params: its claims are named by it, never by a run id a reset database reuses."""
    return {"claims": uuid.uuid4().hex}


def _prefix(run: JobRun) -> str:
    return f"canvaslink:download-run:{run.params.get('claims') or run.id}"


def forget_claims(run: JobRun) -> None:
    """A resumed run starts with nobody holding anything: it was resumed because nobody works on it."""
    if current_app.config.get("REDIS_URL"):
        connection = redis_connection()
        keys = list(connection.scan_iter(f"{_prefix(run)}:claim:*"))
        if keys:
            connection.delete(*keys)
