"""A sync's plan for one linked occurrence: read the section from Canvas (the refresh), then each
student's step, as the pure decision (decide.py) gives it.

Read-only towards Canvas; the refresh writes what it read onto the transfers here.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import (
    BY_CANVAS, ENROL_INVITED, Enrolment, EnrolmentStatus, EnrolmentTransfer, LmsIntegration, OccurrenceLink,
)
from ..clock import naive_utc, utcnow
from ..canvas import CanvasClient, CanvasError, Enrollment
from ..engagement.activity import note_activity
from .states import LIVE_STATES, MISSING, canvas_enrolments
from .decide import ENDS, ENROL, REENROL, REACTIVATE, Options, Standing, decide


def options_for(integration: LmsIntegration, *, transfer_all: bool = False) -> Options:
    """`transfer_all`: new enrolments are transferred whether or not the integration does so by itself
    (Utilities › Transfer enrolments to Canvas LMS)."""
    return Options(leave_action=integration.leave_action, conclude_on_completed=integration.conclude_on_completed,
                   transfer_new=transfer_all or integration.auto_transfer, guard_students=integration.guard_students,
                   guard_percent=integration.guard_percent)


@dataclass(frozen=True)
class Step:
    """One student's change in Canvas."""

    action: str
    key: str                          # the run item's key: the enrolment id, or "t<id>" for a removed student
    label: str
    reason: str                       # why: the enrolment's status, "removed from the occurrence", ...
    enrolment_id: int | None
    transfer_id: int | None
    canvas_user_id: int | None
    canvas_enrollment_id: int | None
    canvas_state: str | None
    occurrence_id: int


def call_of(step: Step, link: OccurrenceLink) -> str:
    """The exact Canvas call a step makes, as a dry run lists it."""
    course, section = link.canvas_course_id, link.canvas_section_id
    if step.action in ENDS:
        return f"DELETE /api/v1/courses/{course}/enrollments/{step.canvas_enrollment_id}?task={step.action}"
    if step.action == REACTIVATE:
        return f"PUT /api/v1/courses/{course}/enrollments/{step.canvas_enrollment_id}/reactivate"
    if step.action in (REENROL, ENROL):
        state = "invited" if link.integration.enrol_mode == ENROL_INVITED else "active"
        user = step.canvas_user_id if step.canvas_user_id else "(the student's Canvas user)"
        return (f"POST /api/v1/sections/{section}/enrollments enrollment[user_id]={user} "
                f"enrollment[enrollment_state]={state}")
    return "no call"


@dataclass
class OccurrencePlan:
    link: OccurrenceLink
    options: Options
    steps: list[Step]
    in_canvas: dict[int, Enrollment] | None = None   # the section's student enrolments; None: not read
    error: str | None = None                          # why the section could not be read

    @property
    def endings(self) -> list[Step]:
        return [step for step in self.steps if step.action in ENDS]

    @property
    def section_students(self) -> int:
        return sum(1 for e in (self.in_canvas or {}).values() if e.enrollment_state in LIVE_STATES)


def plan_occurrence(link: OccurrenceLink, client: CanvasClient | None, *, transfer_all: bool = False,
                    error: str | None = None) -> OccurrencePlan:
    """Read the section from Canvas, note what changed there on the transfers, and plan each student.
    Without a client (`error` says why), or when the section cannot be read, the states stay as they
    were and the plan says why."""
    options = options_for(link.integration, transfer_all=transfer_all)
    if client is not None:
        try:
            in_canvas = canvas_enrolments(client, link.canvas_section_id)
        except CanvasError as err:
            error = str(err)
        else:
            refresh(link, in_canvas)
            return OccurrencePlan(link, options, steps_of(link, options), in_canvas)
    return OccurrencePlan(link, options, steps_of(link, options), error=error)


def refresh(link: OccurrenceLink, in_canvas: dict[int, Enrollment]) -> None:
    """Each transferred student's enrolment state as Canvas has it now: a state someone changed in
    Canvas is noted with the time Canvas gives; and their activity there, which the same listing carries."""
    now = utcnow()
    transfers = db.session.scalars(select(EnrolmentTransfer).where(EnrolmentTransfer.link_id == link.id)).all()
    note_activity(transfers, in_canvas, now)
    for transfer in transfers:
        found = in_canvas.get(transfer.canvas_user_id)
        transfer.refreshed_at = now
        if found is not None:
            transfer.canvas_enrollment_id = found.id
        state = found.enrollment_state if found is not None else MISSING
        if state != transfer.canvas_state:
            transfer.canvas_state, transfer.canvas_state_by = state, BY_CANVAS
            transfer.canvas_state_at = (naive_utc(found.updated_at)
                                        if found is not None and found.updated_at else now)
    db.session.flush()


def steps_of(link: OccurrenceLink, options: Options, enrolment_ids: set[int] | None = None) -> list[Step]:
    """Every student's step from what is known here (the states last read from Canvas), ordered by
    name; only for `enrolment_ids` when given (removed students then too, as they have no id)."""
    steps = []
    query = (select(Enrolment).where(Enrolment.occurrence_id == link.occurrence_id)
             .options(joinedload(Enrolment.client), joinedload(Enrolment.status), joinedload(Enrolment.transfer)))
    if enrolment_ids is not None:
        query = query.where(Enrolment.id.in_(enrolment_ids))
    for enrolment in db.session.scalars(query):
        transfer = enrolment.transfer
        if transfer is not None and transfer.link_id != link.id:
            continue  # transferred through an earlier link: its section is not this one
        status: EnrolmentStatus = enrolment.status
        standing = Standing(status.status_type, transfer is not None, transfer.access if transfer else None,
                            transfer.canvas_state if transfer else None)
        action = decide(standing, options)
        if action:
            steps.append(Step(action, str(enrolment.id), f"{enrolment.client.full_name} ({enrolment.client.code})",
                              "new enrolment" if action == ENROL else status.name, enrolment.id,
                              transfer.id if transfer else None, transfer.canvas_user_id if transfer else None,
                              transfer.canvas_enrollment_id if transfer else None,
                              transfer.canvas_state if transfer else None, link.occurrence_id))
    removed = db.session.scalars(select(EnrolmentTransfer).where(
        EnrolmentTransfer.link_id == link.id, EnrolmentTransfer.enrolment_id.is_(None))
        .options(joinedload(EnrolmentTransfer.client))).all()
    for transfer in removed:
        action = decide(Standing(None, True, transfer.access, transfer.canvas_state), options)
        if action:
            who = (f"{transfer.client.full_name} ({transfer.client.code})" if transfer.client
                   else f"Canvas user {transfer.canvas_user_id}")
            steps.append(Step(action, f"t{transfer.id}", who, "removed from the occurrence", None, transfer.id,
                              transfer.canvas_user_id, transfer.canvas_enrollment_id, transfer.canvas_state,
                              link.occurrence_id))
    return sorted(steps, key=lambda step: step.label.casefold())
