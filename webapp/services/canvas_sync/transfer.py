"""Transfer enrolments to Canvas: find or create each student's Canvas user (accounts.py), then
enrol them in the linked section with the integration's options. One student's failure never
stops the others, and running it again never duplicates users or enrolments.

Posting an enrolment again re-opens one that staff concluded in Canvas, and resets an active one's
section limit and dates: so we only post for students with no enrolment in the section, or
whose ended enrolment a person chose to re-open."""

from dataclasses import dataclass, field, replace

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import (
    ACCESS_LIVE, BY_CANVAS, BY_TRANSFER, ENROL_INVITED, FAILED, Enrolment, EnrolmentTransfer, JobRun, OccurrenceLink,
)
from .. import DomainError
from ..audit import record
from ..canvas import CanvasClient, CanvasError, Enrollment
from ..clock import naive_utc, utcnow
from ..integrations.connection import canvas_client
from ..runs.lifecycle import StartedRun, done_keys, end_run, mark_running, record_item, start_run, stopped_by_cancel
from .accounts import (
    ACTIONS, ALREADY, CHECK, CREATE, LINK_ID, LINK_LOGIN, LINK_SIS, REVIVE, Refused, Resolution, Student, give_sis_id,
    resolve_user, students_of,
)
from .sharing import others_on, shared_accounts
from ..engagement.activity import note_activity
from .states import ENDED_STATES, canvas_enrolments, describe_state

KIND = "enrolment_transfer"
# What happened to a student beyond finding their Canvas user (accounts.py has those).
LEFT, REOPENED = "left", "reopened"
OUTCOMES = {
    CREATE: "Canvas user created and enrolled",
    REVIVE: "Deleted Canvas login restored (it kept the SIS user ID) and enrolled",
    LINK_ID: "Enrolled (client's Canvas user)",
    LINK_SIS: "Linked existing Canvas user and enrolled",
    LINK_LOGIN: "Linked existing Canvas user (same login and name) and enrolled",
    ALREADY: "Already enrolled: nothing changed",
    REOPENED: "Re-opened in Canvas as you chose",
}


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

    found = dict(client.run_concurrently(look, list(students)))
    shared = _shared(students, found)
    plan = {}
    for enrolment_id, result in found.items():
        if not isinstance(result, Resolution) or enrolment_id in shared:
            plan[enrolment_id] = Plan("Cannot transfer", shared.get(enrolment_id) or str(result), refused=True)
            continue
        existing = in_canvas.get(result.canvas_user_id) if result.canvas_user_id else None
        if result.name is None and existing is not None and existing.user is not None:
            result = replace(result, name=existing.user.name)
        user = result.who
        if existing is not None and existing.enrollment_state in ENDED_STATES:
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


def _shared(students: dict[int, Student], found: dict) -> dict[int, str]:
    """The enrolments that may not go on because their Canvas user is another client's too."""
    return shared_accounts((enrolment_id, students[enrolment_id].client_id, result.canvas_user_id)
                           for enrolment_id, result in found.items() if isinstance(result, Resolution))


def _transfer_in_canvas(client: CanvasClient, link: dict, in_canvas: dict[int, Enrollment], student: Student,
                        found: Resolution):
    """The Canvas half of one student's transfer (runs in a worker thread: no database here).
    `found`: the student's Canvas user as looked up beforehand (none yet: create one now)."""
    try:
        resolution = found if found.canvas_user_id else resolve_user(client, link["account"], student, create=True)
        if not resolution.canvas_user_id:  # never post an enrolment without a user (§11.2)
            raise Refused("canvaslink could not find or create this student's Canvas user; nothing was sent.")
        notes = [resolution.detail] if resolution.detail else []
        if resolution.action == LINK_LOGIN:
            notes.append(give_sis_id(client, link["account"], resolution.canvas_user_id, student))
        existing = in_canvas.get(resolution.canvas_user_id)
        if existing is not None and existing.enrollment_state not in ENDED_STATES:
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

    def look(key):
        try:
            return resolve_user(client, settings["account"], students[key], create=False)
        except Refused as refusal:
            return refusal

    # Everyone is looked up first, so that every student of a group sharing one Canvas user is
    # refused before any of them is enrolled as that user.
    found = dict(client.run_concurrently(look, list(students)))
    shared = _shared(students, found)
    refused = {key: Refused(shared.get(key) or str(result)) for key, result in found.items()
               if key in shared or not isinstance(result, Resolution)}
    for enrolment_id, result in refused.items():
        _save(run, link, enrolment_id, result)
    for enrolment_id, result in client.run_concurrently(
            lambda key: _transfer_in_canvas(client, settings, in_canvas, students[key], found[key]),
            [key for key in students if key not in refused]):
        _save(run, link, enrolment_id, result)
        if stopped_by_cancel(run, "those transferred stay transferred."):
            return False
    return True


def _save(run: JobRun, link: OccurrenceLink, enrolment_id: int, result) -> None:
    """One student's outcome, in its own transaction. The database refuses a second client on one
    Canvas user (a transfer elsewhere linked it meanwhile): then the student is reported, not saved."""
    _save_outcome(run, link, db.session.get(Enrolment, enrolment_id), result)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        enrolment = db.session.get(Enrolment, enrolment_id)
        user_id = result.resolution.canvas_user_id
        _save_outcome(run, link, enrolment, Refused(
            f"Canvas user {user_id} was linked to {others_on(user_id, enrolment.client_id)} while this transfer "
            "ran; one Canvas account belongs to one student. Check both clients' pages; the enrolment in Canvas "
            "was made and may need removing there."))
        db.session.commit()


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
                      canvas_state_at=utcnow() if posted else (naive_utc(enrollment.updated_at) or utcnow()))
    if not unchanged:
        values.update(transferred_at=utcnow(), transferred_by_id=run.started_by_id)
    if transfer is None:
        enrolment.transfer = EnrolmentTransfer(**values, refreshed_at=utcnow())
    else:
        for name, value in values.items():
            setattr(transfer, name, value)
    note_activity([enrolment.transfer], {resolution.canvas_user_id: enrollment})
    _forget_removed(link, enrollment.id)
    if enrolment.client.canvas_user_id is None:
        enrolment.client.canvas_user_id = resolution.canvas_user_id
    action = ALREADY if unchanged else result.action
    notes = [note for note in result.notes if note]
    warned = any(note.startswith(f"{CHECK}: ") for note in notes)
    said = OUTCOMES.get(action, "Not changed in Canvas")
    message = " ".join([f"{said} ({resolution.who}, enrolment {enrollment.id}, "
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
