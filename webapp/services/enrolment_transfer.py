"""Transfer enrolments to Canvas: find or create each student's Canvas user, then enrol them
in the linked section with the integration's options.

Per student: the client's Canvas user id if set (checked to exist); else the Canvas user
whose SIS user ID is the client code; else the user whose login is the client's email, if
it is plainly the same person (same name, no other SIS ID); else a new user (login = email,
SIS user ID = client code; Canvas emails the student to set a password). One student's
failure never stops the others, and running it again never duplicates users or enrolments.

Real Canvas (reference §11): a deleted login keeps its SIS ID, so a create can be refused
with the SIS ID "taken" by a login nobody can look up: we revive it. Without the SIS rights
Canvas drops or hides SIS IDs silently: we check what came back and say so. Posting an
enrolment again re-opens one that staff concluded in Canvas, and resets an active one's
section limit and dates: so we only post for students with no enrolment in the section, or
whose ended enrolment a person chose to re-open.
"""

from dataclasses import dataclass, field
from datetime import timezone

from sqlalchemy import delete, select

from ..extensions import db
from ..models import (
    ACCESS_LIVE, BY_CANVAS, BY_TRANSFER, ENROL_INVITED, FAILED, Enrolment, EnrolmentTransfer, JobRun, OccurrenceLink,
)
from ..rto_time import format_rto_date
from . import DomainError
from .audit import record, utcnow
from .canvas import CanvasClient, CanvasError, CanvasValidationError, Enrollment, NotFound, PermissionDenied, \
    Unavailable
from .job_runs import StartedRun, done_keys, end_run, mark_running, record_item, start_run, stopped_by_cancel
from .integrations import canvas_client

KIND = "enrolment_transfer"

# What happens / happened to a student, in the words the pages use.
CREATE, REVIVE, LINK_ID, LINK_SIS, LINK_LOGIN, ALREADY = (
    "create", "revive", "link_id", "link_sis", "link_login", "already")
LEFT, REOPENED, CHECK = "left", "reopened", "check"
ACTIONS = {
    CREATE: "Create a Canvas user",
    LINK_ID: "Use the client's Canvas user",
    LINK_SIS: "Link the existing Canvas user (SIS ID = client code)",
    LINK_LOGIN: "Link the existing Canvas user (same login and name)",
    ALREADY: "Already transferred",
}
OUTCOMES = {
    CREATE: "Canvas user created and enrolled",
    REVIVE: "Deleted Canvas login restored (it kept the SIS user ID) and enrolled",
    LINK_ID: "Enrolled (client's Canvas user)",
    LINK_SIS: "Linked existing Canvas user and enrolled",
    LINK_LOGIN: "Linked existing Canvas user (same login and name) and enrolled",
    ALREADY: "Already enrolled: nothing changed",
    REOPENED: "Re-opened in Canvas as you chose",
}
# Canvas enrolment states (§5.2). Ended ones are re-opened by a new POST (§11.5), so only on request.
ALL_STATES = ("active", "invited", "creation_pending", "inactive", "completed", "rejected", "deleted")
ENDED = ("completed", "inactive", "rejected", "deleted")
STATE_WORDS = {"completed": "concluded", "inactive": "deactivated", "rejected": "rejected by the student",
               "deleted": "deleted", "creation_pending": "pending until the course is published"}
# Canvas's rule for a login (pseudonym unique_id): 1 to 100 printable characters (§11.8).
MAX_LOGIN = 100


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
    _check_login(student.email)
    same_login = _user_by_login(client, student.email)
    if same_login is not None:
        return Resolution(LINK_LOGIN, _same_person(student, same_login))
    if not create:
        return Resolution(CREATE, None, f"login {student.email}")
    return _create_user(client, integration_account, student)


def _check_login(email: str | None) -> None:
    if not email:
        raise Refused("No email address: Canvas uses it as the student's login. Add it on the client's page, "
                      "then transfer again.")
    if len(email.strip()) > MAX_LOGIN or not email.strip().isprintable():
        raise Refused(f"The email address is {len(email.strip())} characters long or holds characters Canvas does not "
                      f"accept in a login (at most {MAX_LOGIN} printable characters). Give the client a shorter "
                      "address on the client's page, then transfer again.")


def _create_user(client: CanvasClient, account: str, student: Student, attempts: int = 5) -> Resolution:
    """Create the student's Canvas user. A create that failed (5xx, timeout) is only tried again
    after the client has checked by SIS ID that no user was made, so it never makes two."""
    for _ in range(attempts - 1):
        try:
            return _create_once(client, account, student)
        except Unavailable:
            continue
    return _create_once(client, account, student)


def _create_once(client: CanvasClient, account: str, student: Student) -> Resolution:
    try:
        user = client.create_user(account, name=student.name, email=student.email, sis_user_id=student.code)
    except CanvasValidationError as err:
        if not err.has("taken"):
            raise Refused(f"Canvas refused to create the user: {err}") from None
        # Taken between our look-ups and the create, or held by a login no look-up can see.
        found = resolve_user(client, account, student, create=False)
        if found.canvas_user_id:
            return found
        if err.has("taken", "sis_user_id"):
            return _revive(client, account, student)
        raise Refused(f"Canvas says the login {student.email} is already in use, yet no Canvas user can be found "
                      "by it. Ask your Canvas administrator who holds that login, then transfer again.") from None
    return Resolution(CREATE, user.id, _sis_check(user, student.code))


def _revive(client: CanvasClient, account: str, student: Student) -> Resolution:
    """Canvas keeps a deleted login's SIS ID and refuses it to a new user (§11.2): restore that login."""
    try:
        user = client.create_user(account, name=student.name, email=student.email, sis_user_id=student.code,
                                  reactivate=True)
    except CanvasValidationError as err:
        raise Refused(f"Canvas keeps the SIS user ID {student.code} on a deleted login and could not restore it "
                      f"({err}). Ask your Canvas administrator to restore that student's deleted login, or to clear "
                      "its SIS ID, then transfer again.") from None
    return Resolution(REVIVE, user.id, _sis_check(user, student.code))


def _sis_check(user, code: str) -> str:
    """What to tell staff when Canvas did not keep, or does not show, the SIS user ID (§11.3)."""
    if not user.sis_shown:
        return (f"{CHECK}: Canvas does not show SIS IDs to the integration's Canvas user (it lacks “SIS Data - "
                f"read”), so canvaslink could not check that SIS user ID {code} was saved.")
    if user.sis_user_id != code:
        return (f"{CHECK}: Canvas created the user without SIS user ID {code}, because the integration's Canvas "
                "user lacks “SIS Data - manage”. Later transfers use the Canvas user id kept on the client; grant "
                "that permission so Canvas keeps SIS IDs.")
    return ""


def _give_sis_id(client: CanvasClient, account: str, user_id: int, student: Student) -> str:
    """A user reused by login gets the client code as SIS ID, so later runs find them by it (§4.3)."""
    why_not = f"{CHECK}: SIS user ID {student.code} was not set on the Canvas login"
    try:
        logins = client.list_user_logins(user_id)
        login = next((x for x in logins if x.unique_id.casefold() == (student.email or "").casefold()), None)
        if login is None:
            return f"{why_not}: no login {student.email} is listed for Canvas user {user_id}."
        if not login.sis_shown:
            return f"{why_not}: Canvas does not show SIS IDs to the integration's Canvas user (“SIS Data - read”)."
        if login.sis_user_id:
            return ""
        client.set_login_sis_user_id(account, login.id, student.code)
    except PermissionDenied:
        return f"{why_not}: the integration's Canvas user lacks “SIS Data - manage”."
    except CanvasError as err:
        return f"{why_not}: {err}"
    return f"Set the Canvas login's SIS user ID to {student.code}."


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


def canvas_enrolments(client: CanvasClient, section_id: int) -> dict[int, Enrollment]:
    """Each user's student enrolment in the section, whatever its state (one call per 100 students).
    A user with several keeps the live one: Canvas reuses that one on a new POST."""
    found: dict[int, Enrollment] = {}
    for enrollment in client.list_section_enrollments(section_id, states=ALL_STATES, types=("StudentEnrollment",)):
        kept = found.get(enrollment.user_id)
        if kept is None or kept.enrollment_state in ENDED:
            found[enrollment.user_id] = enrollment
    return found


def describe_state(enrollment: Enrollment, zone: str) -> str:
    """"concluded in Canvas on 02/12/2026", in the integration's time zone."""
    words = STATE_WORDS.get(enrollment.enrollment_state, enrollment.enrollment_state)
    if enrollment.enrollment_state in ENDED and enrollment.updated_at:
        return f"{words} in Canvas on {format_rto_date(enrollment.updated_at, zone)}"
    return f"{words} in Canvas" if enrollment.enrollment_state in ENDED else words


@dataclass(frozen=True)
class Plan:
    """What Finish will do for one student, as the preview shows it."""

    action: str
    detail: str
    refused: bool = False
    reopenable: bool = False


def preview(link: OccurrenceLink, enrolments: list[Enrolment], client: CanvasClient,
            in_canvas: dict[int, Enrollment] | None = None) -> dict[int, Plan]:
    """What Finish will do for each enrolment, including a Canvas enrolment staff ended there.
    `in_canvas`: the section's enrolments, when the caller has just read them."""
    account = link.integration.account_id
    students = {s.enrolment_id: s for s in students_of(enrolments)}
    in_canvas = canvas_enrolments(client, link.canvas_section_id) if in_canvas is None else in_canvas
    zone = link.integration.time_zone

    def look(enrolment_id):
        try:
            return resolve_user(client, account, students[enrolment_id], create=False)
        except Refused as refusal:
            return refusal

    plan = {}
    for enrolment_id, result in client.run_concurrently(look, list(students)):
        if not isinstance(result, Resolution):
            plan[enrolment_id] = Plan("Cannot transfer", str(result), refused=True)
            continue
        user = f"Canvas user {result.canvas_user_id}" if result.canvas_user_id else result.detail
        existing = in_canvas.get(result.canvas_user_id) if result.canvas_user_id else None
        if existing is not None and existing.enrollment_state in ENDED:
            plan[enrolment_id] = Plan("Leave as it is in Canvas", f"{user}: {describe_state(existing, zone)}. "
                                      "Tick “Re-open in Canvas” to give access again.", reopenable=True)
        elif existing is not None:
            plan[enrolment_id] = Plan("Already enrolled in Canvas",
                                      f"{user} ({describe_state(existing, zone)}): nothing is sent to Canvas.")
        else:
            plan[enrolment_id] = Plan(ACTIONS[result.action], user)
    return plan


@dataclass(frozen=True)
class Done:
    """The Canvas half of one student's transfer, for the database half to record."""

    resolution: Resolution
    enrollment: Enrollment
    action: str                      # CREATE, LINK_*, ALREADY (nothing posted), REOPENED or LEFT
    notes: list[str] = field(default_factory=list)


def _transfer_in_canvas(client: CanvasClient, link: dict, in_canvas: dict[int, Enrollment], student: Student):
    """The Canvas half of one student's transfer (runs in a worker thread: no database here)."""
    try:
        resolution = resolve_user(client, link["account"], student, create=True)
        if not resolution.canvas_user_id:  # never post an enrolment without a user (§11.2)
            raise Refused("canvaslink could not find or create this student's Canvas user; nothing was sent.")
        notes = [resolution.detail] if resolution.detail else []
        if resolution.action == LINK_LOGIN:
            notes.append(_give_sis_id(client, link["account"], resolution.canvas_user_id, student))
        existing = in_canvas.get(resolution.canvas_user_id)
        if existing is not None and existing.enrollment_state not in ENDED:
            # Posting again would reset its section limit and dates in Canvas (§11.5): leave it be.
            if resolution.action == ALREADY:
                return Done(resolution, existing, ALREADY, notes)
            return Done(resolution, existing, resolution.action, notes + [
                f"Already enrolled in Canvas ({describe_state(existing, link['zone'])}); nothing was sent."])
        if existing is not None and student.enrolment_id not in link["reopen"]:
            return Done(resolution, existing, LEFT, notes + [
                f"Left as {describe_state(existing, link['zone'])}: not re-opened. Choose “Re-open in Canvas” "
                "in the transfer's preview to give access again."])
        enrollment = client.enrol_in_section(link["section_id"], resolution.canvas_user_id,
                                             enrollment_state=link["state"],
                                             limit_privileges_to_course_section=link["limit"], notify=link["notify"])
    except Refused as refusal:
        return refusal
    if enrollment.enrollment_state == "creation_pending":
        notes.append("Canvas holds the enrolment as pending until the course is published.")
    return Done(resolution, enrollment, REOPENED if existing is not None else resolution.action, notes)


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
    finished = done_keys(run)
    enrolments = db.session.scalars(select(Enrolment).where(
        Enrolment.id.in_(run.params["enrolment_ids"]), Enrolment.occurrence_id == run.occurrence_id)).all()
    try:
        client = canvas_client(link.integration)
    except DomainError as err:
        end_run(run, FAILED, err.message)
        db.session.commit()
        return
    with client:
        try:
            in_canvas = canvas_enrolments(client, link.canvas_section_id)
        except CanvasError as err:
            end_run(run, FAILED, f"Nothing was transferred: canvaslink must first read who is enrolled in the "
                                 f"Canvas section, and {err}")
            db.session.commit()
            return
        if not transfer_each(run, link, client, in_canvas, [e for e in enrolments if str(e.id) not in finished],
                             run.params.get("reopen_ids", ())):
            return
    end_run(run)
    db.session.commit()


def transfer_each(run: JobRun, link: OccurrenceLink, client: CanvasClient, in_canvas: dict[int, Enrollment],
                  enrolments: list[Enrolment], reopen_ids=()) -> bool:
    """Transfer these enrolments with the integration's options, each saved (an item of `run`) in its
    own transaction as it finishes; `in_canvas` is the section's enrolments, read beforehand.
    False when the run was cancelled on the way."""
    integration = link.integration
    settings = {"account": integration.account_id, "section_id": link.canvas_section_id,
                "state": "invited" if integration.enrol_mode == ENROL_INVITED else "active",
                "limit": integration.limit_to_section, "notify": integration.notify,
                "zone": integration.time_zone, "reopen": set(reopen_ids)}
    students = {s.enrolment_id: s for s in students_of(enrolments)}
    for enrolment_id, result in client.run_concurrently(
            lambda key: _transfer_in_canvas(client, settings, in_canvas, students[key]), list(students)):
        _save_outcome(run, link, db.session.get(Enrolment, enrolment_id), result)
        db.session.commit()
        if stopped_by_cancel(run, "those transferred stay transferred."):
            return False
    return True


def _save_outcome(run: JobRun, link: OccurrenceLink, enrolment: Enrolment, result) -> None:
    label = f"{enrolment.client.full_name} ({enrolment.client.code})"
    if isinstance(result, (Refused, CanvasError)):
        record_item(run, enrolment.id, label, "failed", str(result), ok=False)
        return
    resolution, enrollment = result.resolution, result.enrollment
    transfer = enrolment.transfer
    unchanged = result.action not in (REOPENED, LEFT) and transfer is not None \
        and transfer.canvas_enrollment_id == enrollment.id
    posted = result.action not in (ALREADY, LEFT)
    values = dict(link_id=link.id, client_id=enrolment.client_id, canvas_user_id=resolution.canvas_user_id,
                  canvas_enrollment_id=enrollment.id)
    if posted:
        values.update(access=ACCESS_LIVE, sync_error=None, held_run_id=None)
    if transfer is None or transfer.canvas_state != enrollment.enrollment_state:
        # Posted by us, or found as someone in Canvas left it.
        values.update(canvas_state=enrollment.enrollment_state, canvas_state_by=BY_TRANSFER if posted else BY_CANVAS,
                      canvas_state_at=utcnow() if posted else _naive_utc(enrollment.updated_at))
    if not unchanged:
        values.update(transferred_at=utcnow(), transferred_by_id=run.started_by_id)
    if transfer is None:
        enrolment.transfer = EnrolmentTransfer(**values, refreshed_at=utcnow())
    else:
        for name, value in values.items():
            setattr(transfer, name, value)
    _forget_removed(link, enrollment.id)
    if enrolment.client.canvas_user_id is None:
        enrolment.client.canvas_user_id = resolution.canvas_user_id
    action = ALREADY if unchanged else result.action
    notes = [note for note in result.notes if note]
    warned = any(note.startswith(f"{CHECK}: ") for note in notes)
    said = OUTCOMES.get(action, "Not changed in Canvas")
    message = " ".join([f"{said} (Canvas user {resolution.canvas_user_id}, enrolment {enrollment.id}, "
                        f"{enrollment.enrollment_state}).", *(note.removeprefix(f"{CHECK}: ") for note in notes)])
    outcome = CHECK if warned else action
    record_item(run, enrolment.id, label, outcome, message)
    if not unchanged:
        trigger = {"trigger": run.params["trigger"]} if run.params.get("trigger") else {}
        call = {"call": f"POST /api/v1/sections/{link.canvas_section_id}/enrollments",
                "outcome": enrollment.enrollment_state} if posted else {}
        record(run.started_by_id, "enrolment", enrolment.id, "transfer",
               f"Transferred to Canvas section “{link.canvas_section_name}”: {message}",
               {"canvas_user_id": [None, resolution.canvas_user_id], "canvas_enrollment_id": [None, enrollment.id],
                **trigger, **call})


def _naive_utc(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment else utcnow()


def _forget_removed(link: OccurrenceLink, canvas_enrollment_id: int) -> None:
    """A student removed from the occurrence and enrolled again has this Canvas enrolment back: the
    old transfer, waiting to end its access, must not end it now."""
    db.session.execute(delete(EnrolmentTransfer).where(
        EnrolmentTransfer.link_id == link.id, EnrolmentTransfer.canvas_enrollment_id == canvas_enrollment_id,
        EnrolmentTransfer.enrolment_id.is_(None)))


def start_transfer(link: OccurrenceLink | None, enrolment_ids: list[int], actor_id: int,
                   reopen_ids: list[int] = ()) -> StartedRun:
    """A run for the chosen enrolments of a linked occurrence (or the one already running).
    `reopen_ids`: enrolments whose ended Canvas enrolment a person chose to re-open."""
    if link is None:
        raise DomainError("Link the occurrence to Canvas first.")
    chosen = set(db.session.scalars(select(Enrolment.id).where(
        Enrolment.occurrence_id == link.occurrence_id, Enrolment.id.in_(enrolment_ids))))
    if not chosen:
        raise DomainError("Choose at least one student to transfer.")
    return start_run(KIND, link.occurrence_id, {"enrolment_ids": sorted(chosen),
                                                "reopen_ids": sorted(chosen & set(reopen_ids))}, len(chosen), actor_id)
