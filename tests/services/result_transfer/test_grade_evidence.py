"""What one grade says: only the assessor's released judgement counts (design §3, reference §13)."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.services.result_transfer.grades import (
    DRAFT, EXCUSED, NO_EVIDENCE, NOT_YET, SATISFACTORY, SUBMITTED, Assessment, GradeRules, GradeSeen, evidence_of,
)

WHEN = datetime(2026, 11, 3, 4, tzinfo=UTC)
LETTER = Assessment(31, "Assessment 1", "letter_grade", 100.0, True)
RULES = GradeRules()


@pytest.fixture(autouse=True)
def _clean_database():
    """Pure decisions: no database to reset."""


def seen(**changes) -> GradeSeen:
    fields = dict(assignment_id=31, workflow_state="graded", entered_grade="Satisfactory", entered_score=80.0,
                  excused=False, attempt=1, submitted_at=WHEN, graded_at=WHEN, grader_id=12, posted_at=WHEN,
                  grade_matches_current_submission=True, grade="Satisfactory")
    return GradeSeen(**{**fields, **changes})


def test_a_released_satisfactory_grade_is_satisfactory():
    assert evidence_of(LETTER, seen(), RULES).kind == SATISFACTORY


def test_the_assessors_entered_grade_counts_not_the_late_deducted_one():
    late = seen(entered_grade="Satisfactory", grade="Not Yet Satisfactory")
    assert evidence_of(LETTER, late, RULES).kind == SATISFACTORY


def test_an_unreleased_grade_is_a_draft_unless_the_integration_counts_drafts():
    draft = seen(posted_at=None)
    assert evidence_of(LETTER, draft, RULES).kind == DRAFT
    assert evidence_of(LETTER, draft, GradeRules(released_only=False)).kind == SATISFACTORY


def test_excused_work_is_for_a_person():
    assert evidence_of(LETTER, seen(excused=True, entered_grade=None, entered_score=None), RULES).kind == EXCUSED


def test_a_resubmission_awaiting_marking_is_submitted_not_the_old_grade():
    evidence = evidence_of(LETTER, seen(attempt=2, workflow_state="submitted",
                                        grade_matches_current_submission=False), RULES)
    assert evidence.kind == SUBMITTED and "attempt 2" in evidence.why


def test_a_placeholder_row_is_no_submission():
    placeholder = seen(workflow_state="unsubmitted", entered_grade=None, entered_score=None, attempt=None,
                       submitted_at=None, graded_at=None, grader_id=None, posted_at=None)
    assert evidence_of(LETTER, placeholder, RULES).kind == NO_EVIDENCE
    handed_in = seen(workflow_state="submitted", entered_grade=None, entered_score=None, graded_at=None,
                     grader_id=None, posted_at=None)
    assert evidence_of(LETTER, handed_in, RULES).kind == SUBMITTED


def test_unpublished_or_ungraded_assignments_are_never_evidence():
    assert evidence_of(Assessment(31, "A1", "letter_grade", 100.0, False), seen(), RULES).kind == NO_EVIDENCE
    assert evidence_of(Assessment(31, "A1", "not_graded", None, True), seen(), RULES).kind == NO_EVIDENCE


@pytest.mark.parametrize("grading_type, entered_grade, entered_score, kind", [
    ("pass_fail", "complete", 10.0, SATISFACTORY), ("pass_fail", "incomplete", 0.0, NOT_YET),
    ("letter_grade", "Not Yet Satisfactory", 20.0, NOT_YET), ("letter_grade", "B", 85.0, NO_EVIDENCE),
    ("points", "50", 50.0, SATISFACTORY), ("points", "49.5", 49.5, NOT_YET),
    ("percent", "70%", 70.0, SATISFACTORY), ("percent", "30%", 30.0, NOT_YET),
])
def test_each_grading_type_is_read_by_its_rule(grading_type, entered_grade, entered_score, kind):
    assessment = Assessment(31, "A1", grading_type, 100.0, True)
    assert evidence_of(assessment, seen(entered_grade=entered_grade, entered_score=entered_score),
                       RULES).kind == kind


def test_scheme_names_are_the_integrations_choice():
    rules = GradeRules(satisfactory_names=("C", "Competent"), not_yet_names=("NYC",))
    assert evidence_of(LETTER, seen(entered_grade="competent"), rules).kind == SATISFACTORY
    assert evidence_of(LETTER, seen(entered_grade="NYC"), rules).kind == NOT_YET
    assert evidence_of(LETTER, seen(entered_grade="Satisfactory"), rules).kind == NO_EVIDENCE


@given(posted=st.none() | st.just(WHEN), matches=st.booleans(), excused=st.booleans(),
       grade=st.sampled_from(["Satisfactory", "Not Yet Satisfactory", "complete", "90", None]),
       kind=st.sampled_from(["letter_grade", "pass_fail", "points", "not_graded"]), published=st.booleans())
def test_nothing_unreleased_excused_or_resubmitted_is_ever_satisfactory(posted, matches, excused, grade, kind,
                                                                       published):
    row = seen(posted_at=posted, grade_matches_current_submission=matches, excused=excused, entered_grade=grade,
               entered_score=90.0 if grade else None, graded_at=WHEN if grade else None)
    evidence = evidence_of(Assessment(31, "A1", kind, 100.0, published), row, RULES)
    if evidence.kind in (SATISFACTORY, NOT_YET):
        assert posted is not None and matches and not excused and published and kind != "not_graded"
