"""Download: the assessment grades of a claimed occurrence's students, read a section at a time beside
their module states (reference §13): one assignments call per course, then about one
students/submissions call per 100 students, for the published, graded assignments mapped to tasks (and
each assessor's name once per run). Schemes were looked up when the assessment list was read and are
kept with each assessment. Each student's rows are staged with their module states (ModuleStateDownload.grades).

Every grade is read again on every run, incremental ones too: `graded_since` misses posting, hiding,
grade removal and resubmission (§13.3), which are exactly what changes a grade's standing here.
"""

from concurrent.futures import Future
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class AssignmentsRead:
    """Pool work: a course's assignments, read once per course and run for all its sections."""
    integration_id: int
    course_id: int

    def read(self, client: CanvasClient) -> list:
        return client.list_assignments(self.course_id)


@dataclass(frozen=True)
class SubmissionsRead:
    """Pool work: a section's students with their submissions for the assignments asked."""
    integration_id: int
    occurrence_id: int
    section_id: int
    assignment_ids: tuple[int, ...]

    def read(self, client: CanvasClient) -> list:
        return client.section_submissions(self.section_id, self.assignment_ids)


@dataclass(frozen=True)
class AssessorRead:
    """Pool work: an assessor's name, asked once per run."""
    integration_id: int
    grader_id: int

    def read(self, client: CanvasClient) -> str | None:
        return client.get_user(self.grader_id).name


GradeWork = AssignmentsRead | SubmissionsRead | AssessorRead


@dataclass
class _Section:
    """What one claimed occurrence's grades need, and what was read of them so far."""
    mapped: dict[int, KeptAssessment]
    course_id: int
    section_id: int
    canvas_user_ids: frozenset[int]
    students: list = field(default_factory=list)
    assessors: set[int] = field(default_factory=set)  # names still being asked


class Step(NamedTuple):
    """What an answer leads to: more pool work, and the occurrences whose grades are now all in
    (occurrence → Canvas user id → {"rows": [...], "error": ...})."""
    work: list[GradeWork]
    done: dict[int, dict[int, dict]]


class GradeReads:
    """One download job's reading of grades on one integration, a few pool calls an occurrence beside
    its students' module states: each call is work of its own in the job's pool, so none holds a thread
    while another is awaited, and what one occurrence learns (a course's assignments, an assessor's
    name) is asked once and serves the others. Only the job's own thread calls these methods; the pool
    threads only make the calls (`work.read(client)`)."""

    def __init__(self, integration_id: int) -> None:
        self.integration_id = integration_id
        self.sections: dict[int, _Section] = {}  # occurrence → its grades under way
        self.courses: dict[int, dict[int, dict]] = {}  # course → its assignments as staged with each grade
        self.course_waiters: dict[int, list[int]] = {}  # course being read → occurrences waiting for it
        self.graders: dict[int, str | None] = {}  # Canvas user id → name
        self.grader_waiters: dict[int, list[int]] = {}  # assessor being asked → occurrences waiting

    def start(self, occurrence_id: int, mapped: dict[int, KeptAssessment], course_id: int, section_id: int,
              canvas_user_ids: set[int]) -> Step:
        """The first work for a claimed occurrence's grades; done at once when none is mapped."""
        if not mapped:
            return Step([], {occurrence_id: {}})
        self.sections[occurrence_id] = _Section(mapped, course_id, section_id, frozenset(canvas_user_ids))
        if course_id in self.courses:
            return self._ask_submissions(occurrence_id)
        waiting = self.course_waiters.setdefault(course_id, [])
        waiting.append(occurrence_id)
        return Step([AssignmentsRead(self.integration_id, course_id)] if len(waiting) == 1 else [], {})

    def answered(self, work: GradeWork, answer: Future) -> Step:
        """Carry on from one finished call (an answer or the CanvasError it raised)."""
        try:
            result, error = answer.result(), None
        except CanvasError as err:
            result, error = None, err
        if isinstance(work, AssignmentsRead):
            return self._assignments_in(work.course_id, result, error)
        if isinstance(work, SubmissionsRead):
            return self._submissions_in(work.occurrence_id, result, error)
        # The name is a courtesy: the id is kept and shown when Canvas would not say it.
        self.graders[work.grader_id] = result
        step = Step([], {})
        for occurrence_id in self.grader_waiters.pop(work.grader_id):
            section = self.sections[occurrence_id]
            section.assessors.discard(work.grader_id)
            if not section.assessors:
                step.done[occurrence_id] = self._staged(occurrence_id)
        return step

    def _assignments_in(self, course_id: int, assignments: list | None, error: CanvasError | None) -> Step:
        waiting = self.course_waiters.pop(course_id)
        if error is not None:  # not kept: a later section of the course asks again
            return Step([], {occurrence_id: self._refused(occurrence_id, error) for occurrence_id in waiting})
        self.courses[course_id] = {
            a.id: {"id": a.id, "name": a.name, "published": a.published, "grading_type": a.grading_type,
                   "points_possible": a.points_possible, "grading_standard_id": a.grading_standard_id}
            for a in assignments}
        step = Step([], {})
        for occurrence_id in waiting:
            more = self._ask_submissions(occurrence_id)
            step.work.extend(more.work)
            step.done.update(more.done)
        return step

    def _ask_submissions(self, occurrence_id: int) -> Step:
        section = self.sections[occurrence_id]
        # Only assignments published and graded now: Canvas refuses the whole call for one that is not.
        asked = tuple(a["id"] for a in self.courses[section.course_id].values() if a["id"] in section.mapped
                      and a["published"] and a["grading_type"] != UNGRADED)
        if not asked:
            return Step([], {occurrence_id: self._staged(occurrence_id)})
        return Step([SubmissionsRead(self.integration_id, occurrence_id, section.section_id, asked)], {})

    def _submissions_in(self, occurrence_id: int, students: list | None, error: CanvasError | None) -> Step:
        if error is not None:
            return Step([], {occurrence_id: self._refused(occurrence_id, error)})
        section = self.sections[occurrence_id]
        section.students = [s for s in students if s.user_id in section.canvas_user_ids]
        # A negative id is a quiz or tool (§13.2): it has no name to ask for.
        section.assessors = {sub.grader_id for s in section.students for sub in s.submissions
                             if sub.grader_id is not None and sub.grader_id >= 0 and sub.grader_id not in self.graders}
        work = []
        for grader_id in sorted(section.assessors):
            waiting = self.grader_waiters.setdefault(grader_id, [])
            waiting.append(occurrence_id)
            if len(waiting) == 1:
                work.append(AssessorRead(self.integration_id, grader_id))
        return Step(work, {} if section.assessors else {occurrence_id: self._staged(occurrence_id)})

    def _refused(self, occurrence_id: int, error: CanvasError) -> dict[int, dict]:
        """The same error for each student when Canvas refused."""
        said = {"rows": [], "error": f"Grades could not be read: {error}"}
        return {user_id: said for user_id in self.sections.pop(occurrence_id).canvas_user_ids}

    def _staged(self, occurrence_id: int) -> dict[int, dict]:
        """Canvas user id → {"rows": [...], "error": None} for the occurrence's students (only: a Test
        Student or anyone else in the section is never staged)."""
        section = self.sections.pop(occurrence_id)
        assignments = self.courses[section.course_id]
        staged: dict[int, dict] = {user_id: {"rows": [], "error": None} for user_id in section.canvas_user_ids}
        for student in section.students:
            for submission in student.submissions:
                meta = assignments.get(submission.assignment_id)
                if meta is None or meta["id"] not in section.mapped:
                    continue
                kept = section.mapped[meta["id"]]
                # A scheme changed in Canvas since the list was read is not checked against.
                scheme = kept.scheme if kept.grading_standard_id == meta["grading_standard_id"] else []
                row = {**meta, "assignment_id": meta["id"], "task_id": kept.task_id, "scheme": scheme or [],
                       "scheme_missing": scheme is None}
                row |= {name: getattr(submission, name) for name in _SUBMISSION_FIELDS}
                row |= {name: (getattr(submission, name).isoformat() if getattr(submission, name) else None)
                        for name in _TIMES}
                row["grader_name"] = self._grader_name(submission.grader_id)
                staged[student.user_id]["rows"].append(row)
        return staged

    def _grader_name(self, grader_id: int | None) -> str | None:
        """The assessor's name, for the review and the provenance."""
        if grader_id is None:
            return None
        return "Canvas (a quiz or external tool)" if grader_id < 0 else self.graders.get(grader_id)


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
