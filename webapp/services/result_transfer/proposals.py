"""The decision at the heart of result transfer: one student's Canvas module states, the
occurrence's module mappings and task matrix, the integration's defaults and the student's
training plan → the unit results and task statuses to propose.

Pure: plain data in, plain data out; no database, no Canvas, no clock (today is an input).
"""

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

# Canvas module states (reference §3.1)
LOCKED, UNLOCKED, STARTED, COMPLETED = "locked", "unlocked", "started", "completed"

# Start-date rules for started units (the option applied to all rows)
START_FROM_UNLOCK, START_FROM_PLAN, START_FROM_ENROLMENT, START_TODAY, START_ON_DATE = (
    "unlock", "plan", "enrolment", "today", "date")

# What a row is
CHANGE, UP_TO_DATE, LEFT_ALONE, INVALID = "change", "up_to_date", "left_alone", "invalid"


@dataclass(frozen=True)
class ModuleState:
    canvas_module_id: int
    name: str
    state: str                      # locked | unlocked | started | completed
    completed_at: datetime | None   # timezone-aware UTC, from Canvas
    unlock_at: datetime | None      # timezone-aware UTC, from Canvas


@dataclass(frozen=True)
class ModuleMapping:
    canvas_module_id: int
    unit_id: int | None
    task_id: int | None


@dataclass(frozen=True)
class Outcome:
    """A result type or a task status, as the decision needs to know it."""
    id: int
    name: str
    final: bool = False   # result type: is_final; task status: is_complete
    rank: int = 0         # task status: position (a lower rank never replaces a higher one)


@dataclass(frozen=True)
class Defaults:
    """The integration's pages 3 and 4, and its time zone."""
    unit_on_start: Outcome | None        # None: record nothing when a module is started
    unit_on_complete: Outcome | None
    started_end_months: int
    task_on_start: Outcome | None
    task_on_complete: Outcome | None
    time_zone: str                       # e.g. "Australia/Sydney"


@dataclass(frozen=True)
class CurrentResult:
    outcome: Outcome
    start: date | None
    end: date | None


@dataclass(frozen=True)
class PlanUnit:
    unit_id: int
    label: str                           # "BSBWHS411 Implement and monitor ..."
    planned_start: date | None
    current: CurrentResult | None


@dataclass(frozen=True)
class CurrentTask:
    task_id: int
    label: str
    current: Outcome | None
    status_date: date | None


@dataclass(frozen=True)
class StartRule:
    kind: str                            # one of the START_* values
    on: date | None = None               # the typed date, for START_ON_DATE


@dataclass(frozen=True)
class Student:
    """Everything about one enrolment the decision needs."""
    enrolment_start: date | None
    plan: tuple[PlanUnit, ...]
    tasks: tuple[CurrentTask, ...]


@dataclass(frozen=True)
class Proposal:
    key: str                             # "u<unit id>" or "t<task id>": stable within an enrolment
    kind: str                            # "unit" | "task"
    target_id: int
    label: str
    modules: tuple[str, ...]             # names of the Canvas modules behind it
    canvas_state: str                    # started | completed (the aggregated state)
    completed_at: datetime | None        # latest completion, UTC, when completed
    current: str                         # "Continuing enrolment 01/02/2026 – 01/02/2027", or "—"
    proposed: Outcome | None
    start: date | None
    end: date | None
    status: str                          # CHANGE | UP_TO_DATE | LEFT_ALONE | INVALID
    reason: str = ""                     # why left alone / invalid, in staff's words
    module_ids: tuple[int, ...] = field(default=())


def propose(states: list[ModuleState], mappings: list[ModuleMapping],
            matrix: dict[int, tuple[frozenset[int], frozenset[int]]], defaults: Defaults, student: Student,
            rule: StartRule, today: date, overrides: dict[str, date] | None = None) -> list[Proposal]:
    """The proposals for one student. `matrix`: task id → (unit ids it starts, unit ids it completes).
    `overrides`: row key → start date typed on that row; it wins over the start rule and over the
    start already recorded for that row.

    Rows come units first, in plan order, then tasks in the student's order; a unit or task
    Canvas has nothing to say about, or whose outcome the integration does not record, has none."""
    context = _Context(defaults, ZoneInfo(defaults.time_zone), rule, today, overrides or {},
                       student.enrolment_start, {state.canvas_module_id: state for state in states})
    modules_of_unit, modules_of_task = _modules_by_target(mappings)
    # Every task in the matrix or the mappings, so a unit's completing task that has no module in
    # Canvas still counts, as never done: Canvas cannot vouch for work done elsewhere.
    task_ids = set(matrix) | set(modules_of_task)
    tasks = {task_id: _combine([context.progress_of(m) for m in modules_of_task.get(task_id, ())])
             for task_id in task_ids}
    rows = [_unit_row(unit, _unit_progress(unit.unit_id, modules_of_unit, tasks, matrix, context), context)
            for unit in student.plan]
    rows += [_task_row(task, tasks.get(task.task_id, _NOTHING), context) for task in student.tasks]
    return [row for row in rows if row is not None]


@dataclass(frozen=True)
class _Progress:
    """The Canvas state of one module, or of several taken together."""
    state: str | None                   # STARTED, COMPLETED, or None: nothing to propose
    completed_at: datetime | None       # the latest completion, when COMPLETED and Canvas gave every time
    module_ids: frozenset[int]          # every module behind it, whatever its state


_NOTHING = _Progress(None, None, frozenset())


@dataclass(frozen=True)
class _Context:
    defaults: Defaults
    zone: ZoneInfo
    rule: StartRule
    today: date
    overrides: Mapping[str, date]
    enrolment_start: date | None
    reported: Mapping[int, ModuleState]  # Canvas module id → its state

    def progress_of(self, module_id: int) -> _Progress:
        module = self.reported.get(module_id)
        if module is None or module.state not in (STARTED, COMPLETED):
            return _Progress(None, None, frozenset({module_id}))
        return _Progress(module.state, module.completed_at if module.state == COMPLETED else None,
                         frozenset({module_id}))

    def local_date(self, moment: datetime | None) -> date | None:
        return moment.astimezone(self.zone).date() if moment else None

    def modules(self, progress: _Progress) -> list[ModuleState]:
        """The modules behind `progress` that Canvas reported, in the order staff read them."""
        reported = (self.reported[i] for i in progress.module_ids if i in self.reported)
        return sorted(reported, key=lambda module: (module.name, module.canvas_module_id))


def _modules_by_target(mappings: Iterable[ModuleMapping]) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    units: dict[int, set[int]] = {}
    tasks: dict[int, set[int]] = {}
    for mapping in mappings:
        if mapping.unit_id is not None:
            units.setdefault(mapping.unit_id, set()).add(mapping.canvas_module_id)
        if mapping.task_id is not None:
            tasks.setdefault(mapping.task_id, set()).add(mapping.canvas_module_id)
    return units, tasks


def _combine(completion: list[_Progress], also_starting: Iterable[_Progress] = ()) -> _Progress:
    """Completed when every completion source is (and there is one); started when any source,
    completing or only starting, has begun."""
    sources = [*completion, *also_starting]
    module_ids = frozenset().union(*(source.module_ids for source in sources))
    if completion and all(source.state == COMPLETED for source in completion):
        return _Progress(COMPLETED, _latest(source.completed_at for source in completion), module_ids)
    if any(source.state is not None for source in sources):
        return _Progress(STARTED, None, module_ids)
    return _Progress(None, None, module_ids)


def _latest(moments: Iterable[datetime | None]) -> datetime | None:
    """The latest time, or None when Canvas left one out: any of them could have been the last."""
    moments = list(moments)
    return None if None in moments else max(moments)


def _unit_progress(unit_id: int, modules_of_unit: Mapping[int, set[int]], tasks: Mapping[int, _Progress],
                   matrix: Mapping[int, tuple[frozenset[int], frozenset[int]]], context: _Context) -> _Progress:
    direct = [context.progress_of(module_id) for module_id in modules_of_unit.get(unit_id, ())]
    completing = [tasks[task_id] for task_id, (_, completes) in matrix.items() if unit_id in completes]
    starting = [tasks[task_id] for task_id, (starts, _) in matrix.items() if unit_id in starts]
    return _combine(direct + completing, starting)


# --- rows ------------------------------------------------------------------------------------

def _unit_row(unit: PlanUnit, progress: _Progress, context: _Context) -> Proposal | None:
    completed = progress.state == COMPLETED
    proposed = context.defaults.unit_on_complete if completed else context.defaults.unit_on_start
    if progress.state is None or proposed is None:
        return None
    start, end, problem = _unit_dates(unit, progress, proposed, context)
    status, reason = (_unit_status(unit.current, proposed, completed, end, context.defaults)
                      or _validity(start, end, problem, completed))
    return _row(f"u{unit.unit_id}", "unit", unit.unit_id, unit.label, progress, context,
                _describe_result(unit.current), proposed, start, end, status, reason)


def _unit_dates(unit: PlanUnit, progress: _Progress, proposed: Outcome,
                context: _Context) -> tuple[date | None, date | None, str]:
    """Start, end, and why a date is missing."""
    current, completed, key = unit.current, progress.state == COMPLETED, f"u{unit.unit_id}"
    # A date typed on the row is staff's word and wins. Otherwise a recorded start is what
    # happened and the rule only a guess; a started unit keeps it only while its outcome stays
    # the same, as a new outcome starts a new period.
    keeps_start = current is not None and current.start is not None and (completed or current.outcome.id == proposed.id)
    if keeps_start and key not in context.overrides:
        start, problem = current.start, ""
    else:
        start, problem = _start_by_rule(key, progress, unit, context)
    if completed:
        end = context.local_date(progress.completed_at)
        return start, end, problem or ("" if end else _NO_COMPLETION_TIME)
    return start, _add_months(start, context.defaults.started_end_months) if start else None, problem


def _task_row(task: CurrentTask, progress: _Progress, context: _Context) -> Proposal | None:
    completed = progress.state == COMPLETED
    proposed = context.defaults.task_on_complete if completed else context.defaults.task_on_start
    if progress.state is None or proposed is None:
        return None
    key = f"t{task.task_id}"
    if completed:
        start, end = None, context.local_date(progress.completed_at)
        problem = "" if end else _NO_COMPLETION_TIME
    else:
        start, problem = _start_by_rule(key, progress, None, context)
        end = None
    status, reason = _task_status(task.current, proposed) or _validity(start, end, problem, completed)
    return _row(key, "task", task.task_id, task.label, progress, context, _describe_task(task), proposed,
                start, end, status, reason)


def _row(key: str, kind: str, target_id: int, label: str, progress: _Progress, context: _Context, current: str,
         proposed: Outcome, start: date | None, end: date | None, status: str, reason: str) -> Proposal:
    modules = context.modules(progress)
    completed_at = progress.completed_at.astimezone(UTC) if progress.completed_at else None
    return Proposal(key=key, kind=kind, target_id=target_id, label=label,
                    modules=tuple(dict.fromkeys(module.name for module in modules)), canvas_state=progress.state,
                    completed_at=completed_at, current=current, proposed=proposed, start=start, end=end,
                    status=status, reason=reason,
                    module_ids=tuple(dict.fromkeys(module.canvas_module_id for module in modules)))


# --- start dates -----------------------------------------------------------------------------

_NO_COMPLETION_TIME = "Canvas gave no completion time for this module"


def _start_by_rule(key: str, progress: _Progress, unit: PlanUnit | None,
                   context: _Context) -> tuple[date | None, str]:
    """The start date the row's typed date or else the chosen rule gives, and why there is none.
    `unit` is None for a task, which has no planned start: the plan rule uses the enrolment's."""
    if key in context.overrides:
        return context.overrides[key], ""
    kind = context.rule.kind
    if kind == START_FROM_UNLOCK:
        unlocks = [module.unlock_at for module in context.modules(progress)
                   if module.state in (STARTED, COMPLETED) and module.unlock_at]
        return _or_why(context.local_date(min(unlocks, default=None)),
                       "No unlock date in Canvas for this module; choose another start date")
    if kind == START_FROM_PLAN and unit is not None:
        return _or_why(unit.planned_start, "No planned start date in the training plan; choose another start date")
    if kind in (START_FROM_PLAN, START_FROM_ENROLMENT):
        return _or_why(context.enrolment_start, "No enrolment start date; choose another start date")
    if kind == START_TODAY:
        return context.today, ""
    if kind == START_ON_DATE:
        return _or_why(context.rule.on, "No start date typed; type one or choose another start date")
    raise ValueError(f"Unknown start rule {kind!r}")


def _or_why(day: date | None, why: str) -> tuple[date | None, str]:
    return (day, "") if day else (None, why)


def _add_months(day: date, months: int) -> date:
    """Calendar months later, the day clamped to the month's last: 31 Jan + 1 month = 28/29 Feb."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- status ----------------------------------------------------------------------------------

def _unit_status(current: CurrentResult | None, proposed: Outcome, completed: bool, end: date | None,
                 defaults: Defaults) -> tuple[str, str] | None:
    """UP_TO_DATE or LEFT_ALONE with its reason; None when the proposal may be saved if valid."""
    if current is None:
        return None
    # Checked before "final" so that a Competent saved by an earlier transfer reads as up to date.
    if current.outcome.id == proposed.id and (not completed or current.end == end):
        return UP_TO_DATE, ""
    if current.outcome.final:
        return LEFT_ALONE, f"Already {current.outcome.name}: never replaced automatically."
    on_complete = defaults.unit_on_complete
    if not completed and on_complete is not None and current.outcome.id == on_complete.id:
        return LEFT_ALONE, f"Already {current.outcome.name}: a module in progress does not set it back."
    return None


def _task_status(current: Outcome | None, proposed: Outcome) -> tuple[str, str] | None:
    if current is None:
        return None
    if current.id == proposed.id:
        return UP_TO_DATE, ""
    if current.final:
        return LEFT_ALONE, f"Already {current.name}: never replaced automatically."
    if current.rank > proposed.rank:
        return LEFT_ALONE, f"Already {current.name}, which is further along than {proposed.name}."
    return None


def _validity(start: date | None, end: date | None, problem: str, completed: bool) -> tuple[str, str]:
    if problem:
        return INVALID, problem
    if start and end and end < start:
        return INVALID, ("The completion date is before the start date" if completed
                         else "The end date is before the start date")
    return CHANGE, ""


# --- what staff read -------------------------------------------------------------------------

def _describe_result(current: CurrentResult | None) -> str:
    if current is None:
        return "—"
    if current.start and current.end:
        return f"{current.outcome.name} {_dmy(current.start)} – {_dmy(current.end)}"
    if current.start:
        return f"{current.outcome.name} {_dmy(current.start)} –"
    if current.end:
        return f"{current.outcome.name} – {_dmy(current.end)}"
    return current.outcome.name


def _describe_task(task: CurrentTask) -> str:
    if task.current is None:
        return "—"
    return f"{task.current.name} {_dmy(task.status_date)}" if task.status_date else task.current.name


def _dmy(day: date) -> str:
    return f"{day:%d/%m/%Y}"
