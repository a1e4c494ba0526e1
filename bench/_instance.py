"""What the page benchmarks share: a throw-away instance (SQLite, its own keys) seeded by the
caller, and a test client signed in as an administrator."""

import os
import secrets
import tempfile
from collections.abc import Callable

from cryptography.fernet import Fernet

PASSWORD = "bench password"


def throwaway_environment(prefix: str = "canvaslink-bench-") -> dict[str, str]:
    """A fresh instance folder and SQLite file, with keys made for this run alone."""
    instance = tempfile.mkdtemp(prefix=prefix)
    return {"CANVASLINK_INSTANCE": instance, "DATABASE_URL": f"sqlite:///{instance}/bench.db",
            "CANVASLINK_ENCRYPTION_KEY": Fernet.generate_key().decode(), "SECRET_KEY": secrets.token_hex(32)}


def signed_in_client(seed: Callable):
    """(test client signed in as "bench", what `seed(db)` returned), on a fresh schema."""
    os.environ.update(throwaway_environment())

    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import Role
    from webapp.services.setup.reference_data import ensure_reference_data
    from webapp.services.staff.users import create_user

    app = create_app({"SESSION_COOKIE_SECURE": False, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade()
        ensure_reference_data()
        create_user("bench", "Bench", PASSWORD, [db.session.scalar(db.select(Role).where(Role.name == "Administrator"))])
        db.session.commit()
        seeded = seed(db)
    client = app.test_client()
    client.post("/login", data={"username": "bench", "password": PASSWORD})
    return client, seeded
