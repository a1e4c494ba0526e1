"""Enrolments: enrol, list, end and reactivate (§5)."""

from collections.abc import Sequence
from typing import Literal

from ..encoding import flag
from ..errors import CanvasValidationError, NotFound, amended
from ..models import Enrollment, parse_answer
from . import Calls


class EnrolmentCalls(Calls):
    """Enrol students in sections, list enrolments, end and reactivate them."""

    def enrol_in_section(self, section_id: int, user_id: int, *,
                         enrollment_state: Literal["active", "invited"] = "active",
                         limit_privileges_to_course_section: bool = False, notify: bool = False) -> Enrollment:
        """Enrol a student: `active` at once, or `invited` to accept. Repeatable: Canvas returns
        the existing enrollment of that user in that section (§5.1)."""
        form = {"enrollment[user_id]": str(user_id), "enrollment[type]": "StudentEnrollment",
                "enrollment[enrollment_state]": enrollment_state,
                "enrollment[limit_privileges_to_course_section]": flag(limit_privileges_to_course_section),
                "enrollment[notify]": flag(notify)}
        what = f"enrolment of user {user_id} in section {section_id}"
        path = f"/api/v1/sections/{section_id}/enrollments"
        try:
            return parse_answer(Enrollment, self._http.call("POST", path, what, data=form), what)
        except NotFound as exc:
            raise amended(exc, f"Canvas has no user {user_id} or no section {section_id} to enrol them in.") from exc
        except CanvasValidationError as exc:
            if "concluded" in str(exc):  # the course's or section's end date has passed (§11.5)
                raise amended(exc, f"{str(exc).rstrip('.')}. The Canvas course or section has ended, so it takes "
                                    f"no new students: extend its end date in Canvas, then transfer again.") from exc
            raise

    def list_section_enrollments(self, section_id: int, *, states: Sequence[str] = (),
                                 types: Sequence[str] = (), user_id: int | None = None) -> list[Enrollment]:
        """Without `states` Canvas lists active and invited enrollments (§5.3)."""
        params: list[tuple[str, str | int]] = [("state[]", s) for s in states]
        params += [("type[]", t) for t in types]
        if user_id is not None:
            params.append(("user_id", user_id))
        return self._list(Enrollment, f"/api/v1/sections/{section_id}/enrollments",
                          f"enrolments in section {section_id}", params)

    def list_user_enrollments(self, user_id: int, *, types: Sequence[str] = ()) -> list[Enrollment]:
        """The user's current enrolments in every course (active and invited, §5.3)."""
        return self._list(Enrollment, f"/api/v1/users/{user_id}/enrollments", f"enrolments of user {user_id}",
                          [("type[]", t) for t in types])

    def conclude_enrollment(self, course_id: int, enrollment_id: int) -> Enrollment:
        return self._end_enrollment(course_id, enrollment_id, "conclude")

    def deactivate_enrollment(self, course_id: int, enrollment_id: int) -> Enrollment:
        return self._end_enrollment(course_id, enrollment_id, "deactivate")

    def delete_enrollment(self, course_id: int, enrollment_id: int) -> Enrollment:
        return self._end_enrollment(course_id, enrollment_id, "delete")

    def reactivate_enrollment(self, course_id: int, enrollment_id: int) -> Enrollment:
        """Only an inactive (deactivated) enrollment can be reactivated (§5.4)."""
        what = f"enrolment {enrollment_id} in course {course_id}"
        return parse_answer(Enrollment, self._http.call(
            "PUT", f"/api/v1/courses/{course_id}/enrollments/{enrollment_id}/reactivate", what), what)

    def _end_enrollment(self, course_id: int, enrollment_id: int, task: str) -> Enrollment:
        what = f"enrolment {enrollment_id} in course {course_id}"
        return parse_answer(Enrollment, self._http.call(
            "DELETE", f"/api/v1/courses/{course_id}/enrollments/{enrollment_id}", what,
            params=[("task", task)]), what)
