"""Auto-matching of Canvas modules to the units and tasks of the linked occurrence, by name.

The match is only a suggestion that staff see pre-selected (flow 3): whenever a name could
mean two things the module is left unmatched for a person to decide, never guessed.
Pure: no I/O, no database, nothing from the rest of webapp.
"""

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class UnitRef:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class TaskRef:
    id: int
    name: str


@dataclass(frozen=True)
class ModuleMatch:
    unit_id: int | None
    task_id: int | None


# Removed rather than turned into a space, so "Workers’ rights" equals "Workers rights"
# and "don't" equals "dont".
_APOSTROPHES = frozenset("'‘’ʼ")

# A word of normalised text shaped like a national unit code: letters, at least three digits,
# maybe a letter (BSBWHS411, CPCCWHS1001, VU22001, BSBWHS401A). "AT1" must not look like one.
_UNIT_CODE_WORD = re.compile(r"(?<!\S)[a-z]{2,}[0-9]{3,}[a-z]?(?!\S)")

# "Assessment 1 - ", "Assessment task 3: ", "Task 2 – ", "AT1 - " once normalised. The
# number stays with the prefix so that differing numbers can veto a match.
_TASK_PREFIX = re.compile(r"(?:assessment(?: task)?|task|at) ?(?P<number>[0-9]+) (?P<rest>.+)")


def normalise(text: str) -> str:
    """Case-folded words of `text`: "&" reads "and", apostrophes vanish, any other
    character that is not a letter or digit separates words, whitespace collapses."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    kept = "".join("" if char in _APOSTROPHES else char if char.isalnum() else " " for char in text)
    return " ".join(kept.split())


def match_modules(modules: Mapping[int, str], units: Sequence[UnitRef], tasks: Sequence[TaskRef], *,
                  match_units: bool = True, match_tasks: bool = True) -> dict[int, ModuleMatch]:
    """modules: Canvas module id -> module name. Returns a ModuleMatch for every module id.

    Several modules may match the same unit or task; each module gets at most one of each.
    """
    unit_codes = [(unit.id, code) for unit in units if (code := normalise(unit.code))]
    unit_names = [(unit.id, normalise(unit.name)) for unit in units]
    task_names = [(task.id, normalise(task.name)) for task in tasks]
    matches = {}
    for module_id, module_name in modules.items():
        name = normalise(module_name)
        unit_id = _match_unit(name, unit_codes, unit_names) if match_units and name else None
        task_id = _match_task(name, task_names) if match_tasks and name else None
        matches[module_id] = ModuleMatch(unit_id, task_id)
    return matches


def _match_unit(name: str, unit_codes: list[tuple[int, str]], unit_names: list[tuple[int, str]]) -> int | None:
    by_code = {unit_id for unit_id, code in unit_codes if f" {code} " in f" {name} "}
    if by_code:
        # Two codes in one name is ambiguous, and a name match would only be a weaker guess.
        return _only(by_code)
    forms = _name_forms(name)
    return _only({unit_id for unit_id, unit_name in unit_names if unit_name in forms})


def _match_task(name: str, task_names: list[tuple[int, str]]) -> int | None:
    forms = _name_forms(name)
    exact = {task_id for task_id, task_name in task_names if task_name in forms}
    if exact:
        return _only(exact)
    return _only({task_id for task_id, task_name in task_names
                  if any(_same_apart_from_prefix(form, task_name) for form in forms)})


def _name_forms(name: str) -> set[str]:
    """The normalised module name as given and without the unit codes in it, so that
    "BSBWHS401 Implement and monitor…" still names its unit after the code was superseded,
    and "Assessment 1 - Written questions (BSBWHS411)" still names its task."""
    without_codes = " ".join(_UNIT_CODE_WORD.sub(" ", name).split())
    return {name, without_codes} if without_codes else {name}


def _same_apart_from_prefix(module_name: str, task_name: str) -> bool:
    module_number, module_rest = _split_task_prefix(module_name)
    task_number, task_rest = _split_task_prefix(task_name)
    if module_rest != task_rest:
        return False
    # A number on one side only is a label; two different numbers are two different tasks.
    return module_number is None or task_number is None or module_number == task_number


def _split_task_prefix(name: str) -> tuple[int | None, str]:
    found = _TASK_PREFIX.fullmatch(name)
    return (int(found["number"]), found["rest"]) if found else (None, name)


def _only(ids: set[int]) -> int | None:
    return next(iter(ids)) if len(ids) == 1 else None
