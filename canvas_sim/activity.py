"""A student's activity in a course, as Canvas keeps it on their enrolment (Enrollment#record_recent_activity):
`last_activity_at` (null until they first do something) and `total_activity_time` in seconds.

Canvas records it on the user's current (active) enrolments in the course whenever they use it: a page
view, module progress, a submission. An invited, concluded, deactivated or deleted enrolment records
nothing. Recording never changes the enrolment's `updated_at` (Canvas writes it with update_all).
"""

from datetime import datetime, timedelta

from .models import Enrollment
from .state import State
from .timefmt import parse_iso


def record_activity(state: State, user_id: int, course_id: int, seconds: int = 60,
                    at: datetime | None = None) -> list[Enrollment]:
    """The student did something in the course `at` (default now) for `seconds`; the enrolments that
    recorded it (none when the student has no active enrolment there). Simulator code that plays a
    student (module progress, submissions, page views) calls this."""
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
        raise ValueError("seconds must be a whole number of seconds, 0 or more")
    moment = at or state.now()
    recorded = [e for e in state.enrollments.values()
                if e.user_id == user_id and e.course_id == course_id and e.workflow_state == "active"]
    for enrollment in recorded:
        # A later time never moves backwards: an earlier completion date replayed keeps the newest activity.
        if enrollment.last_activity_at is None or moment > enrollment.last_activity_at:
            enrollment.last_activity_at = moment
        enrollment.total_activity_time += seconds
    return recorded


def earlier_activity(state: State, user_id: int, spec: dict) -> None:
    """A seed's history of a student in a course before the scenario starts: `days_ago` (or
    `last_activity_at`) and `total_activity_time`. It is given to the student's enrolment in that course
    as soon as they have one (now, or when it is created), as if they had been active then."""
    course_id = int(spec["course_id"])
    if spec.get("days_ago") is not None:
        moment = state.now() - timedelta(days=float(spec["days_ago"]))
    else:
        moment = parse_iso(spec.get("last_activity_at"))
    seconds = int(spec.get("total_activity_time", 0))
    if seconds < 0:
        raise ValueError("total_activity_time must be 0 or more")
    state.earlier_activity[(user_id, course_id)] = (moment, seconds)
    for enrollment in state.enrollments.values():
        if enrollment.user_id == user_id and enrollment.course_id == course_id:
            state.give_earlier_activity(enrollment)
