"""Auto-matching Canvas modules to the units and tasks of an occurrence (flow 3): a pure function."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.services.setup import demo_data
from webapp.services.canvas_links.matching import ModuleMatch, TaskRef, UnitRef, match_modules, normalise


@pytest.fixture(autouse=True)
def _clean_database():
    """Pure functions: no database to reset."""


WHS411 = UnitRef(411, "BSBWHS411", "Implement and monitor WHS policies, procedures and programs")
WHS412 = UnitRef(412, "BSBWHS412", "Assist with workplace compliance with WHS laws")
WHS414 = UnitRef(414, "BSBWHS414", "Contribute to WHS risk management")
WHS415 = UnitRef(415, "BSBWHS415", "Contribute to implementing WHS management systems")
UNITS = [WHS411, WHS412, WHS414, WHS415]

WRITTEN = TaskRef(1, "Written questions")
PROJECT = TaskRef(2, "Assessment 2 - Customer service project")
POLICIES = TaskRef(3, "Assessment 1 - WHS policies and compliance")
TASKS = [WRITTEN, PROJECT, POLICIES]


def unit_for(module_name: str, units=UNITS) -> int | None:
    return match_modules({7: module_name}, units, [])[7].unit_id


def task_for(module_name: str, tasks=TASKS) -> int | None:
    return match_modules({7: module_name}, [], tasks)[7].task_id


# --- normalising -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("  Implement  and\tmonitor\n", "implement and monitor"),
    ("WHS POLICIES", "whs policies"),
    ("Policies, procedures and programs.", "policies procedures and programs"),
    ("Policies & procedures", "policies and procedures"),
    ("R&D", "r and d"),
    ("Assessment 1 - Written", "assessment 1 written"),
    ("Assessment 1 – Written", "assessment 1 written"),
    ("Assessment 1 — Written", "assessment 1 written"),
    ("Assessment 1: Written", "assessment 1 written"),
    ("(BSBWHS411) [draft] {v2}", "bsbwhs411 draft v2"),
    ("BSBWHS411-Implement", "bsbwhs411 implement"),
    ("BSBWHS411_Implement", "bsbwhs411 implement"),
    ("BSBWHS411 | Implement", "bsbwhs411 implement"),
    ("Workers’ rights", "workers rights"),
    ("Workers' rights", "workers rights"),
    ("Don’t panic", "dont panic"),
    ("Straße", "strasse"),
    ("Ｆｕｌｌ\u00a0width", "full width"),
    ("", ""),
    (" - : . ", ""),
])
def test_normalise(text, expected):
    assert normalise(text) == expected


# --- units by code ---------------------------------------------------------------------------

@pytest.mark.parametrize("module_name", [
    "BSBWHS411 Implement",
    "BSBWHS411",
    "bsbwhs411",
    "Unit: bsbwhs411",
    "(BSBWHS411)",
    "Implement and monitor (BSBWHS411)",
    "BSBWHS411-Implement",
    "BSBWHS411 – Implement",
    "BSBWHS411: Implement",
    "BSBWHS411_Implement",
    "Week 3 / BSBWHS411 / workbook",
    "BSBWHS411 Implement and monitor (BSBWHS411)",
    "  BsBwHs411  ",
])
def test_unit_code_as_a_whole_word_matches(module_name):
    assert unit_for(module_name) == 411


@pytest.mark.parametrize("module_name", [
    "BSBWHS4111",
    "BSBWHS4111 Implement",
    "XBSBWHS411",
    "XBSBWHS411 Implement",
    "BSBWHS41",
    "BSBWHS411A",
    "BSBWHS 411",
    "BSBWHS411s",
])
def test_unit_code_inside_a_longer_word_does_not_match(module_name):
    assert unit_for(module_name) is None


def test_code_wins_over_the_name_of_another_unit():
    assert unit_for("BSBWHS412 Implement and monitor WHS policies, procedures and programs") == 412


@pytest.mark.parametrize("module_name", [
    "BSBWHS411 and BSBWHS412",
    "BSBWHS411/BSBWHS412 Combined workbook",
    "BSBWHS411 Implement and monitor WHS policies, procedures and programs (see also BSBWHS412)",
])
def test_codes_of_two_units_are_ambiguous(module_name):
    assert unit_for(module_name) is None


def test_ambiguous_codes_do_not_fall_back_to_names():
    named = UnitRef(1, "AAA111", "Bridge AAA111 BBB222")
    other = UnitRef(2, "BBB222", "Other")
    assert unit_for("Bridge AAA111 BBB222", [named, other]) is None
    assert unit_for("Bridge AAA111 BBB222", [named]) == 1


def test_two_units_with_one_code_are_ambiguous():
    twin = UnitRef(9411, "BSBWHS411", "Implement and monitor WHS policies, procedures and programs")
    assert unit_for("BSBWHS411 Implement", [WHS411, twin]) is None


def test_a_code_that_is_a_prefix_of_another_code_picks_the_exact_one():
    short = UnitRef(1, "ABC123", "Short")
    long = UnitRef(2, "ABC1234", "Long")
    assert unit_for("ABC123 Workbook", [short, long]) == 1
    assert unit_for("ABC1234 Workbook", [short, long]) == 2


@pytest.mark.parametrize(("module_name", "expected"), [
    ("ABC-123 Workbook", 1),
    ("abc-123", 1),
    ("ABC 123 Workbook", 1),
    ("XABC-123", None),
    ("ABC-1234", None),
])
def test_codes_with_punctuation_are_compared_normalised(module_name, expected):
    assert unit_for(module_name, [UnitRef(1, "ABC-123", "Hyphenated")]) == expected


def test_blank_unit_codes_never_match():
    assert unit_for("Anything at all", [UnitRef(1, "", "Something else"), UnitRef(2, " - ", "Other")]) is None


# --- units by name ---------------------------------------------------------------------------

@pytest.mark.parametrize("module_name", [
    "Implement and monitor WHS policies, procedures and programs",
    "implement and monitor whs policies procedures and programs",
    "IMPLEMENT AND MONITOR WHS POLICIES, PROCEDURES AND PROGRAMS.",
    "Implement and monitor WHS policies, procedures & programs",
    "  Implement   and monitor WHS policies,procedures and programs ",
    "Implement and monitor WHS policies – procedures and programs",
])
def test_unit_name_matches_normalised(module_name):
    assert unit_for(module_name) == 411


@pytest.mark.parametrize("module_name", [
    "BSBWHS401 Implement and monitor WHS policies, procedures and programs",
    "BSBWHS401A - Implement and monitor WHS policies, procedures and programs",
    "Implement and monitor WHS policies, procedures and programs (BSBWHS401)",
    "VU22001: Implement and monitor WHS policies, procedures and programs",
])
def test_unit_name_matches_beside_a_code_of_no_unit_here(module_name):
    """A superseded or foreign code still names the unit by its title."""
    assert unit_for(module_name) == 411


@pytest.mark.parametrize("module_name", [
    "WHS policies",
    "Implement and monitor WHS policies",
    "Contribute to WHS risk management systems",
    "Contribute to WHS risk",
    "Week 1: Contribute to WHS risk management",
    "Contribute to WHS risk management 2",
    "AT1 Contribute to WHS risk management",
    "Welcome and orientation",
])
def test_near_miss_names_do_not_match_a_unit(module_name):
    assert unit_for(module_name) is None


def test_units_sharing_a_name_are_ambiguous():
    again = UnitRef(999, "BSBWHS499", "Contribute to WHS Risk Management.")
    assert unit_for("Contribute to WHS risk management", [WHS414, again]) is None
    assert unit_for("BSBWHS414 Contribute to WHS risk management", [WHS414, again]) == 414


@pytest.mark.parametrize("module_name", ["", "   ", "\t\n", " - ", "()"])
def test_empty_module_names_match_nothing(module_name):
    nameless_unit, nameless_task = UnitRef(1, "X1", " "), TaskRef(1, "-")
    assert match_modules({7: module_name}, UNITS + [nameless_unit], TASKS + [nameless_task]) == {
        7: ModuleMatch(None, None)}


# --- tasks -----------------------------------------------------------------------------------

@pytest.mark.parametrize("module_name", [
    "Written questions",
    "WRITTEN QUESTIONS",
    "Written questions.",
    " Written   questions ",
    "Written-questions",
])
def test_task_name_matches_normalised(module_name):
    assert task_for(module_name) == WRITTEN.id


@pytest.mark.parametrize("prefix", [
    "Assessment 1 - ", "Assessment 1: ", "Assessment 1 – ", "Assessment 1 — ", "Assessment 1 ",
    "assessment 1 - ", "Assessment #1 - ", "Assessment1 - ", "AT1 - ", "AT 1 - ", "at1: ",
    "Task 2: ", "TASK 2 – ", "Assessment task 3 - ", "Assessment Task 3: ",
])
def test_module_prefix_is_ignored(prefix):
    assert task_for(prefix + "Written questions") == WRITTEN.id


@pytest.mark.parametrize("module_name", [
    "WHS policies and compliance",
    "Assessment 1 - WHS policies and compliance",
    "Assessment 1 – WHS policies & compliance",
    "AT1: WHS policies and compliance",
    "Task 1 - WHS policies and compliance",
    "Assessment task 1 – WHS policies and compliance",
    "Assessment 01 - WHS policies and compliance",
])
def test_task_prefix_is_ignored_on_either_side_when_numbers_agree(module_name):
    assert task_for(module_name) == POLICIES.id


@pytest.mark.parametrize("module_name", [
    "Assessment 2 - WHS policies and compliance",
    "AT2 - WHS policies and compliance",
    "Assessment 10 - WHS policies and compliance",
    "Assessment 11 WHS policies and compliance",
])
def test_task_numbers_that_differ_do_not_match(module_name):
    assert task_for(module_name) is None


@pytest.mark.parametrize("module_name", [
    "Assessment 1",
    "Assessment 10",
    "Assessment",
    "WHS policies",
    "WHS policies and compliance 2",
    "Assessment 1 - WHS policies",
    "Quiz 1 - WHS policies and compliance",
    "Assessment A - WHS policies and compliance",
    "Written",
    "Written questions and answers",
])
def test_near_miss_names_do_not_match_a_task(module_name):
    assert task_for(module_name) is None


def test_assessment_numbers_are_not_prefixes_of_each_other():
    one, ten = TaskRef(1, "Assessment 1"), TaskRef(10, "Assessment 10")
    assert task_for("Assessment 1", [one, ten]) == 1
    assert task_for("Assessment 10", [one, ten]) == 10
    assert task_for("Assessment 100", [one, ten]) is None


def test_exact_task_name_wins_over_one_equal_only_without_prefix():
    numbered = TaskRef(20, "Assessment 1 - Written questions")
    assert task_for("Written questions", [WRITTEN, numbered]) == WRITTEN.id
    assert task_for("Assessment 1 - Written questions", [WRITTEN, numbered]) == numbered.id


def test_tasks_equal_without_prefixes_are_ambiguous():
    first = TaskRef(21, "Assessment 1 - Written questions")
    second = TaskRef(22, "Assessment 2 - Written questions")
    assert task_for("Written questions", [first, second]) is None
    assert task_for("Assessment 2: Written questions", [first, second]) == second.id


def test_tasks_with_one_normalised_name_are_ambiguous():
    assert task_for("Written questions", [WRITTEN, TaskRef(30, "Written Questions.")]) is None


def test_a_prefix_word_not_followed_by_a_number_is_part_of_the_name():
    assessment = TaskRef(40, "Assessment Written questions")
    assert task_for("Written questions", [assessment]) is None
    assert task_for("assessment - written questions", [assessment]) == 40


# --- units and tasks together ----------------------------------------------------------------

@pytest.mark.parametrize("module_name", [
    "BSBWHS411 Assessment 1 - WHS policies and compliance",
    "Assessment 1 - WHS policies and compliance (BSBWHS411)",
    "BSBWHS411 - WHS policies and compliance",
])
def test_module_can_match_a_unit_and_a_task(module_name):
    assert match_modules({7: module_name}, UNITS, TASKS) == {7: ModuleMatch(411, POLICIES.id)}


def test_unit_code_inside_a_task_name_still_needs_the_task_numbers_to_agree():
    assert match_modules({7: "BSBWHS411 Assessment 2 - WHS policies and compliance"}, UNITS, TASKS) == {
        7: ModuleMatch(411, None)}


def test_several_modules_match_one_unit_and_one_task():
    modules = {
        1: "BSBWHS411 Implement and monitor WHS policies, procedures and programs",
        2: "BSBWHS411 Readings",
        3: "Implement and monitor WHS policies, procedures and programs",
        4: "Assessment 1 - WHS policies and compliance",
        5: "WHS policies and compliance",
    }
    assert match_modules(modules, UNITS, TASKS) == {
        1: ModuleMatch(411, None),
        2: ModuleMatch(411, None),
        3: ModuleMatch(411, None),
        4: ModuleMatch(None, POLICIES.id),
        5: ModuleMatch(None, POLICIES.id),
    }


@pytest.mark.parametrize(("match_units", "match_tasks", "expected"), [
    (True, True, ModuleMatch(411, POLICIES.id)),
    (True, False, ModuleMatch(411, None)),
    (False, True, ModuleMatch(None, POLICIES.id)),
    (False, False, ModuleMatch(None, None)),
])
def test_levels_switched_off_are_not_matched(match_units, match_tasks, expected):
    result = match_modules({7: "BSBWHS411 Assessment 1 - WHS policies and compliance"}, UNITS, TASKS,
                           match_units=match_units, match_tasks=match_tasks)
    assert result == {7: expected}


def test_every_module_gets_an_answer_in_the_order_given():
    modules = {30: "Nothing here", 10: "BSBWHS412", 20: ""}
    result = match_modules(modules, UNITS, TASKS)
    assert list(result) == [30, 10, 20]
    assert result[30] == result[20] == ModuleMatch(None, None)


def test_no_modules_no_matches():
    assert match_modules({}, UNITS, TASKS) == {}


def test_no_units_or_tasks_match_nothing():
    assert match_modules({1: "BSBWHS411 Written questions"}, [], []) == {1: ModuleMatch(None, None)}


# --- the demo course -------------------------------------------------------------------------

def _demo_occurrence(occurrence_id: int) -> tuple[list[UnitRef], list[TaskRef]]:
    """The units and tasks of a demo occurrence, with made-up ids that stand for database ids."""
    titles = dict(demo_data.UNITS)
    _id, _name, _program, _start, _end, _status, codes, tasks = next(
        row for row in demo_data.OCCURRENCES if row[0] == occurrence_id)
    units = [UnitRef(100 + n, code, titles[code]) for n, code in enumerate(codes)]
    return units, [TaskRef(200 + n, name) for n, (name, _starts, _completes) in enumerate(tasks)]


# The modules of the Canvas simulator's demo course (canvas_sim/seeds/demo.json).
DEMO_MODULES = {
    901: "Welcome and orientation",
    902: "BSBWHS411 Implement and monitor WHS policies, procedures and programs",
    903: "BSBWHS412 Assist with workplace compliance with WHS laws",
    904: "Assessment 1 - WHS policies and compliance",
    905: "BSBWHS413 Contribute to implementation and maintenance of WHS consultation and participation processes",
    906: "Assessment 2 - Consultation and participation",
    907: "BSBWHS414 Contribute to WHS risk management",
    908: "BSBWHS415 Contribute to implementing WHS management systems",
    909: "Assessment 3 - Risk management project",
    910: "BSBWHS416 Contribute to workplace incident response",
    911: "Assessment 4 - Incident response and WHS systems",
}


def test_demo_course_matches_every_module_but_the_welcome():
    units, tasks = _demo_occurrence(121)
    unit_id = {unit.code: unit.id for unit in units}
    task_id = {task.name: task.id for task in tasks}
    assert match_modules(DEMO_MODULES, units, tasks) == {
        901: ModuleMatch(None, None),
        902: ModuleMatch(unit_id["BSBWHS411"], None),
        903: ModuleMatch(unit_id["BSBWHS412"], None),
        904: ModuleMatch(None, task_id["Assessment 1 - WHS policies and compliance"]),
        905: ModuleMatch(unit_id["BSBWHS413"], None),
        906: ModuleMatch(None, task_id["Assessment 2 - Consultation and participation"]),
        907: ModuleMatch(unit_id["BSBWHS414"], None),
        908: ModuleMatch(unit_id["BSBWHS415"], None),
        909: ModuleMatch(None, task_id["Assessment 3 - Risk management project"]),
        910: ModuleMatch(unit_id["BSBWHS416"], None),
        911: ModuleMatch(None, task_id["Assessment 4 - Incident response and WHS systems"]),
    }


def test_demo_course_against_an_occurrence_of_another_program_matches_nothing():
    units, tasks = _demo_occurrence(120)
    assert set(match_modules(DEMO_MODULES, units, tasks).values()) == {ModuleMatch(None, None)}


def test_demo_unit_titles_alone_match_their_units():
    units, _tasks = _demo_occurrence(121)
    assert match_modules({unit.id: unit.name.upper() for unit in units}, units, []) == {
        unit.id: ModuleMatch(unit.id, None) for unit in units}


def test_demo_task_names_match_with_or_without_their_prefixes():
    _units, tasks = _demo_occurrence(120)
    written = next(task for task in tasks if task.name == "Assessment 1 - Written questions")
    for module_name in ["Assessment 1 - Written questions", "Written questions", "AT1 – Written Questions"]:
        assert task_for(module_name, tasks) == written.id
    assert task_for("Assessment 2 - Written questions", tasks) is None


# --- properties ------------------------------------------------------------------------------

_SEPARATORS = [" ", " - ", " – ", ": ", "-", " | ", " (", ") "]

_demo_units, _demo_tasks = _demo_occurrence(121)
_demo_names = st.sampled_from(
    list(DEMO_MODULES.values())
    + [unit.name for unit in _demo_units]
    + [task.name for task in _demo_tasks]
    + ["Written questions", "Assessment 10 - Risk management project", "BSBWHS411 and BSBWHS412",
       "Risk management project", "AT3: Risk management project", "BSBWHS4111", "", "  "])
_module_sets = st.dictionaries(st.integers(1, 10_000), _demo_names, max_size=12)


def _reshape(name: str, data) -> str:
    """The same name with each letter's case and each run of whitespace chosen by hypothesis."""
    cased = "".join(char.upper() if data.draw(st.booleans()) else char.lower() for char in name)
    spaces = st.text(alphabet=" \t\n\u00a0", min_size=1, max_size=3)
    return data.draw(spaces) + data.draw(spaces).join(cased.split()) + data.draw(spaces)


@given(_module_sets, st.randoms(use_true_random=False))
def test_result_does_not_depend_on_the_order_of_modules_units_or_tasks(modules, random):
    shuffled_modules = list(modules.items())
    units, tasks = list(_demo_units), list(_demo_tasks)
    for items in (shuffled_modules, units, tasks):
        random.shuffle(items)
    assert match_modules(dict(shuffled_modules), units, tasks) == match_modules(modules, _demo_units, _demo_tasks)


@given(_module_sets, st.data())
def test_case_and_whitespace_never_change_the_result(modules, data):
    reshaped = {module_id: _reshape(name, data) for module_id, name in modules.items()}
    assert match_modules(reshaped, _demo_units, _demo_tasks) == match_modules(modules, _demo_units, _demo_tasks)


@given(_module_sets, st.booleans(), st.booleans())
def test_each_level_is_matched_as_if_alone(modules, match_units, match_tasks):
    both = match_modules(modules, _demo_units, _demo_tasks)
    chosen = match_modules(modules, _demo_units, _demo_tasks, match_units=match_units, match_tasks=match_tasks)
    assert chosen == {module_id: ModuleMatch(match.unit_id if match_units else None,
                                             match.task_id if match_tasks else None)
                      for module_id, match in both.items()}


_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
_titles = st.lists(_words, min_size=1, max_size=6).map(" ".join)
_codes = st.from_regex(r"[A-Z]{3,6}[0-9]{3}", fullmatch=True)


@given(st.lists(st.tuples(_codes, _titles), min_size=1, max_size=8, unique_by=lambda pair: pair[0]),
       st.data())
def test_unit_code_and_exact_title_always_match_that_unit(code_titles, data):
    units = [UnitRef(n, code, title) for n, (code, title) in enumerate(code_titles)]
    unit = data.draw(st.sampled_from(units))
    module_name = unit.code + data.draw(st.sampled_from(_SEPARATORS)) + unit.name
    assert match_modules({1: module_name}, units, [])[1].unit_id == unit.id


@given(st.sampled_from(_demo_units), st.sampled_from(_SEPARATORS), st.data())
def test_demo_unit_code_and_title_in_any_case_match_that_unit(unit, separator, data):
    module_name = _reshape(unit.code + separator + unit.name, data)
    assert match_modules({1: module_name}, _demo_units, _demo_tasks)[1] == ModuleMatch(unit.id, None)


@given(_titles, st.integers(1, 20), st.integers(1, 20),
       st.sampled_from(["Assessment {} - ", "AT{}: ", "Task {} – ", "Assessment task {} - "]))
def test_task_prefix_numbers_must_agree(title, module_number, task_number, prefix):
    task = TaskRef(1, f"Assessment {task_number} - {title}")
    expected = task.id if module_number == task_number else None
    assert task_for(prefix.format(module_number) + title, [task]) == expected
    assert task_for(title, [task]) == task.id
