"""Canvas enrolment states (reference §5.2), in one vocabulary: which give access, which ended,
and their words on the pages."""

from ...rto_time import format_rto_date
from ..canvas import CanvasClient, Enrollment

# With access, and without. Ended ones are re-opened by a new POST (§11.5), so only on request.
LIVE_STATES = ("active", "invited", "creation_pending")
ENDED_STATES = ("completed", "inactive", "rejected", "deleted")
ALL_STATES = LIVE_STATES + ENDED_STATES
# Not in the section at all, in any state (a merged or removed Canvas user).
MISSING = "missing"

# Each state in the pages' words: inside a sentence ("concluded in Canvas on 02/12/2026", the
# transfer preview), and on its own (the Enrolments table's standing).
IN_A_SENTENCE = {"active": "active", "invited": "invited",
                 "creation_pending": "pending until the course is published", "completed": "concluded",
                 "inactive": "deactivated", "rejected": "rejected by the student", "deleted": "deleted"}
ON_ITS_OWN = {"active": "Active in Canvas", "invited": "Invited in Canvas",
              "creation_pending": "Pending in Canvas until the course is published",
              "completed": "Concluded in Canvas", "inactive": "Deactivated in Canvas",
              "deleted": "Deleted from Canvas", "rejected": "Invitation rejected in Canvas",
              MISSING: "Not in the Canvas section"}


def state_label(state: str | None) -> str:
    """A state on its own: "Concluded in Canvas"."""
    return ON_ITS_OWN.get(state, f"{state} in Canvas")


def canvas_enrolments(client: CanvasClient, section_id: int) -> dict[int, Enrollment]:
    """Each user's student enrolment in the section, whatever its state (one call per 100 students).
    A user with several keeps the live one: Canvas reuses that one on a new POST."""
    found: dict[int, Enrollment] = {}
    for enrollment in client.list_section_enrollments(section_id, states=ALL_STATES, types=("StudentEnrollment",)):
        kept = found.get(enrollment.user_id)
        if kept is None or kept.enrollment_state in ENDED_STATES:
            found[enrollment.user_id] = enrollment
    return found


def describe_state(enrollment: Enrollment, zone: str) -> str:
    """"concluded in Canvas on 02/12/2026", in the integration's time zone."""
    state = enrollment.enrollment_state
    words = IN_A_SENTENCE.get(state, state)
    if state in ENDED_STATES and enrollment.updated_at:
        return f"{words} in Canvas on {format_rto_date(enrollment.updated_at, zone)}"
    return f"{words} in Canvas" if state in ENDED_STATES else words
