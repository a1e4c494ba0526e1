"""What one assessment grade says about a task (design §3 "Evidence has ranks"; reference §13).

A submission, its assignment and the integration's grade rules → the evidence: Satisfactory, Not Yet
Satisfactory, Submitted (awaiting marking, or a resubmission awaiting marking), Excused (for a
person to decide), or nothing. Only what the assessor decided counts: their `entered_grade`, before
any late deduction; a grade not yet released to the student (no `posted_at`) is a draft and no
evidence unless the integration says otherwise; an unpublished or ungraded assignment is never
evidence. Pure: plain data in, plain data out.
"""

import re
from dataclasses import dataclass, replace
from datetime import datetime

from ..canvas import LETTER_TYPES
from ..clock import naive_utc, parse_utc

# Evidence kinds, strongest first.
SATISFACTORY, NOT_YET, SUBMITTED, EXCUSED, DRAFT, NO_EVIDENCE = (
    "satisfactory", "not_yet_satisfactory", "submitted", "excused", "draft", "none")
WORDS = {SATISFACTORY: "Satisfactory", NOT_YET: "Not Yet Satisfactory", SUBMITTED: "Submitted",
         EXCUSED: "Excused", DRAFT: "Draft grade", NO_EVIDENCE: "No evidence"}
# Which evidence counts toward a result: grades only, modules only, or both.
GRADES_ONLY, MODULES_ONLY, GRADES_AND_MODULES = "grades", "modules", "both"
EVIDENCE_SOURCES = ((GRADES_AND_MODULES, "Grades and module completion"), (GRADES_ONLY, "Grades only"),
                    (MODULES_ONLY, "Module completion only"))
GRADED_TYPES = ("pass_fail", "letter_grade", "gpa_scale", "points", "percent")


@dataclass(frozen=True)
class GradeRules:
    """The integration's rules (wizard page 3). Names are compared case-folded."""
    satisfactory_names: tuple[str, ...] = ("Satisfactory",)
    not_yet_names: tuple[str, ...] = ("Not Yet Satisfactory",)
    pass_percent: float = 50.0      # points and percent: Satisfactory at or above this share of the points
    released_only: bool = True
    source: str = GRADES_AND_MODULES


@dataclass(frozen=True)
class Assessment:
    """A mapped assignment as the decision needs it."""
    canvas_assignment_id: int
    name: str
    grading_type: str
    points_possible: float | None
    published: bool
    scheme: tuple[str, ...] = ()   # letter grades: the scheme's entry names, when checked
    scheme_found: bool = True      # False: a letter-graded assignment whose scheme Canvas did not give


@dataclass(frozen=True)
class GradeSeen:
    """A submission row as staged: Canvas's fields that the decision and the review read."""
    assignment_id: int
    workflow_state: str | None
    entered_grade: str | None
    entered_score: float | None
    excused: bool
    attempt: int | None
    submitted_at: datetime | None
    graded_at: datetime | None
    grader_id: int | None
    posted_at: datetime | None
    grade_matches_current_submission: bool
    grade: str | None = None   # after any late deduction: shown, never judged
    grader_name: str | None = None   # the assessor's name in Canvas, when it could be read


@dataclass(frozen=True)
class Evidence:
    kind: str
    why: str                     # in staff's words, for the chip and the proposal
    grade: GradeSeen | None = None
    assessment: str = ""         # the assignment's name, for the chip and the provenance

    @property
    def counts(self) -> bool:
        """Whether it can set a task status on its own."""
        return self.kind in (SATISFACTORY, NOT_YET, SUBMITTED)


def evidence_of(assessment: Assessment, seen: GradeSeen | None, rules: GradeRules) -> Evidence:
    """What the assessor's grade on this assignment says, by the integration's rules."""
    if not assessment.published:
        return Evidence(NO_EVIDENCE, "The assignment is unpublished in Canvas: never evidence.", seen)
    if assessment.grading_type not in GRADED_TYPES:
        return Evidence(NO_EVIDENCE, "The assignment is not graded in Canvas: never evidence.", seen)
    if not assessment.scheme_found:
        return Evidence(NO_EVIDENCE, "Canvas did not give this assignment's grading scheme: a person decides.", seen)
    if seen is None:
        return Evidence(NO_EVIDENCE, "Nothing handed in or graded.")
    if seen.excused:
        return Evidence(EXCUSED, "Excused in Canvas: never evidence; a person decides.", seen)
    graded = seen.entered_grade is not None and seen.graded_at is not None
    # Canvas keeps the old grade on a resubmission (§13.4): the new attempt awaits marking.
    if graded and not seen.grade_matches_current_submission:
        return Evidence(SUBMITTED, f"Resubmitted (attempt {seen.attempt or '?'}): awaiting marking.", seen)
    if not graded:
        if seen.submitted_at is not None and seen.workflow_state in ("submitted", "pending_review"):
            return Evidence(SUBMITTED, "Submitted: awaiting marking.", seen)
        return Evidence(NO_EVIDENCE, "Nothing handed in or graded.", seen)
    if seen.posted_at is None and rules.released_only:
        return Evidence(DRAFT, f"Graded {seen.entered_grade} but not released to the student: a draft is no "
                               "evidence.", seen)
    verdict = judge(assessment, seen, rules)
    if verdict is None:
        return Evidence(NO_EVIDENCE, f"The grade {seen.entered_grade} is neither Satisfactory nor Not Yet "
                                     "Satisfactory by the integration's rules: a person decides.", seen)
    return Evidence(verdict, f"Graded {seen.entered_grade}.", seen)


_PERCENT = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*%\s*$")


def judge(assessment: Assessment, seen: GradeSeen, rules: GradeRules) -> str | None:
    """SATISFACTORY or NOT_YET by the assessor's entered grade, or None when the rules do not say."""
    entered = (seen.entered_grade or "").strip()
    kind = assessment.grading_type
    if kind == "pass_fail":
        return {"complete": SATISFACTORY, "pass": SATISFACTORY,
                "incomplete": NOT_YET, "fail": NOT_YET}.get(entered.casefold())
    if kind in LETTER_TYPES:
        name = entered.casefold()
        if assessment.scheme and name not in (entry.casefold() for entry in assessment.scheme):
            return None  # a name the assignment's scheme no longer has
        if name in (n.casefold() for n in rules.satisfactory_names):
            return SATISFACTORY
        if name in (n.casefold() for n in rules.not_yet_names):
            return NOT_YET
        return None
    percent = _percent_of(assessment, seen)
    if percent is None:
        return None
    return SATISFACTORY if percent >= rules.pass_percent else NOT_YET


def _percent_of(assessment: Assessment, seen: GradeSeen) -> float | None:
    if seen.entered_score is not None and assessment.points_possible:
        return seen.entered_score / assessment.points_possible * 100
    found = _PERCENT.match(seen.entered_grade or "")
    return float(found.group(1)) if found and assessment.grading_type == "percent" else None


# Every mapped assessment of a task is Satisfactory, but not every one: the task is under way.
PARTLY = "partly"


@dataclass(frozen=True)
class TaskGrades:
    """The grades behind one task, taken together: Satisfactory only when every assessment mapped to it
    is; awaiting marking when any is; Not Yet Satisfactory when any is."""
    kind: str                        # SATISFACTORY | NOT_YET | SUBMITTED | PARTLY | NO_EVIDENCE
    graded_at: datetime | None       # the latest grading, when SATISFACTORY
    evidence: tuple[Evidence, ...]   # each assessment's, for the review's chips and the provenance

    @property
    def decides(self) -> bool:
        return self.kind in (SATISFACTORY, NOT_YET, SUBMITTED)

    @property
    def under_way(self) -> bool:
        """Some work was handed in or graded, if only as a draft or excused: the task is shown as under
        way, for a person to see, but no grade of that kind completes anything."""
        return self.kind != NO_EVIDENCE or any(
            e.grade is not None and (e.grade.submitted_at or e.grade.graded_at) for e in self.evidence)


def task_grades(evidence: list[Evidence]) -> TaskGrades:
    kinds = {e.kind for e in evidence}
    if SUBMITTED in kinds:
        kind = SUBMITTED
    elif NOT_YET in kinds:
        kind = NOT_YET
    elif kinds == {SATISFACTORY}:
        kind = SATISFACTORY
    else:
        kind = PARTLY if SATISFACTORY in kinds else NO_EVIDENCE
    graded = [e.grade.graded_at for e in evidence if e.grade is not None and e.grade.graded_at is not None]
    return TaskGrades(kind, max(graded) if kind == SATISFACTORY and graded else None, tuple(evidence))


def rules_from(integration) -> GradeRules:
    """The integration's grade rules (its page 3 fields) as the decision takes them."""
    return GradeRules(tuple(integration.grade_satisfactory_names.splitlines()),
                      tuple(integration.grade_not_yet_names.splitlines()), float(integration.grade_pass_percent),
                      integration.grade_released_only, integration.evidence_source)


def staged_evidence(staged: dict | None, rules: GradeRules) -> dict[int, Evidence]:
    """Canvas assignment id → what its grade says, from one student's staged rows (grade_download.py)."""
    found = {}
    for row in (staged or {}).get("rows", ()):
        assessment = Assessment(row["assignment_id"], row["name"], row["grading_type"], row["points_possible"],
                                row["published"], tuple(row["scheme"]), not row["scheme_missing"])
        seen = GradeSeen(row["assignment_id"], row["workflow_state"], row["entered_grade"], row["entered_score"],
                         bool(row["excused"]), row["attempt"], parse_utc(row["submitted_at"]), parse_utc(row["graded_at"]),
                         row["grader_id"], parse_utc(row["posted_at"]), row["grade_matches_current_submission"] is not False,
                         row["grade"], row.get("grader_name"))
        found[row["assignment_id"]] = replace(evidence_of(assessment, seen, rules), assessment=assessment.name)
    return found


def staged_grades(staged: dict | None, rules: GradeRules) -> dict[int, TaskGrades]:
    """Task id → its grades taken together, from one student's staged rows."""
    tasks = {row["assignment_id"]: row["task_id"] for row in (staged or {}).get("rows", ())}
    by_task: dict[int, list[Evidence]] = {}
    for assignment_id, evidence in staged_evidence(staged, rules).items():
        by_task.setdefault(tasks[assignment_id], []).append(evidence)
    return {task_id: task_grades(evidence) for task_id, evidence in by_task.items()}


def grade_provenance(proposal) -> dict:
    """What an auditor asks of a result saved from grades: the assignments, and of the latest grade
    behind it the grade, attempt, assessor, graded and released times (ResultProvenance columns)."""
    if proposal.decided_by != "grade":
        return {}
    graded = [e for e in proposal.grades if e.counts and e.grade is not None]
    if not graded:
        return {}
    deciding = max(graded, key=lambda e: (e.grade.graded_at is not None, e.grade.graded_at or datetime.min))
    latest, saved = deciding.grade, {"canvas_assignment": ", ".join(dict.fromkeys(e.assessment for e in graded))[:255],
                                     "canvas_attempt": deciding.grade.attempt}
    if deciding.kind == SUBMITTED:
        # Handed in and awaiting marking: a grade Canvas keeps from an earlier attempt (§13.4), released
        # or a draft, is not what the status rests on, so it is not recorded as if it were.
        return saved | {"canvas_grade": None, "canvas_grader_id": None, "canvas_grader_name": None,
                        "canvas_graded_at": None, "canvas_posted_at": None}
    return saved | {"canvas_grade": (latest.entered_grade or "")[:80] or None, "canvas_grader_id": latest.grader_id,
                    "canvas_grader_name": latest.grader_name, "canvas_graded_at": naive_utc(latest.graded_at),
                    "canvas_posted_at": naive_utc(latest.posted_at)}
