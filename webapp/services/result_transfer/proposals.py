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

# Start-date rules for started units (the option applied to all rows): the one vocabulary the
# review pages, the integration's nightly option and the CLI take their words from.
START_FROM_UNLOCK, START_FROM_PLAN, START_FROM_ENROLMENT, START_TODAY, START_ON_DATE = (
    "unlock", "plan", "enrolment", "today", "date")
START_RULES = {START_FROM_UNLOCK: "Canvas module unlock date", START_FROM_PLAN: "Training plan unit start date",
               START_FROM_ENROLMENT: "Enrolment start date", START_TODAY: "Today", START_ON_DATE: "This date:"}
# With nobody at the screen there is no date to type.
UNATTENDED_START_RULES = (START_FROM_ENROLMENT, START_FROM_PLAN, START_FROM_UNLOCK, START_TODAY)

# What a row is. KEPT: the recorded result stands as a staff decision or a final outcome; only a
# person, choosing that row, replaces it.
CHANGE, UP_TO_DATE, KEPT, INVALID = "change", "up_to_date", "kept", "invalid"


@dataclass(frozen=True)
class ModuleState:
    canvas_module_id: int
    name: str
    state: str                      # locked | unlocked | started | completed
    completed_at: datetime | None   # timezone-aware UTC, from Canvas
    unlock_at: datetime | None      # timezone-aware UTC, from Canvas
    # A module without completion requirements is "completed" for every student who may enter
    # it: it is shown, but it is no evidence of anything.
    has_requirements: bool = True


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
class Origin:
    """Who set a recorded result or status: a person (named, when canvaslink recorded who), or an
    automatic transfer from Canvas."""
    person: bool
    name: str | None = None
    on: date | None = None


@dataclass(frozen=True)
class CurrentResult:
    outcome: Outcome
    start: date | None
    end: date | None
    origin: Origin | None = None         # None: an automatic transfer, or nothing recorded


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
    origin: Origin | None = None


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
    enrolment_end: date | None = None


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
    status: str                          # CHANGE | UP_TO_DATE | KEPT | INVALID
    reason: str = ""                     # why kept / invalid, in staff's words
    module_ids: tuple[int, ...] = field(default=())
    module_states: tuple[ModuleState, ...] = field(default=())  # every module behind it, as Canvas reported it
    end_months: int | None = None        # a started unit: its end is this many months after its start
    # Mapped modules missing from the student's own module list in Canvas: unpublished, assigned
    # only to other students, or removed. They can never be completed by this student, so the unit
    # or task behind them is never proposed as completed; the review says why (reference §11.7).
    unseen_modules: int = 0


def start_rule(kind: str | None, on: date | None = None) -> StartRule:
    """The start-date option chosen (the enrolment start date unless another known one was)."""
    return StartRule(kind if kind in START_RULES else START_FROM_ENROLMENT, on)


def propose(states: list[ModuleState], mappings: list[ModuleMapping],
            matrix: dict[int, tuple[frozenset[int], frozenset[int]]], defaults: Defaults, student: Student,
            rule: StartRule, today: date) -> list[Proposal]:
    """The proposals for one student. `matrix`: task id → (unit ids it starts, unit ids it completes).
    `today` is the RTO's local date.

    Rows come units first, in plan order, then tasks in the student's order; a unit or task
    Canvas has nothing to say about, or whose outcome the integration does not record, has none."""
    context = _Context(defaults, ZoneInfo(defaults.time_zone), rule, today, student,
                       {state.canvas_module_id: state for state in states})
    modules_of_unit, modules_of_task = _modules_by_target(mappings)
    # Every task in the matrix or the mappings, so a unit's completing task that has no module in
    # Canvas still counts, as never done: Canvas cannot vouch for work done elsewhere.
    task_ids = set(matrix) | set(modules_of_task)
    tasks = {task_id: context.progress_of_modules(modules_of_task.get(task_id, ())) for task_id in task_ids}
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
    student: Student
    reported: Mapping[int, ModuleState]  # Canvas module id → its state

    def is_evidence(self, module_id: int) -> bool:
        module = self.reported.get(module_id)
        return module is None or module.has_requirements

    def progress_of(self, module_id: int) -> _Progress:
        module = self.reported.get(module_id)
        if module is None or module.state not in (STARTED, COMPLETED):
            return _Progress(None, None, frozenset({module_id}))
        return _Progress(module.state, module.completed_at if module.state == COMPLETED else None,
                         frozenset({module_id}))

    def progress_of_modules(self, module_ids: Iterable[int]) -> _Progress:
        """Several modules taken together; those without completion requirements are shown but never count."""
        module_ids = list(module_ids)
        shown = _Progress(None, None, frozenset(module_ids))
        return _combine([self.progress_of(m) for m in module_ids if self.is_evidence(m)], [shown])

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
    own = modules_of_unit.get(unit_id, set())
    direct = [context.progress_of(module_id) for module_id in own if context.is_evidence(module_id)]
    completing = [tasks[task_id] for task_id, (_, completes) in matrix.items() if unit_id in completes]
    starting = [tasks[task_id] for task_id, (starts, _) in matrix.items() if unit_id in starts]
    return _combine(direct + completing, [*starting, _Progress(None, None, frozenset(own))])


# --- rows ------------------------------------------------------------------------------------

def _unit_row(unit: PlanUnit, progress: _Progress, context: _Context) -> Proposal | None:
    completed = progress.state == COMPLETED
    proposed = context.defaults.unit_on_complete if completed else context.defaults.unit_on_start
    if progress.state is None or proposed is None:
        return None
    start, end, problem = _unit_dates(unit, progress, proposed, context)
    status, reason = (_unit_status(unit.current, proposed, completed, end, context.defaults)
                      or _validity("unit", completed, start, end, problem, context))
    return _row(f"u{unit.unit_id}", "unit", unit.unit_id, unit.label, progress, context,
                _describe_result(unit.current), proposed, start, end, status, reason,
                None if completed else context.defaults.started_end_months)


def _unit_dates(unit: PlanUnit, progress: _Progress, proposed: Outcome,
                context: _Context) -> tuple[date | None, date | None, str]:
    """Start, end, and why a date is missing."""
    current, completed = unit.current, progress.state == COMPLETED
    # A recorded start is what happened and the rule only a guess; a started unit keeps it only
    # while its outcome stays the same, as a new outcome starts a new period.
    keeps_start = current is not None and current.start is not None and (completed or current.outcome.id == proposed.id)
    if keeps_start:
        start, problem = current.start, ""
    else:
        start, problem = _start_by_rule(progress, unit, context)
    if completed:
        end = context.local_date(progress.completed_at)
        return start, end, problem or ("" if end else _NO_COMPLETION_TIME)
    return start, add_months(start, context.defaults.started_end_months) if start else None, problem


def _task_row(task: CurrentTask, progress: _Progress, context: _Context) -> Proposal | None:
    completed = progress.state == COMPLETED
    proposed = context.defaults.task_on_complete if completed else context.defaults.task_on_start
    if progress.state is None or proposed is None:
        return None
    if completed:
        start, end = None, context.local_date(progress.completed_at)
        problem = "" if end else _NO_COMPLETION_TIME
    else:
        start, problem = _start_by_rule(progress, None, context)
        end = None
    status, reason = _task_status(task, proposed) or _validity("task", completed, start, end, problem, context)
    return _row(f"t{task.task_id}", "task", task.task_id, task.label, progress, context, _describe_task(task),
                proposed, start, end, status, reason, None)


def _row(key: str, kind: str, target_id: int, label: str, progress: _Progress, context: _Context, current: str,
         proposed: Outcome, start: date | None, end: date | None, status: str, reason: str,
         end_months: int | None) -> Proposal:
    modules = context.modules(progress)
    evidence = [module for module in modules if module.has_requirements]
    completed_at = progress.completed_at.astimezone(UTC) if progress.completed_at else None
    return Proposal(key=key, kind=kind, target_id=target_id, label=label,
                    modules=tuple(dict.fromkeys(module.name for module in evidence)), canvas_state=progress.state,
                    completed_at=completed_at, current=current, proposed=proposed, start=start, end=end,
                    status=status, reason=reason,
                    module_ids=tuple(dict.fromkeys(module.canvas_module_id for module in evidence)),
                    module_states=tuple(modules), end_months=end_months,
                    unseen_modules=sum(1 for module_id in progress.module_ids if module_id not in context.reported))


# --- start dates -----------------------------------------------------------------------------

_NO_COMPLETION_TIME = "Canvas gave no completion time for this module"


def _start_by_rule(progress: _Progress, unit: PlanUnit | None, context: _Context) -> tuple[date | None, str]:
    """The start date the chosen rule gives, and why there is none. `unit` is None for a task,
    which has no planned start: the plan rule uses the enrolment's."""
    kind = context.rule.kind
    if kind == START_FROM_UNLOCK:
        unlocks = [module.unlock_at for module in context.modules(progress)
                   if module.state in (STARTED, COMPLETED) and module.unlock_at and module.has_requirements]
        return _or_why(context.local_date(min(unlocks, default=None)),
                       "No unlock date in Canvas for this module; choose another start date")
    if kind == START_FROM_PLAN and unit is not None:
        return _or_why(unit.planned_start, "No planned start date in the training plan; choose another start date")
    if kind in (START_FROM_PLAN, START_FROM_ENROLMENT):
        return _or_why(context.student.enrolment_start, "No enrolment start date; choose another start date")
    if kind == START_TODAY:
        return context.today, ""
    if kind == START_ON_DATE:
        return _or_why(context.rule.on, "No start date typed; type one or choose another start date")
    raise ValueError(f"Unknown start rule {kind!r}")


def _or_why(day: date | None, why: str) -> tuple[date | None, str]:
    return (day, "") if day else (None, why)


def add_months(day: date, months: int) -> date:
    """Calendar months later, the day clamped to the month's last: 31 Jan + 1 month = 28/29 Feb."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- what may be replaced: the one place that decides ----------------------------------------

def kept_unit_reason(current: CurrentResult | None, proposed: Outcome, completed: bool, defaults: Defaults) -> str:
    """Why the recorded unit result stands against `proposed` unless a person chooses to replace
    it; "" when an automatic transfer may replace it.

    A result a person entered stands, whatever it is. So does a final outcome (every result type
    that is not an in-progress one), and the completion outcome against a module merely started."""
    if current is None:
        return ""
    if current.origin is not None and current.origin.person:
        return _entered_by(current.origin)
    if current.outcome.final:
        return f"Kept: {current.outcome.name} is a final outcome."
    on_complete = defaults.unit_on_complete
    if not completed and on_complete is not None and current.outcome.id == on_complete.id:
        return f"Kept: {current.outcome.name}; a module in progress does not set it back."
    return ""


def kept_task_reason(task: CurrentTask, proposed: Outcome) -> str:
    """Why the recorded task status stands against `proposed`; "" when it may be replaced."""
    if task.current is None:
        return ""
    if task.origin is not None and task.origin.person:
        return _entered_by(task.origin)
    if task.current.final:
        return f"Kept: {task.current.name} is a final status."
    if task.current.rank > proposed.rank:
        return f"Kept: {task.current.name} is further along than {proposed.name}."
    return ""


def _entered_by(origin: Origin) -> str:
    if origin.name is None:
        return "Kept: entered by a person (canvaslink did not record who)."
    return f"Kept: entered by {origin.name}" + (f" on {_dmy(origin.on)}." if origin.on else ".")


def _unit_status(current: CurrentResult | None, proposed: Outcome, completed: bool, end: date | None,
                 defaults: Defaults) -> tuple[str, str] | None:
    """UP_TO_DATE, or KEPT with its reason; None when the proposal may be saved if valid."""
    if current is None:
        return None
    # Checked first so that a Competent saved by an earlier transfer reads as up to date.
    if current.outcome.id == proposed.id and (not completed or current.end == end):
        return UP_TO_DATE, ""
    reason = kept_unit_reason(current, proposed, completed, defaults)
    return (KEPT, reason) if reason else None


def _task_status(task: CurrentTask, proposed: Outcome) -> tuple[str, str] | None:
    if task.current is None:
        return None
    if task.current.id == proposed.id:
        return UP_TO_DATE, ""
    reason = kept_task_reason(task, proposed)
    return (KEPT, reason) if reason else None


# --- dates that cannot be right --------------------------------------------------------------

def check_dates(kind: str, completed: bool, start: date | None, end: date | None,
                enrolment: tuple[date | None, date | None], today: date) -> tuple[str, str]:
    """(refusal, doubt) about a row's dates, in staff's words; "" when there is none.

    A refusal means the row cannot be saved as it is. A doubt means the dates cannot be right as
    they stand: a person must look, and may still save them by choosing that row."""
    what = "unit" if kind == "unit" else "task"
    if kind == "unit" and start is None:
        return "A unit result needs a start date.", ""
    if completed and end is None:
        return "Type the date it was completed.", ""
    if start and end and end < start:
        return ("The completion date is before the start date" if completed
                else "The end date is before the start date"), ""
    enrolment_start, enrolment_end = enrolment
    if start and start > today:
        return "", f"The start date {_dmy(start)} is in the future, but Canvas shows the {what} already started."
    if completed and end and end > today:
        return "", f"The completion date {_dmy(end)} is in the future."
    for label, day in (("start date", start), ("completion date", end if completed else None)):
        if day and enrolment_start and day < enrolment_start:
            return "", f"The {label} {_dmy(day)} is before the enrolment starts ({_dmy(enrolment_start)})."
        if day and enrolment_end and day > enrolment_end:
            return "", f"The {label} {_dmy(day)} is after the enrolment ends ({_dmy(enrolment_end)})."
    return "", ""


def _validity(kind: str, completed: bool, start: date | None, end: date | None, problem: str,
              context: _Context) -> tuple[str, str]:
    if problem:
        return INVALID, problem
    refusal, doubt = check_dates(kind, completed, start, end,
                                 (context.student.enrolment_start, context.student.enrolment_end), context.today)
    return (INVALID, refusal or doubt) if refusal or doubt else (CHANGE, "")


# --- what staff read -------------------------------------------------------------------------

def describe(name: str | None, start: date | None, end: date | None) -> str:
    """A result as staff read it: "Continuing enrolment 01/02/2026 – 01/02/2027", or "—"."""
    if not name:
        return "—"
    if start and end:
        return f"{name} {_dmy(start)} – {_dmy(end)}"
    if start:
        return f"{name} {_dmy(start)} –"
    if end:
        return f"{name} – {_dmy(end)}"
    return name


def _describe_result(current: CurrentResult | None) -> str:
    return describe(current.outcome.name, current.start, current.end) if current else "—"


def describe_status(name: str | None, on: date | None) -> str:
    """A task status as staff read it: "In progress 05/10/2026", or "—"."""
    if not name:
        return "—"
    return f"{name} {_dmy(on)}" if on else name


def _describe_task(task: CurrentTask) -> str:
    return describe_status(task.current.name if task.current else None, task.status_date)


def _dmy(day: date) -> str:
    return f"{day:%d/%m/%Y}"
