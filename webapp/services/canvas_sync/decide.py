"""The pure decision: what canvaslink does in Canvas for one student, and when ending access is a mass change.

No I/O: a student's standing in both systems and the integration's options in, an action out.

The rule that keeps canvaslink from fighting people who work in Canvas: it acts only when the
enrolment here asks for other access than canvaslink last gave (`access`), never because Canvas
differs. A teacher who concludes an active student, or re-opens one canvaslink concluded, is left
alone; a withdrawal whose conclusion failed is tried again until it is done.
"""

from dataclasses import dataclass

from ...models import ACCESS_ENDED, ACCESS_LIVE, LEAVE_CONCLUDE, StatusType
from .states import LIVE_STATES


# Actions with a Canvas call (reference §5.1, §5.4, §11.5).
ENROL, CONCLUDE, DEACTIVATE, DELETE, REACTIVATE, REENROL = (
    "enrol", "conclude", "deactivate", "delete", "reactivate", "reenrol")
ENDS = (CONCLUDE, DEACTIVATE, DELETE)
# No call: Canvas already is as the enrolment asks, so canvaslink only takes note.
NOTE_ENDED, NOTE_LIVE = "note_ended", "note_live"
WITHOUT_CALL = (NOTE_ENDED, NOTE_LIVE)

LEAVING = (StatusType.WITHDRAWN, StatusType.CANCELLED)


@dataclass(frozen=True)
class Options:
    """An integration's choices (wizard page 2) as one run applies them."""

    leave_action: str = LEAVE_CONCLUDE
    conclude_on_completed: bool = False
    transfer_new: bool = False
    guard_students: int = 10
    guard_percent: int = 25


@dataclass(frozen=True)
class Standing:
    """One student in both systems."""

    status_type: StatusType | None      # the enrolment's status type; None: removed from the occurrence
    transferred: bool = False
    access: str | None = None           # ACCESS_LIVE / ACCESS_ENDED: what canvaslink last gave
    canvas_state: str | None = None     # as last read from the section; MISSING when not there


def wanted_access(status_type: StatusType | None, options: Options) -> str | None:
    """The access the enrolment asks for; None: no opinion (a completed enrolment, unless the
    integration concludes on completion)."""
    if status_type is None or status_type in LEAVING:
        return ACCESS_ENDED
    if status_type == StatusType.COMPLETED:
        return ACCESS_ENDED if options.conclude_on_completed else None
    return ACCESS_LIVE


def decide(standing: Standing, options: Options) -> str | None:
    """The action for this student, or None when there is nothing to do."""
    wanted = wanted_access(standing.status_type, options)
    if not standing.transferred:
        return ENROL if wanted == ACCESS_LIVE and options.transfer_new else None
    if wanted is None or wanted == standing.access:
        return None
    state = standing.canvas_state
    if wanted == ACCESS_ENDED:
        if state not in LIVE_STATES:
            return NOTE_ENDED
        # Completing a course keeps the work and the gradebook, whatever leaving does.
        return CONCLUDE if standing.status_type == StatusType.COMPLETED else options.leave_action
    if state in LIVE_STATES:
        return NOTE_LIVE
    # Only a deactivated enrolment can be reactivated; Canvas re-opens the others when the
    # enrolment is posted again, reusing it (§5.4, §11.5).
    return REACTIVATE if state == "inactive" else REENROL


def guard_holds(endings: int, section_endings: int, section_students: int, options: Options) -> bool:
    """Whether ending access now makes a mass change a person must confirm. The guard's limits are per
    day, unless a person confirms: `endings` counts the integration's students losing access over the
    day without a person's confirmation (these, those ended earlier in the day and those held);
    `section_endings` counts the same within this section, of `section_students` who had access there
    before the day's endings. One student is never a mass change of a section."""
    if endings > options.guard_students:
        return True
    return section_endings > 1 and section_endings * 100 > options.guard_percent * section_students
