"""Download: the assessment grades of a claimed occurrence's students, read a section at a time beside
their module states (reference §13): one assignments call per course, then about one
students/submissions call per 100 students, for the published, graded assignments mapped to tasks (and
each assessor's name once per run). Schemes were looked up when the assessment list was read and are
kept with each assessment. Each student's rows are staged with their module states (ModuleStateDownload.grades).

Every grade is read again on every run, incremental ones too: `graded_since` misses posting, hiding,
grade removal and resubmission (§13.3), which are exactly what changes a grade's standing here.
"""

from typing import NamedTuple

from sqlalchemy import select

from ...extensions import db
from ...models import CanvasAssessment, OccurrenceLink
from ..canvas import CanvasClient, CanvasError
from ..canvas_links.assessments import UNGRADED

_SUBMISSION_FIELDS = ("workflow_state", "entered_grade", "entered_score", "grade", "excused", "attempt", "grader_id",
                      "grade_matches_current_submission")
_TIMES = ("submitted_at", "graded_at", "posted_at")


class KeptAssessment(NamedTuple):
    """A mapped assessment as the download needs it from the database (read on the job's own thread)."""
    task_id: int
    scheme: list | None          # CanvasAssessment.scheme
    grading_standard_id: int | None


class GradeReader:
    """One download job's reading of grades: what it learned of each course is kept for the run."""

    def __init__(self, client: CanvasClient) -> None:
        self.client = client
        self.courses: dict[int, dict] = {}
        self.graders: dict[int, str | None] = {}  # Canvas user id → name, asked once per run

    def section_grades(self, mapped: dict[int, KeptAssessment], course_id: int, section_id: int,
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
                kept = mapped[meta["id"]]
                # A scheme changed in Canvas since the list was read is not checked against.
                scheme = kept.scheme if kept.grading_standard_id == meta["grading_standard_id"] else []
                row = {**meta, "assignment_id": meta["id"], "task_id": kept.task_id, "scheme": scheme or [],
                       "scheme_missing": scheme is None}
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
        """The course's assignments as staged with each grade, read once per course and run."""
        if course_id not in self.courses:
            self.courses[course_id] = {
                a.id: {"id": a.id, "name": a.name, "published": a.published, "grading_type": a.grading_type,
                       "points_possible": a.points_possible, "grading_standard_id": a.grading_standard_id}
                for a in self.client.list_assignments(course_id)}
        return self.courses[course_id]


def mapped_assessments(occurrence_id: int) -> dict[int, KeptAssessment]:
    """Canvas assignment id → its task and kept scheme, for the assignments of the occurrence's current
    link mapped to a task and still in Canvas."""
    rows = db.session.execute(
        select(CanvasAssessment.canvas_assignment_id, CanvasAssessment.task_id, CanvasAssessment.scheme,
               CanvasAssessment.grading_standard_id)
        .join(OccurrenceLink, OccurrenceLink.id == CanvasAssessment.link_id)
        .where(OccurrenceLink.occurrence_id == occurrence_id, OccurrenceLink.is_current,
               CanvasAssessment.task_id.is_not(None), CanvasAssessment.removed_at.is_(None))).all()
    return {r.canvas_assignment_id: KeptAssessment(r.task_id, r.scheme, r.grading_standard_id) for r in rows}
