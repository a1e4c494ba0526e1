"""Download: the assessment grades of a claimed occurrence's students, read a section at a time beside
their module states (reference §13): one assignments call per course and a scheme lookup per run, then
about one students/submissions call per 100 students, for the published, graded assignments mapped to
tasks. Each student's rows are staged with their module states (ModuleStateDownload.grades).

Every grade is read again on every run, incremental ones too: `graded_since` misses posting, hiding,
grade removal and resubmission (§13.3), which are exactly what changes a grade's standing here.
"""

from sqlalchemy import select

from ...extensions import db
from ...models import CanvasAssessment, OccurrenceLink
from ..canvas import CanvasClient, CanvasError, Course, SchemeLookup
from ..canvas_links.assessments import UNGRADED
from .grades import LETTER_TYPES

_SUBMISSION_FIELDS = ("workflow_state", "entered_grade", "entered_score", "grade", "excused", "attempt", "grader_id",
                      "grade_matches_current_submission")
_TIMES = ("submitted_at", "graded_at", "posted_at")


class GradeReader:
    """One download job's reading of grades: what it learned of each course is kept for the run."""

    def __init__(self, client: CanvasClient) -> None:
        self.client = client
        self.schemes = SchemeLookup(client)
        self.courses: dict[int, tuple[Course, dict]] = {}
        self.graders: dict[int, str | None] = {}  # Canvas user id → name, asked once per run

    def section_grades(self, mapped: dict[int, int], course_id: int, section_id: int,
                       canvas_user_ids: set[int]) -> dict[int, dict]:
        """Canvas user id → {"rows": [...], "error": None} for these students (only: a Test Student or
        anyone else in the section is never staged); the same error for each when Canvas refused.
        `mapped` (mapped_assessments) is read beforehand: this runs in the download's threads, which
        never touch the database."""
        if not mapped:
            return {}
        try:
            assignments = self._assignments(course_id)
            # Only assignments published and graded now: Canvas refuses the whole call for one that is not.
            asked = [a for a in assignments.values() if a["id"] in mapped and a["published"]
                     and a["grading_type"] != UNGRADED]
            students = self.client.section_submissions(section_id, [a["id"] for a in asked])
        except CanvasError as err:
            said = {"rows": [], "error": f"Grades could not be read: {err}"}
            return {user_id: said for user_id in canvas_user_ids}
        staged: dict[int, dict] = {user_id: {"rows": [], "error": None} for user_id in canvas_user_ids}
        for student in students:
            if student.user_id not in staged:
                continue
            for submission in student.submissions:
                meta = assignments.get(submission.assignment_id)
                if meta is None or meta["id"] not in mapped:
                    continue
                row = {**meta, "assignment_id": meta["id"], "task_id": mapped[meta["id"]]}
                row |= {name: getattr(submission, name) for name in _SUBMISSION_FIELDS}
                row |= {name: (getattr(submission, name).isoformat() if getattr(submission, name) else None)
                        for name in _TIMES}
                row["grader_name"] = self._grader(submission.grader_id)
                staged[student.user_id]["rows"].append(row)
        return staged

    def _grader(self, grader_id: int | None) -> str | None:
        """The assessor's name, for the review and the provenance; a negative id is a quiz or tool (§13.2)."""
        if grader_id is None:
            return None
        if grader_id < 0:
            return "Canvas (a quiz or external tool)"
        if grader_id not in self.graders:
            try:
                self.graders[grader_id] = self.client.get_user(grader_id).name
            except CanvasError:
                self.graders[grader_id] = None  # the id is kept and shown; the name is a courtesy
        return self.graders[grader_id]

    def _assignments(self, course_id: int) -> dict[int, dict]:
        """The course's assignments as staged with each grade, their schemes named (once per course)."""
        if course_id not in self.courses:
            course = self.client.get_course(course_id)
            found = {}
            for a in self.client.list_assignments(course_id):
                scheme = self.schemes.scheme_for(course, a)
                named = a.grading_standard_id or course.grading_standard_id
                # A scheme named by id is checked against; Canvas's default one is not (a course JSON
                # without its scheme's id cannot tell it apart from a course that has none).
                found[a.id] = {"id": a.id, "name": a.name, "published": a.published, "grading_type": a.grading_type,
                               "points_possible": a.points_possible,
                               "scheme": [entry.name for entry in scheme] if scheme and named else [],
                               "scheme_missing": scheme is None and a.grading_type in LETTER_TYPES}
            self.courses[course_id] = (course, found)
        return self.courses[course_id][1]


def mapped_assessments(occurrence_id: int) -> dict[int, int]:
    """Canvas assignment id → task id, for the assignments of the occurrence's current link mapped to a
    task and still in Canvas."""
    rows = db.session.execute(
        select(CanvasAssessment.canvas_assignment_id, CanvasAssessment.task_id)
        .join(OccurrenceLink, OccurrenceLink.id == CanvasAssessment.link_id)
        .where(OccurrenceLink.occurrence_id == occurrence_id, OccurrenceLink.is_current,
               CanvasAssessment.task_id.is_not(None), CanvasAssessment.removed_at.is_(None))).all()
    return {r.canvas_assignment_id: r.task_id for r in rows}
