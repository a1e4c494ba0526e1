"""Grading as Canvas does it (reference §13): schemes, grades from scores, late deductions, posting.

Every change to a submission goes through here, whether it comes from Canvas's own endpoints
(grade, excuse, submit) or from the simulator's page and admin API (post, hide, and a demo's
grading), so both paths keep the same rules: a resubmission keeps the old grade with
`grade_matches_current_submission=false`, a late deduction leaves `entered_grade` as the
assessor entered it, and a grade is released only when `posted_at` is set.
Sources: app/models/submission.rb, abstract_assignment.rb (grade_to_score, score_to_grade),
grading_standard.rb, late_policy.rb, post_policy.rb.
"""

import math
from datetime import datetime

from .activity import record_activity
from .models import Assignment, GradingStandard, Submission
from .progress import submission_changed
from .state import State

GRADING_TYPES = ("points", "percent", "pass_fail", "letter_grade", "gpa_scale", "not_graded")
SCHEME_TYPES = ("letter_grade", "gpa_scale")
# Canvas's default scheme (GradingStandard.default_grading_standard), used when neither the
# assignment nor the course names one.
DEFAULT_SCHEME = [("A", 0.94), ("A-", 0.90), ("B+", 0.87), ("B", 0.84), ("B-", 0.80), ("C+", 0.77), ("C", 0.74),
                  ("C-", 0.70), ("D+", 0.67), ("D", 0.64), ("D-", 0.61), ("F", 0.0)]
# What students can submit online; on_paper and none take no submission through the API.
ONLINE_TYPES = ("online_text_entry", "online_url", "online_upload", "media_recording", "student_annotation",
                "external_tool", "online_quiz", "discussion_topic")
_INTERVAL_SECONDS = {"day": 86400, "hour": 3600}
# The time a hand-in adds to the student's total activity: a demo figure (Canvas counts page views).
HAND_IN_SECONDS = 300


class GradeError(ValueError):
    """A posted grade the assignment's grading type cannot read (Canvas: 400)."""


def scheme_for(state: State, assignment: Assignment) -> list[tuple[str, float]]:
    """The assignment's standard, else the course's default one, else Canvas's default."""
    standard = state.grading_standards.get(assignment.grading_standard_id or 0)
    if standard is None:
        course = state.courses[assignment.course_id]
        standard = state.grading_standards.get(state.course_standard.get(course.id) or 0)
    return standard.scheme if standard else DEFAULT_SCHEME


def score_to_grade(state: State, assignment: Assignment, score: float | None) -> str | None:
    if score is None:
        return None
    kind = assignment.grading_type
    possible = assignment.points_possible or 0
    if kind == "percent":
        return f"{_number(round(score / possible * 100, 2) if possible else score)}%"
    if kind == "pass_fail":
        return "complete" if score > 0 or (possible == 0 and score == 0) else "incomplete"
    if kind in SCHEME_TYPES:
        percent = score / possible * 100 if possible else 0.0
        # The highest entry whose lower bound the score reaches; Canvas rounds to avoid 89.999.
        return next((name for name, value in _ordered(state, assignment) if round(percent, 4) >= value * 100),
                    _ordered(state, assignment)[-1][0])
    if kind == "not_graded":
        return None
    return _number(score)


def grade_to_score(state: State, assignment: Assignment, posted: str) -> float:
    """submission[posted_grade] read by the grading type (points, "85%", "complete", a scheme name)."""
    text = posted.strip()
    possible = assignment.points_possible or 0
    lowered = text.casefold()
    if assignment.grading_type == "pass_fail" or lowered in ("pass", "complete", "fail", "incomplete"):
        if lowered in ("pass", "complete"):
            return float(possible)
        if lowered in ("fail", "incomplete"):
            return 0.0
    if assignment.grading_type in SCHEME_TYPES:
        scheme = _ordered(state, assignment)
        for index, (name, _value) in enumerate(scheme):
            if name.casefold() == lowered:
                # A letter is worth the top of its range: 100% for the highest, else just under the next one up.
                percent = 100.0 if index == 0 else max(scheme[index - 1][1] * 100 - 1, 0.0)
                return round(possible * percent / 100, 2)
    try:
        if text.endswith("%"):
            return round(float(text[:-1]) * possible / 100, 2)
        return float(text)
    except ValueError:
        raise GradeError(f"Invalid grade {posted!r} for a {assignment.grading_type} assignment") from None


def _ordered(state: State, assignment: Assignment) -> list[tuple[str, float]]:
    return sorted(scheme_for(state, assignment), key=lambda entry: -entry[1])


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(round(value, 2))


def seconds_late(state: State, assignment: Assignment, row: Submission) -> int:
    """Recomputed on every read, as Canvas does: how long after the due date it was handed in."""
    if assignment.due_at is None or row.submitted_at is None or row.submitted_at <= assignment.due_at:
        return 0
    return int((row.submitted_at - assignment.due_at).total_seconds())


# Submission.missing: submission types (as Canvas stores them, comma-joined) that expect nothing digital.
_NOTHING_DIGITAL = ("", "none", "not_graded", "on_paper", "wiki_page", "external_tool")


def missing(state: State, assignment: Assignment, row: Submission) -> bool:
    """Past due, nothing handed in, not graded or excused, and work that is handed in online."""
    expects = ",".join(assignment.submission_types) not in _NOTHING_DIGITAL
    return bool(expects and assignment.due_at is not None and assignment.due_at < state.now()
                and row.submitted_at is None and row.workflow_state == "unsubmitted" and not row.excused)


def _deduction(state: State, assignment: Assignment, row: Submission, score: float) -> float:
    """LatePolicy#points_deducted: a percentage per started interval, never below the minimum;
    0 without a policy, for work on time, and for pass/fail or ungraded work."""
    policy = state.late_policies.get(assignment.course_id)
    late = seconds_late(state, assignment, row)
    if (policy is None or not policy.deduction or not late or assignment.grading_type in ("pass_fail", "not_graded")
            or not assignment.points_possible):
        return 0.0
    percent = policy.deduction * math.ceil(late / _INTERVAL_SECONDS.get(policy.interval, 86400))
    if policy.minimum is not None:
        percent = min(percent, 100 - policy.minimum)
    return round(min(assignment.points_possible * percent / 100, max(score, 0.0)), 2)


def grade(state: State, assignment: Assignment, user_id: int, posted_grade: str, grader_id: int,
          at: datetime | None = None) -> Submission:
    """A grader enters a grade: entered_* is their judgement, score/grade after any late deduction."""
    row = _row(state, assignment, user_id)
    if assignment.grading_type == "not_graded":
        return row  # Canvas keeps no grade for an ungraded assignment
    if posted_grade.strip() == "":
        row.score = row.grade = row.entered_score = row.entered_grade = row.points_deducted = None
        row.workflow_state = "submitted" if row.submitted_at else "unsubmitted"
        row.graded_at, row.grader_id = at or state.now(), grader_id
        return row
    entered = grade_to_score(state, assignment, posted_grade)
    deducted = _deduction(state, assignment, row, entered)
    row.entered_score, row.entered_grade = entered, score_to_grade(state, assignment, entered)
    # Submission#score_late_or_none: points_deducted is set (0 without a policy) only for late work.
    row.points_deducted = deducted if seconds_late(state, assignment, row) else None
    row.score = round(entered - deducted, 2)
    row.grade = score_to_grade(state, assignment, row.score)
    row.excused = False
    _graded(state, assignment, row, grader_id, at)
    return row


def excuse(state: State, assignment: Assignment, user_id: int, grader_id: int, excused: bool = True,
           at: datetime | None = None) -> Submission:
    row = _row(state, assignment, user_id)
    if not excused:
        row.excused = False
        row.workflow_state = "submitted" if row.submitted_at else "unsubmitted"
        return row
    row.excused = True
    row.score = row.grade = row.entered_score = row.entered_grade = row.points_deducted = None
    _graded(state, assignment, row, grader_id, at)
    return row


def _graded(state: State, assignment: Assignment, row: Submission, grader_id: int, at: datetime | None) -> None:
    now = at or state.now()
    row.workflow_state = "graded"
    row.graded_at, row.grader_id = now, grader_id
    row.grade_matches_current_submission = True
    if not assignment.post_manually and row.posted_at is None:
        row.posted_at = now  # automatic posting releases a grade as it is given
    submission_changed(state, assignment, row)


def submit(state: State, assignment: Assignment, user_id: int, submission_type: str, body: str | None = None,
           at: datetime | None = None) -> Submission:
    """A new attempt. A graded row keeps its grade, score, graded_at and posted_at; the grade no
    longer matches the work (`grade_matches_current_submission=false`) until someone grades again."""
    row = _row(state, assignment, user_id)
    row.attempt = (row.attempt or 0) + 1
    row.submitted_at = at or state.now()
    row.submission_type, row.body = submission_type, body
    if row.score is not None or row.grade is not None or row.excused:
        row.grade_matches_current_submission = False
    row.workflow_state = "submitted"
    # Handing work in is the student at work in the course: Canvas moves their enrolment's activity.
    record_activity(state, user_id, assignment.course_id, seconds=HAND_IN_SECONDS, at=row.submitted_at)
    submission_changed(state, assignment, row)
    return row


def post(state: State, assignment: Assignment, at: datetime | None = None, graded_only: bool = False) -> int:
    """Post the assignment's grades (Canvas's UI and GraphQL postAssignmentGrades). "Everyone" (the
    default) posts every row, graded or not, so a grade given later is released as it is given;
    "Graded" posts only rows with a grade or excused. Returns how many rows were posted."""
    now, count = at or state.now(), 0
    for row in _rows(state, assignment):
        graded = row.workflow_state == "graded" or row.excused or row.score is not None
        if row.posted_at is None and (graded or not graded_only):
            row.posted_at, count = now, count + 1
            submission_changed(state, assignment, row)
    return count


def hide(state: State, assignment: Assignment) -> int:
    """Hide the assignment's grades (hideAssignmentGrades): posted_at goes back to null."""
    count = 0
    for row in _rows(state, assignment):
        if row.posted_at is not None:
            row.posted_at, count = None, count + 1
    return count


def _rows(state: State, assignment: Assignment) -> list[Submission]:
    return [row for row in state.submissions.values() if row.assignment_id == assignment.id]


def _row(state: State, assignment: Assignment, user_id: int) -> Submission:
    row = state.submission(assignment, user_id)
    if row is None:
        raise ValueError(f"user {user_id} has no submission row for assignment {assignment.id}: not a student "
                         f"of its course")
    return row


def add_standard(state: State, title: str, context_type: str, context_id: int,
                 entries: list[tuple[str, float]], wanted_id: int | None = None) -> GradingStandard:
    """Entries are (name, lower bound 0..1); Canvas keeps them highest first and needs at least one."""
    if not entries:
        raise ValueError("a grading scheme needs at least one entry")
    names = [name.strip() for name, _ in entries]
    if any(not name for name in names) or len(set(names)) != len(names):
        raise ValueError("grading scheme entry names must be present and unique")
    if any(not 0 <= value <= 1 for _, value in entries):
        raise ValueError("grading scheme values must be between 0 and 100 percent")
    standard = GradingStandard(id=state.new_id(state.grading_standards, wanted_id), title=title,
                               context_type=context_type, context_id=context_id,
                               scheme=sorted(((n.strip(), float(v)) for n, v in entries), key=lambda e: -e[1]),
                               created_at=state.now())
    state.grading_standards[standard.id] = standard
    return standard
