"""Proposed unit results and task statuses from one student's Canvas module states (flow 5):
a pure function, tested on its own."""

import calendar
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.services.result_transfer.values import (
    CHANGE, COMPLETED, INVALID, KEPT, LOCKED, STARTED, UNLOCKED, UP_TO_DATE, CurrentResult, CurrentTask, Defaults,
    ModuleMapping, ModuleState, Origin, Outcome, PlanUnit, Student,
)
from webapp.services.result_transfer.start_rules import (
    START_FROM_ENROLMENT, START_FROM_PLAN, START_FROM_UNLOCK, START_ON_DATE, START_RULES, START_TODAY, StartRule,
    start_rule,
)
from webapp.services.result_transfer.kept import check_dates, kept_unit_reason
from webapp.services.result_transfer.proposals import propose


@pytest.fixture(autouse=True)
def _clean_database():
    """Pure function: no database to reset."""


# Result types and task statuses as the reference data defines them.
COMPETENT = Outcome(20, "Competent", final=True)
NOT_YET_COMPETENT = Outcome(30, "Not yet competent", final=True)
RPL = Outcome(51, "Recognition of prior learning granted", final=True)
CONTINUING = Outcome(70, "Continuing enrolment")
NOT_YET_STARTED = Outcome(85, "Not yet started")

NOT_STARTED = Outcome(1, "Not started", rank=0)
IN_PROGRESS = Outcome(2, "In progress", rank=1)
SUBMITTED = Outcome(3, "Submitted", rank=2)
TASK_COMPLETED = Outcome(4, "Completed", final=True, rank=3)

SYDNEY, PERTH = "Australia/Sydney", "Australia/Perth"
DEFAULTS = Defaults(unit_on_start=CONTINUING, unit_on_complete=COMPETENT, started_end_months=12,
                    task_on_start=IN_PROGRESS, task_on_complete=TASK_COMPLETED, time_zone=SYDNEY)

ENROLMENT_START = date(2026, 10, 5)
TODAY = date(2026, 11, 20)
BY_ENROLMENT = StartRule(START_FROM_ENROLMENT)

# Unit and task ids, and Canvas module ids named after what they usually map to.
WHS411, WHS412, WHS413 = 411, 412, 413
ASSESSMENT_1, ASSESSMENT_2 = 1, 2
M411, M411_WORKBOOK, M412, M413, M_ASSESSMENT_1, M_ASSESSMENT_1_PART_B, M_ASSESSMENT_2 = (
    901, 902, 903, 904, 905, 906, 907)
NAMES = {
    M411: "BSBWHS411 Implement and monitor WHS policies",
    M411_WORKBOOK: "BSBWHS411 Workbook",
    M412: "BSBWHS412 Assist with workplace compliance",
    M413: "BSBWHS413 Consultation and participation",
    M_ASSESSMENT_1: "Assessment 1 - WHS policies and compliance",
    M_ASSESSMENT_1_PART_B: "Assessment 1 - Part B",
    M_ASSESSMENT_2: "Assessment 2 - Consultation",
}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def started(module_id: int, unlock_at: datetime | None = None) -> ModuleState:
    return ModuleState(module_id, NAMES.get(module_id, f"Module {module_id}"), STARTED, None, unlock_at)


def completed(module_id: int, at: datetime | None = utc(2026, 11, 3, 1),
              unlock_at: datetime | None = None) -> ModuleState:
    return ModuleState(module_id, NAMES.get(module_id, f"Module {module_id}"), COMPLETED, at, unlock_at)


def in_state(module_id: int, state: str, unlock_at: datetime | None = None) -> ModuleState:
    return ModuleState(module_id, NAMES.get(module_id, f"Module {module_id}"), state, None, unlock_at)


def to_unit(module_id: int, unit_id: int) -> ModuleMapping:
    return ModuleMapping(module_id, unit_id, None)


def to_task(module_id: int, task_id: int) -> ModuleMapping:
    return ModuleMapping(module_id, None, task_id)


def unit(unit_id: int, current: CurrentResult | None = None, planned_start: date | None = None) -> PlanUnit:
    return PlanUnit(unit_id, f"BSBWHS{unit_id} A unit", planned_start, current)


def task(task_id: int, current: Outcome | None = None, status_date: date | None = None) -> CurrentTask:
    return CurrentTask(task_id, f"Assessment {task_id}", current, status_date)


def result(outcome: Outcome, start: date | None = None, end: date | None = None,
           origin: Origin | None = None) -> CurrentResult:
    return CurrentResult(outcome, start, end, origin)


def run(states, mappings, *, matrix=None, plan=(unit(WHS411),), tasks=(), defaults=DEFAULTS, rule=BY_ENROLMENT,
        today=TODAY, enrolment_start=ENROLMENT_START, enrolment_end=None) -> dict:
    """The proposals by row key, in the order propose() returned them."""
    student = Student(enrolment_start, tuple(plan), tuple(tasks), enrolment_end)
    rows = propose(list(states), list(mappings), matrix or {}, defaults, student, rule, today)
    return {row.key: row for row in rows}


def one(rows: dict):
    assert len(rows) == 1, rows
    return next(iter(rows.values()))


# --- one module, one unit --------------------------------------------------------------------

def test_a_started_module_proposes_the_start_result_for_its_unit():
    row = one(run([started(M411)], [to_unit(M411, WHS411)]))
    assert (row.key, row.kind, row.target_id, row.label) == ("u411", "unit", WHS411, "BSBWHS411 A unit")
    assert (row.canvas_state, row.completed_at) == (STARTED, None)
    assert (row.proposed, row.start, row.end) == (CONTINUING, ENROLMENT_START, date(2027, 10, 5))
    assert (row.status, row.reason, row.current) == (CHANGE, "", "—")
    assert (row.modules, row.module_ids) == ((NAMES[M411],), (M411,))


def test_a_completed_module_proposes_the_completion_result_ending_on_the_completion_date():
    row = one(run([completed(M411, utc(2026, 11, 3, 1))], [to_unit(M411, WHS411)]))
    assert (row.canvas_state, row.completed_at) == (COMPLETED, utc(2026, 11, 3, 1))
    assert (row.proposed, row.start, row.end) == (COMPETENT, ENROLMENT_START, date(2026, 11, 3))
    assert row.status == CHANGE


@pytest.mark.parametrize("state", [LOCKED, UNLOCKED])
def test_locked_and_unlocked_modules_propose_nothing(state):
    assert run([in_state(M411, state)], [to_unit(M411, WHS411)]) == {}


def test_a_mapped_module_canvas_did_not_report_proposes_nothing():
    assert run([], [to_unit(M411, WHS411)], tasks=[task(ASSESSMENT_1)]) == {}


def test_unmapped_modules_are_ignored():
    rows = run([completed(M411), completed(M412), started(M413)],
               [to_unit(M411, WHS411), ModuleMapping(M412, None, None)])
    assert list(rows) == ["u411"]
    assert rows["u411"].module_ids == (M411,)


def test_a_unit_outside_the_training_plan_gets_no_row():
    assert run([completed(M412)], [to_unit(M412, WHS412)], plan=[unit(WHS411)]) == {}


def test_a_task_outside_the_students_tasks_gets_no_row():
    assert run([completed(M_ASSESSMENT_1)], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)], plan=[],
               tasks=[task(ASSESSMENT_2)]) == {}


@pytest.mark.parametrize(("states", "mappings", "plan", "tasks"), [
    ([], [], [], []),
    ([completed(M411)], [], [unit(WHS411)], [task(ASSESSMENT_1)]),
    ([], [to_unit(M411, WHS411)], [unit(WHS411)], [task(ASSESSMENT_1)]),
    ([completed(M411)], [to_unit(M411, WHS411)], [], []),
], ids=["nothing", "no mappings", "no states", "no plan or tasks"])
def test_empty_inputs_propose_nothing(states, mappings, plan, tasks):
    assert run(states, mappings, plan=plan, tasks=tasks) == {}


# --- several modules behind one unit or task -------------------------------------------------

def test_a_unit_with_modules_half_done_is_only_started():
    row = one(run([completed(M411), in_state(M411_WORKBOOK, UNLOCKED)],
                  [to_unit(M411, WHS411), to_unit(M411_WORKBOOK, WHS411)]))
    assert (row.canvas_state, row.proposed, row.completed_at) == (STARTED, CONTINUING, None)
    assert row.end == date(2027, 10, 5)


def test_a_unit_with_one_module_not_reported_by_canvas_is_only_started():
    row = one(run([completed(M411)], [to_unit(M411, WHS411), to_unit(M411_WORKBOOK, WHS411)]))
    assert row.canvas_state == STARTED
    assert (row.modules, row.module_ids) == ((NAMES[M411],), (M411,))


def test_a_unit_whose_modules_are_all_done_ends_on_the_latest_completion():
    row = one(run([completed(M411, utc(2026, 11, 9, 2)), completed(M411_WORKBOOK, utc(2026, 11, 2, 2))],
                  [to_unit(M411, WHS411), to_unit(M411_WORKBOOK, WHS411)]))
    assert (row.canvas_state, row.completed_at, row.end) == (COMPLETED, utc(2026, 11, 9, 2), date(2026, 11, 9))
    assert row.modules == (NAMES[M411], NAMES[M411_WORKBOOK])
    assert row.module_ids == (M411, M411_WORKBOOK)


def test_a_task_is_completed_when_all_its_modules_are_and_ends_on_the_latest():
    row = one(run([completed(M_ASSESSMENT_1, utc(2026, 11, 2, 2)),
                   completed(M_ASSESSMENT_1_PART_B, utc(2026, 11, 12, 2))],
                  [to_task(M_ASSESSMENT_1, ASSESSMENT_1), to_task(M_ASSESSMENT_1_PART_B, ASSESSMENT_1)],
                  plan=[], tasks=[task(ASSESSMENT_1)]))
    assert (row.key, row.kind, row.target_id, row.label) == ("t1", "task", ASSESSMENT_1, "Assessment 1")
    assert (row.canvas_state, row.completed_at) == (COMPLETED, utc(2026, 11, 12, 2))
    assert (row.proposed, row.start, row.end, row.status) == (TASK_COMPLETED, None, date(2026, 11, 12), CHANGE)
    # Sorted by name: "Assessment 1 - Part B" before "Assessment 1 - WHS ...".
    assert row.modules == (NAMES[M_ASSESSMENT_1_PART_B], NAMES[M_ASSESSMENT_1])
    assert row.module_ids == (M_ASSESSMENT_1_PART_B, M_ASSESSMENT_1)


@pytest.mark.parametrize("other", [in_state(M_ASSESSMENT_1_PART_B, LOCKED), started(M_ASSESSMENT_1_PART_B), None],
                         ids=["locked", "started", "not reported"])
def test_a_task_with_modules_half_done_is_started_from_the_rule_date(other):
    states = [completed(M_ASSESSMENT_1)] + ([other] if other else [])
    row = one(run(states, [to_task(M_ASSESSMENT_1, ASSESSMENT_1), to_task(M_ASSESSMENT_1_PART_B, ASSESSMENT_1)],
                  plan=[], tasks=[task(ASSESSMENT_1)]))
    assert (row.canvas_state, row.completed_at) == (STARTED, None)
    assert (row.proposed, row.start, row.end) == (IN_PROGRESS, ENROLMENT_START, None)


@pytest.mark.parametrize("state", [LOCKED, UNLOCKED])
def test_a_task_whose_modules_have_not_begun_gets_no_row(state):
    assert run([in_state(M_ASSESSMENT_1, state)], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)], plan=[],
               tasks=[task(ASSESSMENT_1)]) == {}


def test_module_names_are_listed_once_even_when_two_modules_share_a_name():
    twin = ModuleState(M411_WORKBOOK, NAMES[M411], COMPLETED, utc(2026, 11, 3, 1), None)
    row = one(run([completed(M411), twin], [to_unit(M411, WHS411), to_unit(M411_WORKBOOK, WHS411)]))
    assert (row.modules, row.module_ids) == ((NAMES[M411],), (M411, M411_WORKBOOK))


def test_a_module_mapped_to_a_unit_and_a_task_drives_both():
    rows = run([completed(M411)], [ModuleMapping(M411, WHS411, ASSESSMENT_1)], tasks=[task(ASSESSMENT_1)])
    assert [(row.key, row.proposed) for row in rows.values()] == [("u411", COMPETENT), ("t1", TASK_COMPLETED)]


# --- the task matrix -------------------------------------------------------------------------

ASSESSMENT_1_COMPLETES_411_AND_412 = {ASSESSMENT_1: (frozenset({WHS411, WHS412}), frozenset({WHS411, WHS412}))}


def test_a_task_that_completes_two_units_completes_both():
    rows = run([completed(M_ASSESSMENT_1, utc(2026, 11, 3, 1))], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)],
               matrix=ASSESSMENT_1_COMPLETES_411_AND_412, plan=[unit(WHS411), unit(WHS412)],
               tasks=[task(ASSESSMENT_1)])
    assert list(rows) == ["u411", "u412", "t1"]
    for key in ("u411", "u412"):
        assert (rows[key].canvas_state, rows[key].proposed, rows[key].end) == (COMPLETED, COMPETENT,
                                                                               date(2026, 11, 3))
        assert (rows[key].modules, rows[key].module_ids) == ((NAMES[M_ASSESSMENT_1],), (M_ASSESSMENT_1,))
    assert (rows["t1"].proposed, rows["t1"].end) == (TASK_COMPLETED, date(2026, 11, 3))


def test_a_started_task_that_completes_two_units_starts_both():
    rows = run([started(M_ASSESSMENT_1)], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)],
               matrix={ASSESSMENT_1: (frozenset(), frozenset({WHS411, WHS412}))}, plan=[unit(WHS411), unit(WHS412)])
    assert [(row.key, row.canvas_state, row.proposed) for row in rows.values()] == [
        ("u411", STARTED, CONTINUING), ("u412", STARTED, CONTINUING)]


@pytest.mark.parametrize("task_module", [started(M_ASSESSMENT_1), completed(M_ASSESSMENT_1)],
                         ids=["task started", "task completed"])
def test_a_task_that_only_starts_a_unit_starts_it_however_far_the_task_is(task_module):
    row = one(run([task_module], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)],
                  matrix={ASSESSMENT_1: (frozenset({WHS411}), frozenset())}))
    assert (row.key, row.canvas_state, row.proposed) == ("u411", STARTED, CONTINUING)


def test_a_task_that_starts_a_unit_does_not_hold_back_its_completion():
    row = one(run([completed(M411), in_state(M_ASSESSMENT_1, LOCKED)],
                  [to_unit(M411, WHS411), to_task(M_ASSESSMENT_1, ASSESSMENT_1)],
                  matrix={ASSESSMENT_1: (frozenset({WHS411}), frozenset())}))
    assert (row.canvas_state, row.proposed) == (COMPLETED, COMPETENT)
    # The starting task's modules are still behind the row: they are where the unit may have begun.
    assert row.module_ids == (M_ASSESSMENT_1, M411)


@pytest.mark.parametrize(("direct", "task_module", "expected"), [
    (completed(M411), completed(M_ASSESSMENT_1), COMPLETED),
    (completed(M411), started(M_ASSESSMENT_1), STARTED),
    (completed(M411), in_state(M_ASSESSMENT_1, UNLOCKED), STARTED),
    (completed(M411), None, STARTED),
    (started(M411), completed(M_ASSESSMENT_1), STARTED),
    (in_state(M411, LOCKED), completed(M_ASSESSMENT_1), STARTED),
    (None, started(M_ASSESSMENT_1), STARTED),
    (in_state(M411, UNLOCKED), in_state(M_ASSESSMENT_1, UNLOCKED), None),
])
def test_a_unit_is_completed_only_when_its_module_and_its_completing_task_are_done(direct, task_module, expected):
    states = [state for state in (direct, task_module) if state]
    rows = run(states, [to_unit(M411, WHS411), to_task(M_ASSESSMENT_1, ASSESSMENT_1)],
               matrix={ASSESSMENT_1: (frozenset({WHS411}), frozenset({WHS411}))})
    assert (rows["u411"].canvas_state if rows else None) == expected


def test_a_unit_done_through_its_module_and_task_ends_on_the_later_completion():
    row = one(run([completed(M411, utc(2026, 11, 20, 1)), completed(M_ASSESSMENT_1, utc(2026, 11, 3, 1))],
                  [to_unit(M411, WHS411), to_task(M_ASSESSMENT_1, ASSESSMENT_1)],
                  matrix={ASSESSMENT_1: (frozenset(), frozenset({WHS411}))}))
    assert (row.completed_at, row.end) == (utc(2026, 11, 20, 1), date(2026, 11, 20))
    assert row.modules == (NAMES[M_ASSESSMENT_1], NAMES[M411])


def test_a_completing_task_with_no_module_in_canvas_holds_the_unit_at_started():
    # Assessment 2 is done outside Canvas: Canvas cannot vouch that the unit is complete.
    row = one(run([completed(M411)], [to_unit(M411, WHS411)],
                  matrix={ASSESSMENT_2: (frozenset(), frozenset({WHS411}))}, tasks=[task(ASSESSMENT_2)]))
    assert (row.key, row.canvas_state) == ("u411", STARTED)


def test_a_unit_with_only_a_starting_task_can_never_be_completed():
    row = one(run([completed(M_ASSESSMENT_1)], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)],
                  matrix={ASSESSMENT_1: (frozenset({WHS411}), frozenset())}))
    assert row.canvas_state == STARTED


def test_a_task_reaches_units_even_when_it_gets_no_row_of_its_own():
    rows = run([completed(M_ASSESSMENT_1)], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)],
               matrix=ASSESSMENT_1_COMPLETES_411_AND_412, plan=[unit(WHS411)], tasks=[],
               defaults=replace(DEFAULTS, task_on_complete=None))
    assert list(rows) == ["u411"]


def test_matrix_units_outside_the_plan_are_ignored():
    rows = run([completed(M_ASSESSMENT_1)], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)],
               matrix=ASSESSMENT_1_COMPLETES_411_AND_412, plan=[unit(WHS412)])
    assert list(rows) == ["u412"]


# --- completion dates are local calendar dates -----------------------------------------------

@pytest.mark.parametrize(("time_zone", "completed_at", "local_date"), [
    # November: Sydney on daylight time, UTC+11.
    (SYDNEY, utc(2026, 11, 3, 23, 30), date(2026, 11, 4)),
    (SYDNEY, utc(2026, 11, 3, 12, 59), date(2026, 11, 3)),
    (SYDNEY, utc(2026, 11, 3, 13, 0), date(2026, 11, 4)),
    # July: Sydney on standard time, UTC+10, so the local day turns an hour later.
    (SYDNEY, utc(2026, 7, 15, 13, 30), date(2026, 7, 15)),
    (SYDNEY, utc(2026, 7, 15, 13, 59), date(2026, 7, 15)),
    (SYDNEY, utc(2026, 7, 15, 14, 0), date(2026, 7, 16)),
    # Perth: UTC+8 all year.
    (PERTH, utc(2026, 11, 3, 23, 30), date(2026, 11, 4)),
    (PERTH, utc(2026, 11, 3, 15, 59), date(2026, 11, 3)),
    (PERTH, utc(2026, 11, 3, 16, 0), date(2026, 11, 4)),
    (PERTH, utc(2026, 7, 15, 15, 59), date(2026, 7, 15)),
    # New year's eve in UTC is already 1 January in Sydney.
    (SYDNEY, utc(2026, 12, 31, 13, 0), date(2027, 1, 1)),
])
def test_the_completion_date_is_the_calendar_date_in_the_integrations_time_zone(time_zone, completed_at,
                                                                                local_date):
    rows = run([completed(M411, completed_at), completed(M_ASSESSMENT_1, completed_at)],
               [to_unit(M411, WHS411), to_task(M_ASSESSMENT_1, ASSESSMENT_1)],
               tasks=[task(ASSESSMENT_1)], defaults=replace(DEFAULTS, time_zone=time_zone),
               rule=StartRule(START_ON_DATE, date(2026, 1, 1)))
    assert rows["u411"].end == rows["t1"].end == local_date
    assert rows["u411"].completed_at == rows["t1"].completed_at == completed_at


def test_completed_at_is_reported_in_utc_whatever_offset_canvas_used():
    at_sydney = datetime(2026, 11, 4, 10, 30, tzinfo=ZoneInfo(SYDNEY))
    row = one(run([completed(M411, at_sydney)], [to_unit(M411, WHS411)]))
    assert row.completed_at == utc(2026, 11, 3, 23, 30)
    assert row.completed_at.tzinfo == UTC
    assert row.end == date(2026, 11, 4)


@pytest.mark.parametrize("completion_module", [M411, M_ASSESSMENT_1])
def test_a_completion_canvas_gave_no_time_for_is_invalid(completion_module):
    rows = run([completed(completion_module, at=None)],
               [to_unit(M411, WHS411), to_task(M_ASSESSMENT_1, ASSESSMENT_1)], tasks=[task(ASSESSMENT_1)])
    row = next(iter(rows.values()))
    assert (row.canvas_state, row.completed_at, row.end) == (COMPLETED, None, None)
    assert (row.status, row.reason) == (INVALID, "Canvas gave no completion time for this module")


def test_one_completion_without_a_time_leaves_the_latest_unknown():
    row = one(run([completed(M411, utc(2026, 11, 3, 1)), completed(M411_WORKBOOK, at=None)],
                  [to_unit(M411, WHS411), to_unit(M411_WORKBOOK, WHS411)]))
    assert (row.canvas_state, row.end, row.status) == (COMPLETED, None, INVALID)


# --- start dates -----------------------------------------------------------------------------

def test_unlock_rule_takes_the_earliest_unlock_of_the_modules_begun_as_a_local_date():
    # 2026-10-04T13:00Z is midnight on 5 October in Sydney, daylight time having begun that morning.
    states = [started(M411, unlock_at=utc(2026, 10, 11, 13)), completed(M411_WORKBOOK, unlock_at=utc(2026, 10, 4, 13)),
              in_state(M412, LOCKED, unlock_at=utc(2026, 9, 1))]
    row = one(run(states, [to_unit(M411, WHS411), to_unit(M411_WORKBOOK, WHS411), to_unit(M412, WHS411)],
                  rule=StartRule(START_FROM_UNLOCK)))
    assert (row.start, row.end) == (date(2026, 10, 5), date(2027, 10, 5))


def test_unlock_rule_ignores_begun_modules_without_an_unlock_date():
    row = one(run([started(M411), started(M411_WORKBOOK, unlock_at=utc(2026, 10, 20))],
                  [to_unit(M411, WHS411), to_unit(M411_WORKBOOK, WHS411)], rule=StartRule(START_FROM_UNLOCK)))
    assert row.start == date(2026, 10, 20)


def test_unlock_rule_reaches_the_modules_of_a_units_tasks():
    row = one(run([started(M_ASSESSMENT_1, unlock_at=utc(2026, 10, 19, 14))], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)],
                  matrix={ASSESSMENT_1: (frozenset({WHS411}), frozenset())}, rule=StartRule(START_FROM_UNLOCK)))
    assert row.start == date(2026, 10, 20)


def test_unlock_rule_for_a_task():
    row = one(run([started(M_ASSESSMENT_1, unlock_at=utc(2026, 10, 19, 14))], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)],
                  plan=[], tasks=[task(ASSESSMENT_1)], rule=StartRule(START_FROM_UNLOCK)))
    assert (row.start, row.end, row.status) == (date(2026, 10, 20), None, CHANGE)


@pytest.mark.parametrize("module", [started(M411), started(M411, unlock_at=None), completed(M411, unlock_at=None)])
def test_no_unlock_date_makes_the_row_invalid(module):
    row = one(run([module, in_state(M411_WORKBOOK, UNLOCKED, unlock_at=utc(2026, 10, 1))],
                  [to_unit(M411, WHS411), to_unit(M411_WORKBOOK, WHS411)], rule=StartRule(START_FROM_UNLOCK)))
    assert (row.start, row.status) == (None, INVALID)
    assert row.reason == "No unlock date in Canvas for this module; choose another start date"


def test_plan_rule_takes_the_planned_start_of_each_unit():
    rows = run([started(M411), started(M412)], [to_unit(M411, WHS411), to_unit(M412, WHS412)],
               plan=[unit(WHS411, planned_start=date(2026, 10, 12)), unit(WHS412, planned_start=date(2027, 1, 18))],
               rule=StartRule(START_FROM_PLAN))
    assert [(row.start, row.end) for row in rows.values()] == [(date(2026, 10, 12), date(2027, 10, 12)),
                                                               (date(2027, 1, 18), date(2028, 1, 18))]


def test_plan_rule_without_a_planned_start_is_invalid():
    row = one(run([started(M411)], [to_unit(M411, WHS411)], rule=StartRule(START_FROM_PLAN)))
    assert (row.start, row.end, row.status) == (None, None, INVALID)
    assert row.reason == "No planned start date in the training plan; choose another start date"


def test_plan_rule_starts_a_task_on_the_enrolment_start():
    row = one(run([started(M_ASSESSMENT_1)], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)], plan=[],
                  tasks=[task(ASSESSMENT_1)], rule=StartRule(START_FROM_PLAN)))
    assert row.start == ENROLMENT_START


@pytest.mark.parametrize("rule", [StartRule(START_FROM_ENROLMENT), StartRule(START_FROM_PLAN)])
def test_a_task_without_an_enrolment_start_is_invalid(rule):
    row = one(run([started(M_ASSESSMENT_1)], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)], plan=[],
                  tasks=[task(ASSESSMENT_1)], rule=rule, enrolment_start=None))
    assert (row.start, row.status) == (None, INVALID)
    assert row.reason == "No enrolment start date; choose another start date"


def test_enrolment_rule_without_an_enrolment_start_is_invalid():
    row = one(run([started(M411)], [to_unit(M411, WHS411)], enrolment_start=None))
    assert (row.start, row.end, row.status) == (None, None, INVALID)
    assert row.reason == "No enrolment start date; choose another start date"


@pytest.mark.parametrize(("rule", "expected"), [
    (StartRule(START_FROM_ENROLMENT), ENROLMENT_START),
    (StartRule(START_TODAY), TODAY),
    (StartRule(START_ON_DATE, date(2026, 10, 26)), date(2026, 10, 26)),
    (StartRule(START_FROM_PLAN), date(2026, 10, 12)),
    (StartRule(START_FROM_UNLOCK), date(2026, 10, 8)),
])
def test_each_start_rule_for_units_and_tasks(rule, expected):
    rows = run([started(M411, unlock_at=utc(2026, 10, 7, 13)), started(M_ASSESSMENT_1, unlock_at=utc(2026, 10, 7, 13))],
               [to_unit(M411, WHS411), to_task(M_ASSESSMENT_1, ASSESSMENT_1)],
               plan=[unit(WHS411, planned_start=date(2026, 10, 12))], tasks=[task(ASSESSMENT_1)], rule=rule)
    assert rows["u411"].start == expected
    expected_for_task = ENROLMENT_START if rule.kind == START_FROM_PLAN else expected
    assert rows["t1"].start == expected_for_task


def test_date_rule_without_a_date_is_invalid():
    row = one(run([started(M411)], [to_unit(M411, WHS411)], rule=StartRule(START_ON_DATE)))
    assert (row.status, row.reason) == (INVALID, "No start date typed; type one or choose another start date")


def test_an_unknown_start_rule_is_a_programming_error():
    with pytest.raises(ValueError, match="someday"):
        run([started(M411)], [to_unit(M411, WHS411)], rule=StartRule("someday"))


def test_a_completed_task_has_no_start_so_no_start_date_is_needed():
    row = one(run([completed(M_ASSESSMENT_1)], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)], plan=[],
                  tasks=[task(ASSESSMENT_1)], rule=StartRule(START_FROM_UNLOCK)))
    assert (row.start, row.end, row.status) == (None, date(2026, 11, 3), CHANGE)


def test_a_completed_unit_keeps_the_start_already_recorded():
    row = one(run([completed(M411)], [to_unit(M411, WHS411)],
                  plan=[unit(WHS411, result(CONTINUING, date(2026, 10, 12), date(2027, 10, 12)))]))
    assert (row.proposed, row.start, row.end, row.status) == (COMPETENT, date(2026, 10, 12), date(2026, 11, 3), CHANGE)


def test_a_completed_unit_whose_result_has_no_start_takes_the_rule():
    row = one(run([completed(M411)], [to_unit(M411, WHS411)], plan=[unit(WHS411, result(NOT_YET_STARTED))]))
    assert row.start == ENROLMENT_START


def test_a_started_unit_takes_the_rule_when_its_recorded_result_is_another_outcome():
    row = one(run([started(M411)], [to_unit(M411, WHS411)],
                  plan=[unit(WHS411, result(NOT_YET_STARTED, date(2026, 2, 2), date(2026, 3, 2)))]))
    assert (row.start, row.end, row.status) == (ENROLMENT_START, date(2027, 10, 5), CHANGE)


def test_a_started_unit_already_continuing_keeps_its_start():
    row = one(run([started(M411)], [to_unit(M411, WHS411)],
                  plan=[unit(WHS411, result(CONTINUING, date(2026, 10, 12), date(2027, 10, 12)))]))
    assert (row.start, row.end, row.status) == (date(2026, 10, 12), date(2027, 10, 12), UP_TO_DATE)


def test_a_started_unit_already_continuing_without_a_start_takes_the_rule():
    row = one(run([started(M411)], [to_unit(M411, WHS411)], plan=[unit(WHS411, result(CONTINUING))]))
    assert (row.start, row.status) == (ENROLMENT_START, UP_TO_DATE)


# --- end dates of started units: calendar months ---------------------------------------------

@pytest.mark.parametrize(("start", "months", "end"), [
    (date(2026, 10, 5), 12, date(2027, 10, 5)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 3, 31), 1, date(2026, 4, 30)),
    (date(2026, 8, 31), 18, date(2028, 2, 29)),
    (date(2028, 2, 29), 12, date(2029, 2, 28)),
    (date(2028, 2, 29), 48, date(2032, 2, 29)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 12, 31), 12, date(2027, 12, 31)),
    (date(2026, 5, 31), 0, date(2026, 5, 31)),
    (date(2026, 1, 1), 120, date(2036, 1, 1)),
])
def test_a_started_unit_ends_calendar_months_after_its_start(start, months, end):
    row = one(run([started(M411)], [to_unit(M411, WHS411)], defaults=replace(DEFAULTS, started_end_months=months),
                  rule=StartRule(START_ON_DATE, start), enrolment_start=None, today=date(2090, 1, 1)))
    assert (row.start, row.end, row.status) == (start, end, CHANGE)


@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)), st.integers(0, 120))
def test_month_arithmetic_keeps_the_day_or_clamps_to_the_month_end(start, months):
    row = one(run([started(M411)], [to_unit(M411, WHS411)], defaults=replace(DEFAULTS, started_end_months=months),
                  rule=StartRule(START_ON_DATE, start)))
    assert (row.end.year * 12 + row.end.month) - (start.year * 12 + start.month) == months
    last_day = calendar.monthrange(row.end.year, row.end.month)[1]
    assert row.end.day == start.day or (row.end.day == last_day < start.day)


def test_negative_months_put_the_end_before_the_start():
    row = one(run([started(M411)], [to_unit(M411, WHS411)], defaults=replace(DEFAULTS, started_end_months=-1)))
    assert (row.end, row.status, row.reason) == (date(2026, 9, 5), INVALID, "The end date is before the start date")


# --- never downgrade -------------------------------------------------------------------------

@pytest.mark.parametrize(("current", "module", "proposed"), [
    (result(COMPETENT, date(2026, 10, 5), date(2026, 10, 30)), started(M411), CONTINUING),
    (result(COMPETENT, date(2026, 10, 5), date(2026, 10, 30)), completed(M411), COMPETENT),
    (result(RPL, date(2026, 10, 5), date(2026, 10, 5)), started(M411), CONTINUING),
    (result(RPL, date(2026, 10, 5), date(2026, 10, 5)), completed(M411), COMPETENT),
])
def test_a_final_result_is_kept_and_shows_what_canvas_suggests(current, module, proposed):
    row = one(run([module], [to_unit(M411, WHS411)], plan=[unit(WHS411, current)]))
    assert (row.status, row.proposed) == (KEPT, proposed)
    assert row.reason == f"Kept: {current.outcome.name} is a final outcome."


def test_a_final_result_is_kept_even_when_the_row_would_be_invalid():
    row = one(run([started(M411)], [to_unit(M411, WHS411)], plan=[unit(WHS411, result(COMPETENT))],
                  rule=StartRule(START_FROM_UNLOCK)))
    assert (row.status, row.reason) == (KEPT, "Kept: Competent is a final outcome.")


def test_the_completion_outcome_is_not_set_back_by_a_started_module_even_when_not_final():
    awaiting = Outcome(90, "Assessed in Canvas")
    row = one(run([started(M411)], [to_unit(M411, WHS411)], defaults=replace(DEFAULTS, unit_on_complete=awaiting),
                  plan=[unit(WHS411, result(awaiting, date(2026, 10, 5), date(2026, 11, 3)))]))
    assert (row.status, row.proposed) == (KEPT, CONTINUING)
    assert row.reason == "Kept: Assessed in Canvas; a module in progress does not set it back."


def test_a_non_final_result_other_than_the_completion_outcome_is_changed():
    row = one(run([started(M411)], [to_unit(M411, WHS411)],
                  plan=[unit(WHS411, result(NOT_YET_STARTED, date(2026, 10, 5), date(2026, 11, 3)))]))
    assert (row.status, row.proposed, row.start) == (CHANGE, CONTINUING, ENROLMENT_START)


@pytest.mark.parametrize(("current", "module", "status", "reason"), [
    (TASK_COMPLETED, started(M_ASSESSMENT_1), KEPT, "Kept: Completed is a final status."),
    (SUBMITTED, started(M_ASSESSMENT_1), KEPT, "Kept: Submitted is further along than In progress."),
    (NOT_STARTED, started(M_ASSESSMENT_1), CHANGE, ""),
    (IN_PROGRESS, started(M_ASSESSMENT_1), UP_TO_DATE, ""),
    (Outcome(5, "Resubmission requested", rank=1), started(M_ASSESSMENT_1), CHANGE, ""),
    (SUBMITTED, completed(M_ASSESSMENT_1), CHANGE, ""),
    (TASK_COMPLETED, completed(M_ASSESSMENT_1), UP_TO_DATE, ""),
    (None, started(M_ASSESSMENT_1), CHANGE, ""),
])
def test_a_task_status_is_never_downgraded(current, module, status, reason):
    row = one(run([module], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)], plan=[],
                  tasks=[task(ASSESSMENT_1, current, date(2026, 10, 20) if current else None)]))
    assert (row.status, row.reason) == (status, reason)


def test_a_kept_task_still_shows_what_canvas_suggests():
    row = one(run([started(M_ASSESSMENT_1)], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)], plan=[],
                  tasks=[task(ASSESSMENT_1, TASK_COMPLETED, date(2026, 10, 20))]))
    assert (row.proposed, row.start, row.end) == (IN_PROGRESS, ENROLMENT_START, None)


def test_a_final_task_status_is_kept_even_at_a_lower_rank():
    exempt = Outcome(6, "Exempt", final=True, rank=0)
    row = one(run([completed(M_ASSESSMENT_1)], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)], plan=[],
                  tasks=[task(ASSESSMENT_1, exempt)]))
    assert (row.status, row.reason) == (KEPT, "Kept: Exempt is a final status.")


# --- up to date or changed -------------------------------------------------------------------

def test_a_competent_unit_saved_by_an_earlier_transfer_is_up_to_date():
    row = one(run([completed(M411, utc(2026, 11, 3, 23, 30))], [to_unit(M411, WHS411)],
                  plan=[unit(WHS411, result(COMPETENT, ENROLMENT_START, date(2026, 11, 4)))]))
    assert (row.status, row.reason, row.end) == (UP_TO_DATE, "", date(2026, 11, 4))


def test_a_completed_unit_with_the_same_outcome_but_another_end_date_is_changed():
    assessed = Outcome(90, "Assessed in Canvas")
    row = one(run([completed(M411, utc(2026, 11, 9, 1))], [to_unit(M411, WHS411)],
                  defaults=replace(DEFAULTS, unit_on_complete=assessed),
                  plan=[unit(WHS411, result(assessed, date(2026, 10, 12), date(2026, 11, 3)))]))
    assert (row.status, row.proposed, row.start, row.end) == (CHANGE, assessed, date(2026, 10, 12),
                                                              date(2026, 11, 9))


def test_a_started_unit_is_up_to_date_whatever_its_recorded_dates():
    row = one(run([started(M411)], [to_unit(M411, WHS411)],
                  plan=[unit(WHS411, result(CONTINUING, date(2026, 10, 12), date(2027, 3, 1)))]))
    assert row.status == UP_TO_DATE


def test_when_start_and_completion_outcomes_are_the_same_a_started_unit_is_up_to_date():
    defaults = replace(DEFAULTS, unit_on_start=COMPETENT)
    row = one(run([started(M411)], [to_unit(M411, WHS411)], defaults=defaults,
                  plan=[unit(WHS411, result(COMPETENT, date(2026, 10, 5), date(2026, 11, 3)))]))
    assert row.status == UP_TO_DATE


def test_a_completion_before_the_recorded_start_is_invalid():
    row = one(run([completed(M411, utc(2026, 11, 3, 1))], [to_unit(M411, WHS411)],
                  plan=[unit(WHS411, result(CONTINUING, date(2026, 11, 10), date(2027, 11, 10)))]))
    assert (row.start, row.end) == (date(2026, 11, 10), date(2026, 11, 3))
    assert (row.status, row.reason) == (INVALID, "The completion date is before the start date")


def test_a_completion_on_the_start_date_is_valid():
    row = one(run([completed(M411, utc(2026, 11, 3, 1))], [to_unit(M411, WHS411)],
                  rule=StartRule(START_ON_DATE, date(2026, 11, 3))))
    assert (row.start, row.end, row.status) == (date(2026, 11, 3), date(2026, 11, 3), CHANGE)


def test_a_completion_before_the_rule_start_is_invalid():
    row = one(run([completed(M411, utc(2026, 11, 3, 1))], [to_unit(M411, WHS411)], rule=StartRule(START_TODAY)))
    assert (row.start, row.end, row.status) == (TODAY, date(2026, 11, 3), INVALID)


# --- switched off by the integration ---------------------------------------------------------

@pytest.mark.parametrize(("switched_off", "expected_keys"), [
    ("unit_on_start", ["u412", "t1", "t2"]),
    ("unit_on_complete", ["u411", "t1", "t2"]),
    ("task_on_start", ["u411", "u412", "t2"]),
    ("task_on_complete", ["u411", "u412", "t1"]),
])
def test_an_outcome_the_integration_does_not_record_gets_no_row(switched_off, expected_keys):
    rows = run([started(M411), completed(M412), started(M_ASSESSMENT_1), completed(M_ASSESSMENT_2)],
               [to_unit(M411, WHS411), to_unit(M412, WHS412), to_task(M_ASSESSMENT_1, ASSESSMENT_1),
                to_task(M_ASSESSMENT_2, ASSESSMENT_2)],
               plan=[unit(WHS411), unit(WHS412)], tasks=[task(ASSESSMENT_1), task(ASSESSMENT_2)],
               defaults=replace(DEFAULTS, **{switched_off: None}))
    assert list(rows) == expected_keys


# --- what staff read -------------------------------------------------------------------------

@pytest.mark.parametrize(("current", "shown"), [
    (None, "—"),
    (result(CONTINUING, date(2026, 10, 5), date(2027, 10, 5)), "Continuing enrolment 05/10/2026 – 05/10/2027"),
    (result(CONTINUING, date(2026, 10, 5)), "Continuing enrolment 05/10/2026 –"),
    (result(NOT_YET_COMPETENT, None, date(2026, 11, 4)), "Not yet competent – 04/11/2026"),
    (result(NOT_YET_STARTED), "Not yet started"),
])
def test_the_current_unit_result_as_staff_read_it(current, shown):
    assert one(run([started(M411)], [to_unit(M411, WHS411)], plan=[unit(WHS411, current)])).current == shown


@pytest.mark.parametrize(("current", "status_date", "shown"), [
    (None, None, "—"),
    (IN_PROGRESS, date(2026, 10, 5), "In progress 05/10/2026"),
    (NOT_STARTED, None, "Not started"),
])
def test_the_current_task_status_as_staff_read_it(current, status_date, shown):
    row = one(run([started(M_ASSESSMENT_1)], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)], plan=[],
                  tasks=[task(ASSESSMENT_1, current, status_date)]))
    assert row.current == shown


def test_rows_come_units_in_plan_order_then_tasks_in_the_students_order():
    rows = propose([started(M411), started(M412), started(M413), started(M_ASSESSMENT_1), started(M_ASSESSMENT_2)],
                   [to_unit(M411, WHS411), to_unit(M412, WHS412), to_unit(M413, WHS413),
                    to_task(M_ASSESSMENT_1, ASSESSMENT_1), to_task(M_ASSESSMENT_2, ASSESSMENT_2)], {}, DEFAULTS,
                   Student(ENROLMENT_START, (unit(WHS413), unit(WHS411), unit(WHS412)),
                           (task(ASSESSMENT_2), task(ASSESSMENT_1))),
                   BY_ENROLMENT, TODAY)
    assert [row.key for row in rows] == ["u413", "u411", "u412", "t2", "t1"]
    assert [row.kind for row in rows] == ["unit"] * 3 + ["task"] * 2


# --- staff decisions stand (issue 11, point 2) -------------------------------------------------

JANE = Origin(person=True, name="Jane Smith", on=date(2026, 11, 3))


@pytest.mark.parametrize("current", [
    result(NOT_YET_STARTED, date(2026, 10, 5), None, JANE),
    result(CONTINUING, date(2026, 10, 20), date(2027, 10, 20), JANE),
    result(NOT_YET_COMPETENT, date(2026, 10, 5), date(2026, 11, 3), JANE),
], ids=["not yet started", "continuing on another start", "not yet competent"])
@pytest.mark.parametrize("module", [started(M411), completed(M411)], ids=["started", "completed"])
def test_a_result_a_person_entered_is_kept_whatever_canvas_says(current, module):
    row = one(run([module], [to_unit(M411, WHS411)], plan=[unit(WHS411, current)]))
    if row.status != UP_TO_DATE:
        assert (row.status, row.reason) == (KEPT, "Kept: entered by Jane Smith on 03/11/2026.")


def test_a_result_a_person_entered_that_canvas_agrees_with_is_up_to_date():
    row = one(run([started(M411)], [to_unit(M411, WHS411)],
                  plan=[unit(WHS411, result(CONTINUING, date(2026, 10, 20), date(2027, 10, 20), JANE))]))
    assert (row.status, row.start) == (UP_TO_DATE, date(2026, 10, 20))


def test_a_person_whose_name_was_not_recorded_still_decided():
    row = one(run([started(M411)], [to_unit(M411, WHS411)],
                  plan=[unit(WHS411, result(NOT_YET_STARTED, None, None, Origin(person=True)))]))
    assert (row.status, row.reason) == (KEPT, "Kept: entered by a person (canvaslink did not record who).")


def test_a_result_an_earlier_transfer_saved_may_move_on():
    row = one(run([completed(M411)], [to_unit(M411, WHS411)],
                  plan=[unit(WHS411, result(CONTINUING, date(2026, 10, 5), date(2027, 10, 5),
                                            Origin(person=False, on=date(2026, 10, 6))))]))
    assert (row.status, row.proposed) == (CHANGE, COMPETENT)


def test_a_task_status_a_person_entered_is_kept():
    row = one(run([completed(M_ASSESSMENT_1)], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)], plan=[],
                  tasks=[CurrentTask(ASSESSMENT_1, "Assessment 1", NOT_STARTED, date(2026, 10, 9), JANE)]))
    assert (row.status, row.reason) == (KEPT, "Kept: entered by Jane Smith on 03/11/2026.")


@pytest.mark.parametrize("outcome", [COMPETENT, NOT_YET_COMPETENT, RPL, Outcome(40, "Withdrawn", final=True),
                                     Outcome(60, "Credit transfer", final=True)], ids=lambda o: o.name)
def test_the_one_place_keeps_every_final_outcome(outcome):
    current = result(outcome, date(2026, 10, 5), date(2026, 11, 3))
    assert kept_unit_reason(current, CONTINUING, False, DEFAULTS) == f"Kept: {outcome.name} is a final outcome."
    assert kept_unit_reason(current, COMPETENT, True, DEFAULTS) == f"Kept: {outcome.name} is a final outcome."
    assert kept_unit_reason(result(CONTINUING, date(2026, 10, 5)), COMPETENT, True, DEFAULTS) == ""


# --- modules without completion requirements (point 6) -----------------------------------------

def hollow(state: ModuleState) -> ModuleState:
    return replace(state, has_requirements=False)


def test_a_module_without_requirements_alone_proposes_nothing():
    assert run([hollow(completed(M411))], [to_unit(M411, WHS411)]) == {}
    assert run([hollow(completed(M_ASSESSMENT_1))], [to_task(M_ASSESSMENT_1, ASSESSMENT_1)], plan=[],
               tasks=[task(ASSESSMENT_1)]) == {}


def test_a_module_without_requirements_neither_completes_nor_holds_back_a_unit():
    row = one(run([completed(M411, utc(2026, 11, 3, 1)), hollow(completed(M411_WORKBOOK, utc(2026, 11, 9, 1)))],
                  [to_unit(M411, WHS411), to_unit(M411_WORKBOOK, WHS411)]))
    assert (row.canvas_state, row.end, row.status) == (COMPLETED, date(2026, 11, 3), CHANGE)
    assert (row.modules, row.module_ids) == ((NAMES[M411],), (M411,))  # the evidence saved with the result
    assert [(m.canvas_module_id, m.has_requirements) for m in row.module_states] == [(M411, True),
                                                                                    (M411_WORKBOOK, False)]
    half = one(run([started(M411), hollow(completed(M411_WORKBOOK))],
                   [to_unit(M411, WHS411), to_unit(M411_WORKBOOK, WHS411)]))
    assert half.canvas_state == STARTED


def test_the_unlock_rule_ignores_a_module_without_requirements():
    states = [started(M411, unlock_at=utc(2026, 10, 20, 1)),
              hollow(completed(M411_WORKBOOK, unlock_at=utc(2026, 9, 1)))]
    row = one(run(states, [to_unit(M411, WHS411), to_unit(M411_WORKBOOK, WHS411)], rule=StartRule(START_FROM_UNLOCK)))
    assert row.start == date(2026, 10, 20)


# --- dates that cannot be right (point 7) -------------------------------------------------------

@pytest.mark.parametrize(("module", "rule", "enrolment_end", "reason"), [
    (started(M411), StartRule(START_ON_DATE, date(2026, 11, 30)), None,
     "The start date 30/11/2026 is in the future, but Canvas shows the unit already started."),
    (completed(M411, utc(2026, 11, 3, 1)), StartRule(START_ON_DATE, date(2026, 9, 1)), None,
     "The start date 01/09/2026 is before the enrolment starts (05/10/2026)."),
    (started(M411), StartRule(START_ON_DATE, date(2026, 11, 2)), date(2026, 11, 1),
     "The start date 02/11/2026 is after the enrolment ends (01/11/2026)."),
    (completed(M411, utc(2026, 11, 3, 1)), BY_ENROLMENT, date(2026, 11, 1),
     "The completion date 03/11/2026 is after the enrolment ends (01/11/2026)."),
], ids=["future start", "before the enrolment", "after the enrolment", "completed after the enrolment"])
def test_dates_that_cannot_be_right_are_flagged_for_a_person(module, rule, enrolment_end, reason):
    row = one(run([module], [to_unit(M411, WHS411)], rule=rule, enrolment_end=enrolment_end))
    assert (row.status, row.reason) == (INVALID, reason)


def test_a_start_after_the_end_is_refused_and_a_doubt_is_only_a_doubt():
    enrolment = (date(2026, 10, 5), date(2027, 9, 24))
    assert check_dates("unit", False, date(2026, 11, 2), date(2026, 11, 1), enrolment, TODAY) == (
        "The end date is before the start date", "")
    assert check_dates("unit", False, None, None, enrolment, TODAY) == ("A unit result needs a start date.", "")
    assert check_dates("unit", True, date(2026, 10, 5), date(2026, 11, 21), enrolment, TODAY) == (
        "", "The completion date 21/11/2026 is in the future.")
    assert check_dates("task", False, date(2026, 10, 5), None, enrolment, TODAY) == ("", "")


def test_the_start_rule_vocabulary():
    assert start_rule("plan") == StartRule(START_FROM_PLAN)
    assert start_rule("someday", date(2026, 1, 1)) == StartRule(START_FROM_ENROLMENT, date(2026, 1, 1))
    assert START_RULES[START_ON_DATE] == "This date:" and list(START_RULES)[0] == START_FROM_UNLOCK


# --- properties over any student -------------------------------------------------------------

_OUTCOMES = [COMPETENT, NOT_YET_COMPETENT, RPL, CONTINUING, NOT_YET_STARTED]
_STATUSES = [NOT_STARTED, IN_PROGRESS, SUBMITTED, TASK_COMPLETED]
_UNIT_IDS, _TASK_IDS, _MODULE_IDS = [411, 412, 413], [1, 2, 3], list(range(901, 909))
_moments = st.datetimes(datetime(2025, 1, 1), datetime(2028, 12, 31), timezones=st.just(UTC))
_dates = st.dates(date(2025, 1, 1), date(2028, 12, 31))
_origins = st.none() | st.builds(Origin, st.booleans(), st.none() | st.just("Jane Smith"), st.none() | _dates)

_states = st.lists(st.builds(
    ModuleState, st.sampled_from(_MODULE_IDS), st.sampled_from(["Alpha", "Beta", "Gamma", "Delta"]),
    st.sampled_from([LOCKED, UNLOCKED, STARTED, COMPLETED]), st.none() | _moments, st.none() | _moments,
    st.booleans(),
), unique_by=lambda state: state.canvas_module_id)
_mappings = st.lists(st.builds(
    ModuleMapping, st.sampled_from(_MODULE_IDS), st.none() | st.sampled_from(_UNIT_IDS),
    st.none() | st.sampled_from(_TASK_IDS),
), unique_by=lambda mapping: mapping.canvas_module_id)
_unit_sets = st.frozensets(st.sampled_from(_UNIT_IDS))
_matrices = st.dictionaries(st.sampled_from(_TASK_IDS), st.tuples(_unit_sets, _unit_sets))
_defaults = st.builds(
    Defaults, st.none() | st.sampled_from(_OUTCOMES), st.none() | st.sampled_from(_OUTCOMES), st.integers(0, 24),
    st.none() | st.sampled_from(_STATUSES), st.none() | st.sampled_from(_STATUSES),
    st.sampled_from([SYDNEY, PERTH, "Australia/Adelaide", "UTC"]))
_plans = st.lists(st.builds(
    PlanUnit, st.sampled_from(_UNIT_IDS), st.just("A unit"), st.none() | _dates,
    st.none() | st.builds(CurrentResult, st.sampled_from(_OUTCOMES), st.none() | _dates, st.none() | _dates,
                          _origins),
), unique_by=lambda plan_unit: plan_unit.unit_id).map(tuple)
_tasks = st.lists(st.builds(
    CurrentTask, st.sampled_from(_TASK_IDS), st.just("A task"), st.none() | st.sampled_from(_STATUSES),
    st.none() | _dates, _origins,
), unique_by=lambda current_task: current_task.task_id).map(tuple)
_rules = st.builds(StartRule, st.sampled_from([START_FROM_UNLOCK, START_FROM_PLAN, START_FROM_ENROLMENT,
                                               START_TODAY, START_ON_DATE]), st.none() | _dates)
_students = st.builds(Student, st.none() | _dates, _plans, _tasks, st.none() | _dates)
_scenarios = st.tuples(_states, _mappings, _matrices, _defaults, _students, _rules, _dates)


@given(_scenarios, st.randoms(use_true_random=False))
def test_the_order_of_states_mappings_and_matrix_never_changes_the_result(scenario, random):
    states, mappings, matrix, *rest = scenario
    shuffled_matrix = dict(random.sample(list(matrix.items()), len(matrix)))
    assert propose(random.sample(states, len(states)), random.sample(mappings, len(mappings)), shuffled_matrix,
                   *rest) == propose(states, mappings, matrix, *rest)


@given(_scenarios)
def test_a_staff_entry_or_a_final_result_or_status_is_never_proposed_for_change(scenario):
    _, _, _, _, student, _, _ = scenario
    rows = propose(*scenario)
    decided = ({f"u{u.unit_id}" for u in student.plan
                if u.current and (u.current.outcome.final or (u.current.origin and u.current.origin.person))}
               | {f"t{t.task_id}" for t in student.tasks
                  if t.current and (t.current.final or (t.origin and t.origin.person))})
    assert all(row.status in (KEPT, UP_TO_DATE) for row in rows if row.key in decided)


@given(_scenarios)
def test_a_module_without_completion_requirements_never_decides_a_row(scenario):
    states, mappings, matrix, defaults, student, rule, today = scenario
    evidence = [state for state in states if state.has_requirements]
    hollow = {state.canvas_module_id for state in states if not state.has_requirements}
    strip = [(row.key, row.canvas_state, row.proposed, row.start, row.end, row.status)
             for row in propose(states, mappings, matrix, defaults, student, rule, today)]
    assert strip == [(row.key, row.canvas_state, row.proposed, row.start, row.end, row.status)
                     for row in propose(evidence, [m for m in mappings if m.canvas_module_id not in hollow], matrix,
                                        defaults, student, rule, today)]


@given(_scenarios)
def test_every_row_is_well_formed(scenario):
    _, _, _, defaults, student, _, today = scenario
    rows = propose(*scenario)
    keys = [row.key for row in rows]
    assert keys == [f"u{u.unit_id}" for u in student.plan if f"u{u.unit_id}" in keys] + [
        f"t{t.task_id}" for t in student.tasks if f"t{t.task_id}" in keys]
    for row in rows:
        assert row.canvas_state in (STARTED, COMPLETED)
        assert row.proposed is not None
        assert list(row.modules) == sorted(set(row.modules))
        assert (row.reason != "") == (row.status in (KEPT, INVALID))
        if row.status == CHANGE:
            assert check_dates(row.kind, row.canvas_state == COMPLETED, row.start, row.end,
                               (student.enrolment_start, student.enrolment_end), today) == ("", "")
        if row.status == CHANGE and row.kind == "unit":
            assert row.start is not None and row.end is not None and row.start <= row.end
        if row.status == CHANGE and row.kind == "task":
            assert (row.start is None) == (row.canvas_state == COMPLETED) == (row.end is not None)
        if row.kind == "unit" and row.canvas_state == STARTED and row.start is not None:
            assert row.end is not None and row.end >= row.start
        started_unit = row.kind == "unit" and row.canvas_state == STARTED
        assert row.end_months == (defaults.started_end_months if started_unit else None)
        if row.completed_at is not None:
            assert row.canvas_state == COMPLETED
            assert row.end == row.completed_at.astimezone(ZoneInfo(defaults.time_zone)).date()
        assert set(row.module_ids) <= {module.canvas_module_id for module in row.module_states}


# --- modules a student cannot see (reference §11.7) ---------------------------------------------

def test_a_mapped_module_the_student_cannot_see_keeps_the_unit_in_progress_and_says_why():
    # The workbook is unpublished, or assigned to other students: it is not in this student's list.
    row = one(run([completed(M411)], [to_unit(M411, WHS411), to_unit(M411_WORKBOOK, WHS411)]))

    assert row.canvas_state == STARTED and row.proposed == CONTINUING
    assert row.unseen_modules == 1


def test_when_every_mapped_module_is_in_view_nothing_is_unseen():
    row = one(run([completed(M411), completed(M411_WORKBOOK)], [to_unit(M411, WHS411), to_unit(M411_WORKBOOK, WHS411)]))

    assert row.canvas_state == COMPLETED and row.proposed == COMPETENT and row.unseen_modules == 0
