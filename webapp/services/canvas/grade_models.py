"""What the client returns for assessment grades (§13): assignments, grading schemes and students'
submissions, under Canvas's field names, parsed as every other Canvas object (models.py)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .models import CanvasObject, optional_field, parse_timestamp


@dataclass(frozen=True)
class Assignment(CanvasObject):
    """A course assignment (§13.6): teachers see unpublished ones too."""
    id: int
    name: str
    published: bool = True
    grading_type: str = "points"   # points | percent | pass_fail | letter_grade | gpa_scale | not_graded
    points_possible: float | None = None
    grading_standard_id: int | None = None
    submission_types: tuple[str, ...] = optional_field(tuple)
    post_manually: bool | None = None
    due_at: datetime | None = optional_field(parse_timestamp)


@dataclass(frozen=True)
class SchemeEntry(CanvasObject):
    name: str
    value: float   # the lowest fraction of the points (0.5 = 50%) that earns this name


def _scheme(entries: list[Any]) -> tuple[SchemeEntry, ...]:
    return tuple(SchemeEntry.from_json(entry) for entry in entries)


@dataclass(frozen=True)
class GradingStandard(CanvasObject):
    """A grading scheme owned by a course or an account (§13.5, §13.6)."""
    id: int
    title: str
    grading_scheme: tuple[SchemeEntry, ...] = field(metadata={"parse": _scheme})
    context_type: str | None = None
    context_id: int | None = None


@dataclass(frozen=True)
class Submission(CanvasObject):
    """One student's row for one assignment (§13.2). Every assigned student has one from the start
    (`unsubmitted`): a row is not a submission. `entered_grade` is the assessor's judgement before
    any late deduction; `posted_at` set means the grade is released to the student."""
    assignment_id: int
    user_id: int
    id: int | None = None
    workflow_state: str | None = None   # unsubmitted | submitted | graded | pending_review
    grade: str | None = None
    score: float | None = None
    entered_grade: str | None = None
    entered_score: float | None = None
    excused: bool | None = None
    attempt: int | None = None
    submitted_at: datetime | None = optional_field(parse_timestamp)
    graded_at: datetime | None = optional_field(parse_timestamp)
    grader_id: int | None = None
    posted_at: datetime | None = optional_field(parse_timestamp)
    grade_matches_current_submission: bool | None = None
    late: bool | None = None
    missing: bool | None = None


def _submissions(items: list[Any]) -> tuple[Submission, ...]:
    return tuple(Submission.from_json(item) for item in items)


@dataclass(frozen=True)
class StudentSubmissions(CanvasObject):
    """One student of a grouped students/submissions page (§13.1); `[]` when they have none."""
    user_id: int
    submissions: tuple[Submission, ...] = field(metadata={"parse": _submissions})
    section_id: int | None = None
    sis_user_id: str | None = None
