"""The Canvas calls behind assessment grades (reference §13): a course's assignments, its students'
submissions a section at a time, and the grading schemes that name letter grades.

`GradeCalls` is mixed into CanvasClient; `SchemeLookup` finds an assignment's scheme once per run.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import chain

from ..errors import NotFound
from ..grade_models import Assignment, GradingStandard, SchemeEntry, StudentSubmissions
from ..models import Account, Course
from . import Calls

# Grading types named by a scheme's entries (§13.5).
LETTER_TYPES = ("letter_grade", "gpa_scale")
# Canvas's own scheme for a letter-graded assignment when neither it nor its course names one (§13.5).
CANVAS_DEFAULT_SCHEME = tuple(SchemeEntry(name, value) for name, value in (
    ("A", 0.94), ("A-", 0.90), ("B+", 0.87), ("B", 0.84), ("B-", 0.80), ("C+", 0.77), ("C", 0.74),
    ("C-", 0.70), ("D+", 0.67), ("D", 0.64), ("D-", 0.61), ("F", 0.0)))


class GradeCalls(Calls):
    """Assignments, submissions and grading schemes; schemes of an account need the host's `get_account`."""

    def list_assignments(self, course_id: int) -> list[Assignment]:
        """Every assignment of the course, published or not (teachers see both, §13.6)."""
        return self._list(Assignment, f"/api/v1/courses/{course_id}/assignments",
                          f"assignments of course {course_id}")

    def list_grading_standards(self, context: str, context_id: int) -> list[GradingStandard]:
        """The schemes owned by that course or account (`context` "courses" or "accounts"): a course
        does not list the account's schemes its assignments use (§13.6)."""
        return self._list(GradingStandard, f"/api/v1/{context}/{context_id}/grading_standards",
                          f"grading schemes of {context[:-1]} {context_id}")

    def section_submissions(self, section_id: int, assignment_ids: Sequence[int], *,
                            graded_since: datetime | None = None) -> list[StudentSubmissions]:
        """Every active student of the section with their submissions for these assignments, grouped
        by student: about one call per 100 students (§13.1).

        `assignment_ids` must be published assignments of the section's course: Canvas refuses the
        whole call (403) for one that is not, so the caller passes only those. Without `active`
        Canvas would list concluded, invited and pending students too. `graded_since` is a hint,
        never a change feed (§13.3)."""
        if not assignment_ids:
            return []
        params: list[tuple[str, str | int]] = [("student_ids[]", "all"), ("grouped", "true"),
                                               ("enrollment_state", "active")]
        params += [("assignment_ids[]", assignment_id) for assignment_id in sorted(set(assignment_ids))]
        if graded_since is not None:
            # Canvas takes full ISO 8601 only (§13.1).
            params.append(("graded_since", graded_since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")))
        return self._list(StudentSubmissions, f"/api/v1/sections/{section_id}/students/submissions",
                          f"submissions of the students of section {section_id}", params)


class SchemeLookup:
    """Each letter-graded assignment's scheme, looked up once per run: the assignment's own, else its
    course's, else Canvas's default (§13.5). A scheme the course does not own is an account's: the
    course's account is asked, then its parents (a course's route answers 404 for those, §13.6)."""

    def __init__(self, client: GradeCalls) -> None:
        self.client = client
        self._owned: dict[tuple[str, int], dict[int, GradingStandard]] = {}
        self._parents: dict[int, int | None] = {}

    def scheme_for(self, course: Course, assignment: Assignment) -> tuple[SchemeEntry, ...] | None:
        """None for an assignment that is not letter-graded, or whose scheme Canvas no longer has."""
        if assignment.grading_type not in LETTER_TYPES:
            return None
        standard_id = assignment.grading_standard_id or course.grading_standard_id
        if standard_id is None:
            return CANVAS_DEFAULT_SCHEME
        # Lazily: the account chain is climbed only as far as the scheme is not found.
        standard = self._find(standard_id, chain([("courses", course.id)], self._accounts_from(course.account_id)))
        return standard.grading_scheme if standard else None

    def _find(self, standard_id: int, contexts: Iterable[tuple[str, int]]) -> GradingStandard | None:
        for context in contexts:
            if context not in self._owned:
                try:
                    standards = self.client.list_grading_standards(*context)
                except NotFound:
                    standards = []
                self._owned[context] = {standard.id: standard for standard in standards}
            if standard_id in self._owned[context]:
                return self._owned[context][standard_id]
        return None

    def _accounts_from(self, account_id: int | None) -> Iterable[tuple[str, int]]:
        """The course's account and its parents up to the root, read lazily as the search climbs."""
        seen: set[int] = set()
        while account_id is not None and account_id not in seen:
            seen.add(account_id)
            yield "accounts", account_id
            if account_id not in self._parents:
                account: Account = self.client.get_account(account_id)
                self._parents[account_id] = account.parent_account_id
            account_id = self._parents[account_id]
