"""`flask seed-demo`: a believable RTO to click through. Running it twice changes nothing."""

import secrets

from sqlalchemy import select

from ...extensions import db
from ...models import Client, EnrolmentStatus, Occurrence, OccurrenceStatus, ResultType, Role, TaskStatus, Unit, User
from . import demo_data
from ..sms.enrolments import enrol
from ..sms.occurrences import add_task, add_unit, save_occurrence, set_matrix_cell
from .reference_data import ensure_reference_data
from ..staff.users import create_user


def seed_demo(passwords: dict[str, str] | None = None) -> dict[str, str]:
    """Load the demo data; returns {username: password} for staff users created now.

    `passwords` fixes the passwords (tests, make run); otherwise each is random.
    """
    ensure_reference_data()
    units = _seed_units()
    clients = _seed_clients()
    for occ_id, name, program, start, end, status_name, unit_codes, tasks in demo_data.OCCURRENCES:
        occurrence = db.session.get(Occurrence, occ_id)
        if occurrence is not None:
            continue
        status = db.session.scalar(select(OccurrenceStatus).where(OccurrenceStatus.name == status_name))
        occurrence = save_occurrence(None, dict(
            id=occ_id, name=name, program_name=f"{program} {demo_data.PROGRAMS[program]}",
            start_date=start, end_date=end, status=status,
        ))
        for code in unit_codes:
            add_unit(occurrence, units[code])
        for task_name, starts, completes in tasks:
            task = add_task(occurrence, task_name)
            for code in starts:
                set_matrix_cell(task, units[code], "starts", True)
            for code in completes:
                set_matrix_cell(task, units[code], "completes", True)
        enrolled = _demo_enrolment_status(occurrence)
        for number in demo_data.ENROLMENTS[occ_id]:
            enrol(occurrence, clients[number - 1], start_date=None, end_date=None, status=enrolled)
    _seed_progress()
    return _seed_staff(passwords or {})


def _seed_units() -> dict[str, Unit]:
    existing = {u.code: u for u in db.session.scalars(select(Unit))}
    for code, name in demo_data.UNITS:
        if code not in existing:
            existing[code] = Unit(code=code, name=name)
            db.session.add(existing[code])
    db.session.flush()
    return existing


def _seed_clients() -> list[Client]:
    existing = {c.code: c for c in db.session.scalars(select(Client))}
    rows = []
    for data in demo_data.clients():
        client = existing.get(data["code"])
        if client is None:
            client = Client(**data)
            db.session.add(client)
        rows.append(client)
    db.session.flush()
    return rows


def _demo_enrolment_status(occurrence: Occurrence) -> EnrolmentStatus:
    name = "Completed" if occurrence.status.status_type.value == "Completed" else "Enrolled"
    return db.session.scalar(select(EnrolmentStatus).where(EnrolmentStatus.name == name))


def _seed_progress() -> None:
    """The finished occurrence shows results, so the training plan pages are not all blank."""
    occurrence = db.session.get(Occurrence, 119)
    competent = db.session.scalar(select(ResultType).where(ResultType.name == "Competent"))
    completed = db.session.scalar(select(TaskStatus).where(TaskStatus.name == "Completed"))
    for enrolment in occurrence.enrolments:
        for plan_unit in enrolment.plan_units:
            if plan_unit.result_type is None:
                plan_unit.result_type = competent
                plan_unit.result_start = enrolment.start_date
                plan_unit.result_end = occurrence.end_date
        for enrolment_task in enrolment.enrolment_tasks:
            enrolment_task.task_status = completed
            enrolment_task.status_date = occurrence.end_date
    db.session.flush()


def _seed_staff(passwords: dict[str, str]) -> dict[str, str]:
    created = {}
    for username, display_name, role_name in demo_data.STAFF:
        if db.session.scalar(select(User.id).where(User.username == username)):
            continue
        role = db.session.scalar(select(Role).where(Role.name == role_name))
        password = passwords.get(username) or secrets.token_urlsafe(12)
        create_user(username, display_name, password, [role])
        created[username] = password
    return created
