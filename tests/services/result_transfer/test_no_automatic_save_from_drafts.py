"""Issue 24: through the saving path that automatic runs use (the bulk Process all, `flask canvas
pull-results --all --process` and the nightly job, all ending in save.process), no result or task status
is saved from a grade that is not released, excused, or superseded by a resubmission awaiting marking,
and no staff decision or final outcome is replaced — whatever the grades, module states, plans and
evidence switch. Grades are staged as a finished download stages them (grade_download.py)."""

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import LmsIntegration, ModuleStateDownload, ResultProvenance, ResultType
from webapp.services.result_transfer import bulk
from webapp.services.result_transfer.grades import EVIDENCE_SOURCES, MODULES_ONLY, GRADES_ONLY
from webapp.services.result_transfer.start_rules import START_RULES, start_rule
from webapp.services.result_transfer.unattended import save_unattended

from .test_no_automatic_overwrite import (  # noqa: F401  (fixtures)
    MODULES, UNITS, _decided, _now, _results, _start_from, _states, _statuses, occurrence, staff,
)

ASSIGNMENTS = (3001, 3002)  # → the occurrence's two tasks, in order
SATISFACTORY, NOT_YET = "Satisfactory", "Not Yet Satisfactory"
# Grades are given before today (the tests' clock), so a completion from one has a date that can be saved.
_graded_at = st.datetimes(datetime(2026, 9, 1), datetime(2026, 12, 1), timezones=st.just(timezone.utc))
# One student's submission for one assignment: a placeholder or hand-in (no grade), or a grade that is
# released or a draft, possibly excused, possibly followed by a resubmission awaiting marking.
_grades = st.none() | st.fixed_dictionaries({
    "grade": st.sampled_from([SATISFACTORY, SATISFACTORY, NOT_YET, None]), "posted": st.sampled_from([True, True, False]),
    "excused": st.sampled_from([False, False, False, True]), "resubmitted": st.booleans(), "graded_at": _graded_at})
_scenarios = st.fixed_dictionaries({
    "plans": st.lists(st.tuples(*[_results] * len(UNITS)), min_size=2, max_size=2),
    "tasks": st.lists(st.tuples(_statuses, _statuses), min_size=2, max_size=2),
    "states": st.lists(st.tuples(*[_states] * len(MODULES)), min_size=2, max_size=2),
    "grades": st.lists(st.tuples(*[_grades] * len(ASSIGNMENTS)), min_size=2, max_size=2),
    "source": st.sampled_from([source for source, _ in EVIDENCE_SOURCES]),
    "rule": st.sampled_from(list(START_RULES)), "on": st.none(),
    "path": st.sampled_from(("bulk", "command line", "nightly")),
})


def _row(assignment_id: int, task_id: int, drawn: dict | None) -> dict | None:
    """The staged row for a drawn submission, with Canvas's fields as students/submissions gives them."""
    if drawn is None:
        return None
    graded_at = drawn["graded_at"]
    graded = drawn["grade"] is not None or drawn["excused"]
    resubmitted = graded and drawn["resubmitted"]
    row = {"id": assignment_id, "assignment_id": assignment_id, "task_id": task_id, "name": f"Assignment {assignment_id}",
           "published": True, "grading_type": "letter_grade", "points_possible": 100, "grading_standard_id": 1,
           "scheme": [SATISFACTORY, NOT_YET], "scheme_missing": False,
           "workflow_state": "submitted" if resubmitted or not graded else "graded",
           "entered_grade": None if drawn["excused"] else drawn["grade"], "grade": None if drawn["excused"] else drawn["grade"],
           "entered_score": None, "excused": drawn["excused"], "attempt": 2 if resubmitted else 1,
           "grader_id": 7 if graded else None, "grader_name": "Assessor" if graded else None,
           "grade_matches_current_submission": not resubmitted,
           "submitted_at": (graded_at - timedelta(days=1)).isoformat(),
           "graded_at": graded_at.isoformat() if graded else None,
           "posted_at": graded_at.isoformat() if graded and drawn["posted"] else None}
    if resubmitted:
        row["submitted_at"] = (graded_at + timedelta(days=1)).isoformat()
    return row


def _released_satisfactory(row: dict | None) -> bool:
    """What alone may complete a task from its grade: released, current, not excused, Satisfactory."""
    return bool(row and row["posted_at"] and row["grade_matches_current_submission"] and not row["excused"]
                and row["entered_grade"] == SATISFACTORY)


def _stage_grades(scenario, occurrence, run) -> dict:  # noqa: F811
    """Stage each student's drawn grades beside their module states; (enrolment id, task id) → row."""
    integration = db.session.scalar(select(LmsIntegration))
    integration.evidence_source, integration.grade_released_only = scenario["source"], True
    tasks = [task.id for task in occurrence.tasks]
    staged = {}
    for enrolment, drawn in zip(occurrence.enrolments, scenario["grades"]):
        rows = [_row(a, t, d) for a, t, d in zip(ASSIGNMENTS, tasks, drawn)]
        download = db.session.scalar(select(ModuleStateDownload).where(ModuleStateDownload.run_id == run.id,
                                                                       ModuleStateDownload.enrolment_id == enrolment.id))
        download.grades = {"rows": [r for r in rows if r], "error": None}
        staged |= {(enrolment.id, task_id): row for task_id, row in zip(tasks, rows)}
    db.session.commit()
    return staged


def _completing(occurrence) -> dict:  # noqa: F811
    """Unit id → the tasks that complete it (the task matrix)."""
    found: dict[int, set[int]] = {}
    for task in occurrence.tasks:
        for cell in task.matrix:
            if cell.completes:
                found.setdefault(cell.unit_id, set()).add(task.id)
    return found


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=_scenarios)
def test_no_automatic_path_saves_from_an_unreleased_grade_or_replaces_a_staff_decision(staff, occurrence, scenario):  # noqa: F811
    run = _start_from(scenario, occurrence, staff)
    staged = _stage_grades(scenario, occurrence, run)
    decided = _decided(occurrence)
    before = {(e.id, et.task_id): et.task_status is not None and et.task_status.is_complete
              for e in occurrence.enrolments for et in e.enrolment_tasks}
    units_before = {pu.id: pu.result_type_id for e in occurrence.enrolments for pu in e.plan_units}
    newest = db.session.scalar(select(ResultProvenance.id).order_by(ResultProvenance.id.desc()).limit(1)) or 0

    if scenario["path"] == "bulk":
        processing, _ = bulk.start_processing(run, start_rule(scenario["rule"]), staff.id, {})
        db.session.commit()
        bulk.run_processing(processing)
    else:
        save_unattended(run, None, nightly=scenario["path"] == "nightly",
                        start_rule_kind=scenario["rule"] if scenario["rule"] != "date" else None)

    assert _now(occurrence, decided) == decided     # no staff decision or final outcome replaced
    saved = db.session.scalars(select(ResultProvenance).where(ResultProvenance.id > newest)).all()
    assert all(p.canvas_posted_at is not None for p in saved if p.canvas_grade is not None)
    grades_count = scenario["source"] != MODULES_ONLY
    for enrolment in occurrence.enrolments:
        for et in enrolment.enrolment_tasks:
            row = staged[(enrolment.id, et.task_id)]
            newly_complete = et.task_status is not None and et.task_status.is_complete and not before[
                (enrolment.id, et.task_id)]
            if grades_count and row is not None and newly_complete:
                assert _released_satisfactory(row), (row, et.task_status.name)
    if scenario["source"] == GRADES_ONLY:  # units then rest on tasks alone
        competent = db.session.scalar(select(ResultType.id).where(ResultType.name == "Competent"))
        completing = _completing(occurrence)
        for enrolment in occurrence.enrolments:
            for pu in enrolment.plan_units:
                if pu.result_type_id == competent and units_before[pu.id] != competent:
                    assert all(_released_satisfactory(staged[(enrolment.id, t)]) for t in completing[pu.unit_id])


def test_a_released_satisfactory_grade_is_saved_by_the_night(staff, occurrence):  # noqa: F811
    """The property above is not empty: the same path does save from a released grade."""
    at = datetime(2026, 11, 12, 3, tzinfo=timezone.utc)
    released = {"grade": SATISFACTORY, "posted": True, "excused": False, "resubmitted": False, "graded_at": at}
    scenario = {"plans": [(None,) * len(UNITS)] * 2, "tasks": [(None, None)] * 2,
                "states": [(("locked", None, None, True),) * len(MODULES)] * 2,
                "grades": [(released, None), (dict(released, posted=False), None)], "source": GRADES_ONLY,
                "rule": "enrolment", "on": None, "path": "nightly"}
    run = _start_from(scenario, occurrence, staff)
    _stage_grades(scenario, occurrence, run)

    save_unattended(run, None, nightly=True)

    db.session.expire_all()
    first, second = (e.enrolment_tasks[0] for e in occurrence.enrolments)
    assert first.task_status.name == "Completed" and (second.task_status is None or not second.task_status.is_complete)
    saved = db.session.scalar(select(ResultProvenance).where(ResultProvenance.enrolment_task_id == first.id))
    assert (saved.canvas_grade, saved.canvas_posted_at) == (SATISFACTORY, at.replace(tzinfo=None))
