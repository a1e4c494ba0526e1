"""Carrying out a plan in Canvas, or listing it without doing anything (the dry run).

Each student's change is its own transaction, an item of the run and an entry of the
occurrence's history (who or what triggered it, the Canvas call, the outcome). A failed call is
listed, kept on the transfer and tried again by the next sync; it never undoes the change here.
"""

from sqlalchemy import select, update

from ...extensions import db
from ...models import (
    ACCESS_ENDED, ACCESS_LIVE, BY_SYNC, ENROL_INVITED, Enrolment, EnrolmentTransfer, JobRun, ModuleStateDownload,
)
from ..audit import record
from ..clock import utcnow
from ..canvas import (
    CanvasClient, CanvasError, CanvasValidationError, Enrollment, MissingScope, NotFound, PermissionDenied,
)
from ..integrations.rights import missing_right
from .transfer import preview as transfer_preview
from .transfer import transfer_each
from ..runs.lifecycle import record_item, stopped_by_cancel
from ..result_transfer.download import stage_now
from .decide import (
    CONCLUDE, DEACTIVATE, DELETE, ENDS, ENROL, NOTE_ENDED, NOTE_LIVE, REACTIVATE, REENROL,
)
from .states import LIVE_STATES, MISSING
from .plan import OccurrencePlan, Step, call_of

DOING = {ENROL: "Transfer to Canvas", CONCLUDE: "Conclude in Canvas", DEACTIVATE: "Deactivate in Canvas",
         DELETE: "Delete from Canvas", REACTIVATE: "Reactivate in Canvas", REENROL: "Re-open in Canvas",
         NOTE_ENDED: "Nothing to send: already without access in Canvas",
         NOTE_LIVE: "Nothing to send: already has access in Canvas"}
DONE = {CONCLUDE: "Concluded in Canvas", DEACTIVATE: "Deactivated in Canvas", DELETE: "Deleted from Canvas",
        REACTIVATE: "Reactivated in Canvas", REENROL: "Re-opened in Canvas",
        NOTE_ENDED: "Already without access in Canvas: nothing sent",
        NOTE_LIVE: "Already has access in Canvas: nothing sent"}
RETRIED = "Nothing changed here; the next sync tries again (the nightly run at the latest)."
PREVIEW, HELD = "preview", "held"
NOTE = "note"  # a dry run's "nothing to send": listed, but no change to apply


def preview(run: JobRun, plan: OccurrencePlan, client: CanvasClient) -> None:
    """The dry run: each exact change as an item of the run, none made. New enrolments are looked up
    as the transfer's preview does (reads only)."""
    new = [step for step in plan.steps if step.action == ENROL]
    found = {}
    if new and plan.error is None:
        enrolments = db.session.scalars(select(Enrolment).where(
            Enrolment.id.in_([step.enrolment_id for step in new]))).all()
        found = transfer_preview(plan.link, enrolments, client, plan.in_canvas)
    for step in plan.steps:
        said = f"{DOING[step.action]} ({step.reason})"
        if step.action == ENROL and step.enrolment_id in found:
            said += f": {found[step.enrolment_id].action}, {found[step.enrolment_id].detail}"
        if step.action not in (NOTE_ENDED, NOTE_LIVE):
            said += f" — {call_of(step, plan.link)}"
        if step.action in ENDS and step.enrolment_id and step.canvas_state in LIVE_STATES:
            said += " (module progress is downloaded and staged first)"
        outcome = NOTE if step.action in (NOTE_ENDED, NOTE_LIVE) else PREVIEW
        record_item(run, step.key, _label(run, step), outcome, said + ".")
    db.session.commit()


def hold(run: JobRun, plan: OccurrencePlan) -> None:
    """The guard holds every ending of the plan until a person confirms it; each is listed. A student
    held already keeps the time they were first held."""
    now = utcnow()
    for step in plan.endings:
        transfer = db.session.get(EnrolmentTransfer, step.transfer_id)
        if transfer.held_run_id is None:
            transfer.held_at = now
        transfer.held_run_id = run.id
        record_item(run, step.key, _label(run, step), HELD, f"Held by the mass-change guard: not ended in Canvas "
                    f"({step.reason}) — {call_of(step, plan.link)} waits for a person to confirm.")
    db.session.commit()


def carry_out(run: JobRun, plan: OccurrencePlan, client: CanvasClient, held: bool = False) -> bool:
    """Make the plan's changes (its endings only when not `held`); False when the run was cancelled.
    Each is audited with what triggered it: the change to that student here, else the run's trigger."""
    link = plan.link
    steps = [step for step in plan.steps if not (held and step.action in ENDS)]
    keep_held = {step.transfer_id for step in plan.endings} if held else set()
    db.session.execute(update(EnrolmentTransfer).where(
        EnrolmentTransfer.link_id == link.id, EnrolmentTransfer.held_run_id.is_not(None),
        EnrolmentTransfer.id.not_in(keep_held)).values(held_run_id=None, held_at=None))
    if plan.error is not None:
        for step in steps:
            _failed(run, step, f"Not done: canvaslink must first read the Canvas section, and {plan.error} {RETRIED}")
        db.session.commit()
        return True
    staged, unreadable = _stage(run, plan, [step for step in steps if step.action in ENDS])
    for step in steps:
        if step.action == ENROL:
            continue
        if step.key in unreadable:
            _failed(run, step, unreadable[step.key])
        else:
            _change(run, link, step, client, staged.get(step.key))
        db.session.commit()
        if stopped_by_cancel(run, "what was changed in Canvas stays changed."):
            return False
    new = [step.enrolment_id for step in steps if step.action == ENROL]
    if new:
        enrolments = db.session.scalars(select(Enrolment).where(Enrolment.id.in_(new))).all()
        return transfer_each(run, link, client, plan.in_canvas, enrolments)
    return True


def _stage(run: JobRun, plan: OccurrencePlan, endings: list[Step]) -> tuple[dict[str, int], dict[str, str]]:
    """Download the progress of students about to lose access, while Canvas still shows it (§11.6):
    step key → the download run that staged it; and step key → why it could not be (they keep access)."""
    readable = [step for step in endings if step.enrolment_id and step.canvas_state in LIVE_STATES]
    if not readable:
        return {}, {}
    staging = stage_now(plan.link.occurrence_id, [step.enrolment_id for step in readable], run.started_by_id)
    rows = {row.enrolment_id: row for row in db.session.scalars(select(ModuleStateDownload).where(
        ModuleStateDownload.run_id == staging.id))}
    staged, unreadable = {}, {}
    for step in readable:
        row = rows.get(step.enrolment_id)
        if row is not None and (row.error is None or row.canvas_state is not None):
            staged[step.key] = staging.id
        else:
            why = row.error if row is not None else (staging.message or "the download stopped.")
            unreadable[step.key] = (f"Not done: the student's module progress is staged first, because Canvas "
                                    f"shows none once the enrolment has ended, and it could not be read: {why} "
                                    f"{RETRIED}")
    return staged, unreadable


def _change(run: JobRun, link, step: Step, client: CanvasClient, staging_run: int | None) -> None:
    transfer = db.session.get(EnrolmentTransfer, step.transfer_id)
    trigger = run.params.get("triggers", {}).get(step.key) or run.params.get("trigger") or "canvaslink"
    ending = step.action in ENDS or step.action == NOTE_ENDED
    call = call_of(step, link)
    try:
        enrollment = _call(client, link, step)
    except CanvasError as err:
        if not (ending and isinstance(err, NotFound)):
            if isinstance(err, PermissionDenied) and not isinstance(err, MissingScope):
                err = f"{err} {missing_right(step.action)}"  # name the right, on the run and the exceptions
            _failed(run, step, f"{DOING[step.action]} failed: {err} {RETRIED}")
            _audit(run, link, step, trigger, call, f"failed: {err}")
            return
        enrollment = None  # gone from Canvas already: no access left to end
    now = utcnow()
    state = enrollment.enrollment_state if enrollment is not None else (
        transfer.canvas_state if step.action in (NOTE_ENDED, NOTE_LIVE) else MISSING)
    if enrollment is not None:
        transfer.canvas_enrollment_id = enrollment.id
    if step.action not in (NOTE_ENDED, NOTE_LIVE):
        transfer.canvas_state, transfer.canvas_state_at, transfer.canvas_state_by = state, now, BY_SYNC
        transfer.refreshed_at = now
    transfer.access = ACCESS_ENDED if ending else ACCESS_LIVE
    transfer.sync_error, transfer.held_run_id, transfer.held_at = None, None, None
    if ending and transfer.enrolment_id is None:
        db.session.delete(transfer)  # a removed student's access has ended: the history keeps the rest
    staged = f"; module progress staged first (download run {staging_run})" if staging_run else ""
    if step.action in (NOTE_ENDED, NOTE_LIVE):
        record_item(run, step.key, _label(run, step), step.action, f"{DONE[step.action]} ({step.reason}, {state}).")
        return
    if enrollment is None:
        message = f"Not in Canvas any more ({step.reason}): {call} found no enrolment to end."
    else:
        message = f"{DONE[step.action]} ({step.reason}{staged}): {call} → {state}."
    record_item(run, step.key, _label(run, step), step.action, message)
    _audit(run, link, step, trigger, call, state, message)


def _call(client: CanvasClient, link, step: Step) -> Enrollment | None:
    course = link.canvas_course_id
    if step.action == CONCLUDE:
        return client.conclude_enrollment(course, step.canvas_enrollment_id)
    if step.action == DEACTIVATE:
        return client.deactivate_enrollment(course, step.canvas_enrollment_id)
    if step.action == DELETE:
        return client.delete_enrollment(course, step.canvas_enrollment_id)
    if step.action == REACTIVATE:
        try:
            return client.reactivate_enrollment(course, step.canvas_enrollment_id)
        except CanvasValidationError:  # no longer inactive (changed in Canvas meanwhile): post it again
            pass
    if step.action in (REACTIVATE, REENROL):
        integration = link.integration
        return client.enrol_in_section(link.canvas_section_id, step.canvas_user_id,
                                       enrollment_state="invited" if integration.enrol_mode == ENROL_INVITED
                                       else "active", limit_privileges_to_course_section=integration.limit_to_section,
                                       notify=integration.notify)
    return None  # a note: nothing to send


def _label(run: JobRun, step: Step) -> str:
    """A run across occurrences says which class each student is in."""
    return step.label if run.occurrence_id else f"{step.label} · {step.occurrence_id}"


def _failed(run: JobRun, step: Step, message: str) -> None:
    if step.transfer_id is not None:
        db.session.get(EnrolmentTransfer, step.transfer_id).sync_error = message
    record_item(run, step.key, _label(run, step), "failed", message, ok=False)


def _audit(run: JobRun, link, step: Step, trigger: str, call: str, outcome: str, summary: str | None = None) -> None:
    record(run.started_by_id, "occurrence", link.occurrence_id, f"canvas_{step.action}",
           f"{step.label}: {summary or DOING[step.action] + ' failed'}",
           {"student": step.label, "trigger": trigger, "call": call, "outcome": outcome})
