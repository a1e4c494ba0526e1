"""Canvas enrolment states (reference §5.2), in one vocabulary: which give access, which ended,
and their words on the pages."""

from ...rto_time import format_rto_date
from ..canvas import CanvasClient, Enrollment

# Canvas enrolment states (§5.2). Ended ones are re-opened by a new POST (§11.5), so only on request.
ALL_STATES = ("active", "invited", "creation_pending", "inactive", "completed", "rejected", "deleted")
ENDED = ("completed", "inactive", "rejected", "deleted")
STATE_WORDS = {"completed": "concluded", "inactive": "deactivated", "rejected": "rejected by the student",
               "deleted": "deleted", "creation_pending": "pending until the course is published"}


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
