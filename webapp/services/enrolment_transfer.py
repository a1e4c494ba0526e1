"""Transfer enrolments to Canvas: find or create each student's Canvas user, then enrol them
in the linked section with the integration's options.

Per student: the client's Canvas user id if set (checked to exist); else the Canvas user
whose SIS user ID is the client code; else the user whose login is the client's email, if
it is plainly the same person (same name, no other SIS ID); else a new user (login = email,
SIS user ID = client code; Canvas emails the student to set a password). One student's
failure never stops the others, and running it again never duplicates users or enrolments.
"""

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import ENROL_INVITED, FAILED, Enrolment, EnrolmentTransfer, JobRun, OccurrenceLink
from . import DomainError
from .audit import record, utcnow
from .canvas import CanvasClient, CanvasError, CanvasValidationError, NotFound, Unavailable
from .job_runs import StartedRun, done_keys, end_run, mark_running, record_item, start_run, stopped_by_cancel
from .integrations import canvas_client

KIND = "enrolment_transfer"

# What happens / happened to a student, in the words the pages use.
CREATE, LINK_ID, LINK_SIS, LINK_LOGIN, ALREADY = "create", "link_id", "link_sis", "link_login", "already"
ACTIONS = {
    CREATE: "Create a Canvas user",
    LINK_ID: "Use the client's Canvas user",
    LINK_SIS: "Link the existing Canvas user (SIS ID = client code)",
    LINK_LOGIN: "Link the existing Canvas user (same login and name)",
    ALREADY: "Already transferred",
}
OUTCOMES = {
    CREATE: "Canvas user created and enrolled",
    LINK_ID: "Enrolled (client's Canvas user)",
    LINK_SIS: "Linked existing Canvas user and enrolled",
    LINK_LOGIN: "Linked existing Canvas user (same login and name) and enrolled",
    ALREADY: "Already enrolled: nothing changed",
}


@dataclass(frozen=True)
class Student:
    """What the Canvas side needs of one enrolment, read from the database beforehand."""

    enrolment_id: int
    code: str
    name: str
    email: str | None
    canvas_user_id: int | None
    transferred_user_id: int | None


@dataclass(frozen=True)
class Resolution:
    action: str
    canvas_user_id: int | None
    detail: str = ""


class Refused(Exception):
    """This student cannot be transferred as things stand; the message says what to fix."""


def students_of(enrolments: list[Enrolment]) -> list[Student]:
    return [Student(e.id, e.client.code, e.client.full_name, e.client.email, e.client.canvas_user_id,
                    e.transfer.canvas_user_id if e.transfer else None) for e in enrolments]


def resolve_user(client: CanvasClient, integration_account: str, student: Student, *, create: bool) -> Resolution:
    """Which Canvas user this student is (creating one when `create` and none exists)."""
    if student.transferred_user_id:
        return Resolution(ALREADY, student.transferred_user_id)
    if student.canvas_user_id:
        try:
            return Resolution(LINK_ID, client.get_user(student.canvas_user_id).id)
        except NotFound:
            raise Refused(f"The Canvas user id {student.canvas_user_id} on the client's page does not exist in "
                          "Canvas. Correct or clear it on the client's page, then transfer again.") from None
    try:
        return Resolution(LINK_SIS, client.get_user_by_sis_id(student.code).id)
    except NotFound:
        pass
    if not student.email:
        raise Refused("No email address: Canvas uses it as the student's login. Add it on the client's page, "
                      "then transfer again.")
    same_login = _user_by_login(client, student.email)
    if same_login is not None:
        return Resolution(LINK_LOGIN, _same_person(student, same_login))
    if not create:
        return Resolution(CREATE, None, f"login {student.email}")
    return Resolution(CREATE, _create_user(client, integration_account, student))


def _create_user(client: CanvasClient, account: str, student: Student, attempts: int = 5) -> int:
    """Create the student's Canvas user. A create that failed (5xx, timeout) is only tried again
    after the client has checked by SIS ID that no user was made, so it never makes two."""
    for _ in range(attempts - 1):
        try:
            return _create_once(client, account, student)
        except Unavailable:
            continue
    return _create_once(client, account, student)


def _create_once(client: CanvasClient, account: str, student: Student) -> int:
    try:
        return client.create_user(account, name=student.name, email=student.email, sis_user_id=student.code).id
    except CanvasValidationError as err:
        if err.has("taken"):  # the login or SIS ID was taken between our look-ups and the create
            return resolve_user(client, account, student, create=False).canvas_user_id
        raise Refused(f"Canvas refused to create the user: {err}") from None


def _user_by_login(client: CanvasClient, login: str):
    try:
        return client.get_user_by_login_id(login)
    except NotFound:
        return None


def _same_person(student: Student, user) -> int:
    """A login is only shared with an existing account when it is plainly the same student."""
    other_sis = user.sis_user_id and user.sis_user_id != student.code
    if other_sis or _folded(user.name) != _folded(student.name):
        who = f"“{user.name}” (Canvas user {user.id}{f', SIS ID {user.sis_user_id}' if user.sis_user_id else ''})"
        raise Refused(f"The Canvas login {student.email} already belongs to {who}, who does not look like this "
                      f"student. Check with your Canvas administrator; if it is this student, type {user.id} as "
                      "the Canvas user id on the client's page and transfer again.")
    return user.id


def _folded(name: str | None) -> str:
    return " ".join((name or "").casefold().split())


def preview(link: OccurrenceLink, enrolments: list[Enrolment], client: CanvasClient) -> dict[int, tuple[str, str]]:
    """What Finish will do for each enrolment: {enrolment id: (action label, detail or refusal)}."""
    account = link.integration.account_id
    students = {s.enrolment_id: s for s in students_of(enrolments)}

    def look(enrolment_id):
        try:
            return resolve_user(client, account, students[enrolment_id], create=False)
        except Refused as refusal:
            return refusal

    plan = {}
    for enrolment_id, result in client.run_concurrently(look, list(students)):
        if isinstance(result, Resolution):
            user = f"Canvas user {result.canvas_user_id}" if result.canvas_user_id else result.detail
            plan[enrolment_id] = (ACTIONS[result.action], user)
        else:
            plan[enrolment_id] = ("Cannot transfer", str(result))
    return plan


def _transfer_in_canvas(client: CanvasClient, link: dict, student: Student):
    """The Canvas half of one student's transfer (runs in a worker thread: no database here)."""
    try:
        resolution = resolve_user(client, link["account"], student, create=True)
        enrollment = client.enrol_in_section(link["section_id"], resolution.canvas_user_id,
                                             enrollment_state=link["state"],
                                             limit_privileges_to_course_section=link["limit"], notify=link["notify"])
    except Refused as refusal:
        return refusal
    return resolution, enrollment


def run_transfer(run: JobRun) -> None:
    """Transfer the run's enrolments; each student is saved in its own transaction as it finishes.

    Resumable: students already recorded for this run are skipped. Cancellable between students.
    """
    mark_running(run)
    db.session.commit()
    link = db.session.scalar(select(OccurrenceLink).where(OccurrenceLink.occurrence_id == run.occurrence_id,
                                                          OccurrenceLink.unlinked_at.is_(None)))
    if link is None:
        end_run(run, FAILED, "The occurrence is no longer linked to Canvas.")
        db.session.commit()
        return
    integration = link.integration
    settings = {"account": integration.account_id, "section_id": link.canvas_section_id,
                "state": "invited" if integration.enrol_mode == ENROL_INVITED else "active",
                "limit": integration.limit_to_section, "notify": integration.notify}
    finished = done_keys(run)
    enrolments = db.session.scalars(select(Enrolment).where(
        Enrolment.id.in_(run.params["enrolment_ids"]), Enrolment.occurrence_id == run.occurrence_id)).all()
    students = {s.enrolment_id: s for s in students_of([e for e in enrolments if str(e.id) not in finished])}
    try:
        client = canvas_client(integration)
    except DomainError as err:
        end_run(run, FAILED, err.message)
        db.session.commit()
        return
    with client:
        for enrolment_id, result in client.run_concurrently(
                lambda key: _transfer_in_canvas(client, settings, students[key]), list(students)):
            _save_outcome(run, link, db.session.get(Enrolment, enrolment_id), result)
            db.session.commit()
            if stopped_by_cancel(run, "those transferred stay transferred."):
                return
    end_run(run)
    db.session.commit()


def _save_outcome(run: JobRun, link: OccurrenceLink, enrolment: Enrolment, result) -> None:
    label = f"{enrolment.client.full_name} ({enrolment.client.code})"
    if isinstance(result, (Refused, CanvasError)):
        record_item(run, enrolment.id, label, "failed", str(result), ok=False)
        return
    resolution, enrollment = result
    transfer = enrolment.transfer
    unchanged = transfer is not None and transfer.canvas_enrollment_id == enrollment.id
    values = dict(link_id=link.id, canvas_user_id=resolution.canvas_user_id, canvas_enrollment_id=enrollment.id,
                  canvas_state=enrollment.enrollment_state)
    if not unchanged:
        values.update(transferred_at=utcnow(), transferred_by_id=run.started_by_id)
    if transfer is None:
        enrolment.transfer = EnrolmentTransfer(**values)
    else:
        for field, value in values.items():
            setattr(transfer, field, value)
    if enrolment.client.canvas_user_id is None:
        enrolment.client.canvas_user_id = resolution.canvas_user_id
    action = ALREADY if unchanged else resolution.action
    record_item(run, enrolment.id, label, action,
                f"{OUTCOMES[action]} (Canvas user {resolution.canvas_user_id}, enrolment {enrollment.id}, "
                f"{enrollment.enrollment_state})")
    if not unchanged:
        record(run.started_by_id, "enrolment", enrolment.id, "transfer",
               f"Transferred to Canvas section “{link.canvas_section_name}”: {OUTCOMES[action]}",
               {"canvas_user_id": [None, resolution.canvas_user_id], "canvas_enrollment_id": [None, enrollment.id]})


def start_transfer(link: OccurrenceLink | None, enrolment_ids: list[int], actor_id: int) -> StartedRun:
    """A run for the chosen enrolments of a linked occurrence (or the one already running)."""
    if link is None:
        raise DomainError("Link the occurrence to Canvas first.")
    chosen = set(db.session.scalars(select(Enrolment.id).where(
        Enrolment.occurrence_id == link.occurrence_id, Enrolment.id.in_(enrolment_ids))))
    if not chosen:
        raise DomainError("Choose at least one student to transfer.")
    return start_run(KIND, link.occurrence_id, {"enrolment_ids": sorted(chosen)}, len(chosen), actor_id)
