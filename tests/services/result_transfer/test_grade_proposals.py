"""Proposals from assessment grades beside module states (issue 24 §3): a task with an assessment is
decided by its grade; a unit is completed when every task that completes it is Satisfactory; Not Yet
Satisfactory never proposes Not yet competent; nothing automatic replaces a staff decision."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.services.result_transfer.grades import (
    GRADES_AND_MODULES, GRADES_ONLY, MODULES_ONLY, Assessment, GradeRules, GradeSeen, evidence_of, task_grades,
)
from webapp.services.result_transfer.proposals import propose
from webapp.services.result_transfer.start_rules import START_FROM_ENROLMENT, StartRule
from webapp.services.result_transfer.values import (
    CHANGE, COMPLETED, DECIDED_BY_GRADE, DECIDED_BY_MODULES, KEPT, CurrentResult, CurrentTask, Defaults,
    ModuleMapping, ModuleState, Origin, Outcome, PlanUnit, Student,
)


@pytest.fixture(autouse=True)
def _clean_database():
    """Pure function: no database to reset."""


COMPETENT = Outcome(20, "Competent", final=True)
NOT_YET_COMPETENT = Outcome(30, "Not yet competent", final=True)
CONTINUING = Outcome(70, "Continuing enrolment")
IN_PROGRESS = Outcome(2, "In progress", rank=1)
SUBMITTED_STATUS = Outcome(3, "Submitted", rank=2)
COMPLETED_STATUS = Outcome(4, "Completed", final=True, rank=3)
DEFAULTS = Defaults(unit_on_start=CONTINUING, unit_on_complete=COMPETENT, started_end_months=12,
                    task_on_start=IN_PROGRESS, task_on_complete=COMPLETED_STATUS, time_zone="Australia/Sydney",
                    task_on_satisfactory=COMPLETED_STATUS, task_on_not_yet=IN_PROGRESS,
                    task_on_submitted=SUBMITTED_STATUS)
TODAY = date(2026, 11, 20)
RULE = StartRule(START_FROM_ENROLMENT)
UNIT, TASK_A, TASK_B, MODULE_A = 411, 1, 2, 905
GRADED = datetime(2026, 11, 3, 4, tzinfo=UTC)  # 03/11/2026 15:00 in Sydney
MATRIX = {TASK_A: (frozenset({UNIT}), frozenset({UNIT})), TASK_B: (frozenset({UNIT}), frozenset({UNIT}))}
LETTER = Assessment(31, "Assessment 1", "letter_grade", 100.0, True)


def student(unit_current=None, task_current=None, task_origin=None) -> Student:
    return Student(date(2026, 10, 5), (PlanUnit(UNIT, "BSBWHS411 WHS policies", None, unit_current),),
                   (CurrentTask(TASK_A, "Assessment 1", task_current, None, task_origin),
                    CurrentTask(TASK_B, "Assessment 2", None, None)))


def grade(entered="Satisfactory", **changes) -> GradeSeen:
    fields = dict(assignment_id=31, workflow_state="graded", entered_grade=entered, entered_score=None, excused=False,
                  attempt=1, submitted_at=GRADED, graded_at=GRADED, grader_id=12, posted_at=GRADED,
                  grade_matches_current_submission=True)
    return GradeSeen(**{**fields, **changes})


def graded(*rows: GradeSeen | None):
    return task_grades([evidence_of(LETTER, row, GradeRules()) for row in rows])


def rows(grades, states=(), mappings=(), defaults=DEFAULTS, who=None):
    return {p.key: p for p in propose(list(states), list(mappings), MATRIX, defaults, who or student(), RULE, TODAY,
                                      grades)}


def test_a_unit_is_competent_when_every_completing_task_is_satisfactory():
    proposals = rows({TASK_A: graded(grade()), TASK_B: graded(grade())})
    unit, task = proposals[f"u{UNIT}"], proposals[f"t{TASK_A}"]
    assert (unit.proposed, unit.end, unit.status, unit.decided_by) == (COMPETENT, date(2026, 11, 3), CHANGE,
                                                                       DECIDED_BY_GRADE)
    assert (task.proposed, task.end) == (COMPLETED_STATUS, date(2026, 11, 3))
    assert [e.grade.grader_id for e in task.grades] == [12]


def test_not_yet_satisfactory_leaves_the_unit_in_progress_never_not_yet_competent():
    proposals = rows({TASK_A: graded(grade()), TASK_B: graded(grade("Not Yet Satisfactory"))})
    assert proposals[f"u{UNIT}"].proposed == CONTINUING
    assert proposals[f"t{TASK_B}"].proposed == IN_PROGRESS


def test_a_resubmission_awaiting_marking_gives_submitted_not_the_old_grade():
    resubmitted = grade(attempt=2, workflow_state="submitted", grade_matches_current_submission=False)
    proposals = rows({TASK_A: graded(resubmitted), TASK_B: graded(grade())})
    assert proposals[f"t{TASK_A}"].proposed == SUBMITTED_STATUS
    assert proposals[f"u{UNIT}"].proposed == CONTINUING


def test_a_completed_module_is_only_handed_in_when_the_task_has_an_assessment():
    module = ModuleState(MODULE_A, "Assessment 1", COMPLETED, GRADED, None)
    mapping = ModuleMapping(MODULE_A, None, TASK_A)
    with_draft = rows({TASK_A: graded(grade(posted_at=None))}, [module], [mapping])
    assert with_draft[f"t{TASK_A}"].proposed == IN_PROGRESS  # started, never Completed from a draft grade
    without_assessment = rows({}, [module], [mapping])
    assert (without_assessment[f"t{TASK_A}"].proposed, without_assessment[f"t{TASK_A}"].decided_by) == (
        COMPLETED_STATUS, DECIDED_BY_MODULES)


def test_the_evidence_source_chooses_grades_modules_or_both():
    module = ModuleState(MODULE_A, "Assessment 1", COMPLETED, GRADED, None)
    mapping = ModuleMapping(MODULE_A, None, TASK_B)
    grades = {TASK_A: graded(grade())}
    only_grades = rows(grades, [module], [mapping], replace(DEFAULTS, evidence_source=GRADES_ONLY))
    assert f"t{TASK_B}" not in only_grades and only_grades[f"t{TASK_A}"].proposed == COMPLETED_STATUS
    only_modules = rows(grades, [module], [mapping], replace(DEFAULTS, evidence_source=MODULES_ONLY))
    assert f"t{TASK_A}" not in only_modules and only_modules[f"t{TASK_B}"].proposed == COMPLETED_STATUS
    both = rows(grades, [module], [mapping], replace(DEFAULTS, evidence_source=GRADES_AND_MODULES))
    assert both[f"u{UNIT}"].proposed == COMPETENT


def test_excused_work_leaves_the_task_for_a_person():
    proposals = rows({TASK_A: graded(grade(excused=True, entered_grade=None)), TASK_B: graded(grade())})
    assert proposals[f"t{TASK_A}"].proposed == IN_PROGRESS and proposals[f"u{UNIT}"].proposed == CONTINUING
    assert [e.kind for e in proposals[f"t{TASK_A}"].grades] == ["excused"]


# Nothing automatic replaces a staff decision, nor saves a result from an unreleased grade -----------

_OUTCOMES = st.sampled_from([None, COMPETENT, NOT_YET_COMPETENT, CONTINUING])
_GRADES = st.builds(grade, entered=st.sampled_from(["Satisfactory", "Not Yet Satisfactory"]),
                    posted_at=st.none() | st.just(GRADED), excused=st.booleans(),
                    grade_matches_current_submission=st.booleans())


@given(task_a=st.lists(_GRADES, min_size=1, max_size=2), task_b=st.lists(_GRADES, min_size=1, max_size=2),
       unit_outcome=_OUTCOMES, by_person=st.booleans(),
       task_status=st.sampled_from([None, IN_PROGRESS, SUBMITTED_STATUS, COMPLETED_STATUS]),
       source=st.sampled_from([GRADES_ONLY, GRADES_AND_MODULES]))
def test_no_automatic_path_saves_from_an_unreleased_grade_or_replaces_a_staff_decision(
        task_a, task_b, unit_outcome, by_person, task_status, source):
    origin = Origin(person=True, name="Dana") if by_person else None
    unit_current = CurrentResult(unit_outcome, date(2026, 10, 5), None, origin) if unit_outcome else None
    who = student(unit_current, task_status, origin if task_status else None)
    proposals = rows({TASK_A: graded(*task_a), TASK_B: graded(*task_b)},
                     defaults=replace(DEFAULTS, evidence_source=source), who=who)
    released = [g for g in task_a + task_b if g.posted_at and not g.excused and g.grade_matches_current_submission]
    for proposal in proposals.values():
        if proposal.status != CHANGE:
            continue  # only CHANGE rows are saved without a person
        assert proposal.proposed != NOT_YET_COMPETENT
        if proposal.kind == "unit":
            assert not (unit_current and (by_person or unit_outcome.final))
            if proposal.proposed == COMPETENT:
                assert len(released) == len(task_a) + len(task_b)
        else:
            own = task_a if proposal.target_id == TASK_A else task_b
            if proposal.target_id == TASK_A:  # the task with a status recorded
                assert not (task_status and (by_person or task_status.final))
            if proposal.proposed == COMPLETED_STATUS:
                assert all(g in released for g in own)
    if by_person and unit_current:
        assert proposals.get(f"u{UNIT}") is None or proposals[f"u{UNIT}"].status in (KEPT, "up_to_date")


def test_an_assessed_unit_is_completed_by_its_grades_even_with_its_own_module_under_way():
    module = ModuleState(MODULE_A, "BSBWHS411 Implement WHS policies", "started", None, None)
    proposals = rows({TASK_A: graded(grade()), TASK_B: graded(grade())}, [module], [ModuleMapping(MODULE_A, UNIT, None)])
    assert proposals[f"u{UNIT}"].proposed == COMPETENT
