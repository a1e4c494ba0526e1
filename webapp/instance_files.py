"""The instance folder holds the keys, and the SQLite file every student record: owner-only."""

import os

from sqlalchemy.engine import make_url


def make_private(instance_path: str, database_uri: str) -> None:
    os.makedirs(instance_path, mode=0o700, exist_ok=True)
    _owner_only(instance_path, 0o700)
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    # Created here, before SQLite would create it with the umask's permissions; its -wal and -shm
    # files copy the database file's mode.
    os.close(os.open(url.database, os.O_CREAT | os.O_WRONLY, 0o600))
    _owner_only(url.database, 0o600)


def _owner_only(path: str, mode: int) -> None:
    try:
        os.chmod(path, mode)
    except PermissionError:  # someone else's file (a shared, admin-made folder): leave it be
        pass
