"""The decision at the heart of result transfer: one student's Canvas module states, the
occurrence's module mappings and task matrix, the integration's defaults and the student's
training plan → the unit results and task statuses to propose.

Pure: plain data in, plain data out; no database, no Canvas, no clock (today is an input)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from .grades import GRADES_ONLY, MODULES_ONLY, NOT_YET, SATISFACTORY, SUBMITTED, TaskGrades
from .kept import check_dates, task_status, unit_status
from .start_rules import (
    START_FROM_ENROLMENT, START_FROM_PLAN, START_FROM_UNLOCK, START_ON_DATE, START_TODAY, StartRule, add_months,
)
from .values import (
    CHANGE, COMPLETED, DECIDED_BY_GRADE, DECIDED_BY_MODULES, INVALID, STARTED, CurrentTask, Defaults, ModuleMapping, ModuleState, Outcome, PlanUnit, Proposal,
    Student,
)
from .wording import describe_result, describe_task


def propose(states: list[ModuleState], mappings: list[ModuleMapping],
            matrix: dict[int, tuple[frozenset[int], frozenset[int]]], defaults: Defaults, student: Student,
            rule: StartRule, today: date, grades: Mapping[int, TaskGrades] | None = None) -> list[Proposal]:
    """The proposals for one student. `matrix`: task id → (unit ids it starts, unit ids it completes).
    `today` is the RTO's local date. `grades`: task id → the grades of the assessments mapped to it
    (grades.task_grades); a task with an assessment is decided by its grade, not by its modules.

    Rows come units first, in plan order, then tasks in the student's order; a unit or task
    Canvas has nothing to say about, or whose outcome the integration does not record, has none."""
    context = _Context(defaults, ZoneInfo(defaults.time_zone), rule, today, student,
                       {state.canvas_module_id: state for state in states})
    if defaults.evidence_source == GRADES_ONLY:
        mappings = []
    grades = {} if defaults.evidence_source == MODULES_ONLY else dict(grades or {})
    modules_of_unit, modules_of_task = _modules_by_target(mappings)
    # Every task in the matrix, the mappings or the assessments, so a unit's completing task that has
    # nothing in Canvas still counts, as never done: Canvas cannot vouch for work done elsewhere.
    task_ids = set(matrix) | set(modules_of_task) | set(grades)
    tasks = {task_id: _task_progress(context.progress_of_modules(modules_of_task.get(task_id, ())),
                                     grades.get(task_id)) for task_id in task_ids}
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
    grades: tuple[TaskGrades, ...] = ()  # the grades of the tasks behind it


def _task_progress(modules: _Progress, grades: TaskGrades | None) -> _Progress:
    """A task with an assessment mapped is decided by its grade: completed only when Satisfactory, on
    the day it was graded. Its modules then say no more than that work was started or handed in
    (a `must_submit` requirement is met before marking, reference §13.7)."""
    if grades is None:
        return modules
    if grades.kind == SATISFACTORY:
        return _Progress(COMPLETED, grades.graded_at, modules.module_ids, (grades,))
    started = grades.under_way or modules.state is not None
    return _Progress(STARTED if started else None, None, modules.module_ids, (grades,))


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
    grades = tuple(dict.fromkeys(g for source in sources for g in source.grades))
    if completion and all(source.state == COMPLETED for source in completion):
        return _Progress(COMPLETED, _latest(source.completed_at for source in completion), module_ids, grades)
    if any(source.state is not None for source in sources):
        return _Progress(STARTED, None, module_ids, grades)
    return _Progress(None, None, module_ids, grades)


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
    if any(task.grades for task in completing):
        # An assessed unit is completed by its assessors' judgements: every task that completes it
        # Satisfactory. Its own modules then only say it was started.
        return _combine(completing, [*direct, *starting, _Progress(None, None, frozenset(own))])
    return _combine(direct + completing, [*starting, _Progress(None, None, frozenset(own))])


def _unit_row(unit: PlanUnit, progress: _Progress, context: _Context) -> Proposal | None:
    completed = progress.state == COMPLETED
    proposed = context.defaults.unit_on_complete if completed else context.defaults.unit_on_start
    if progress.state is None or proposed is None:
        return None
    start, end, problem = _unit_dates(unit, progress, proposed, context)
    status, reason = (unit_status(unit.current, proposed, completed, end, context.defaults)
                      or _validity("unit", completed, start, end, problem, context))
    return _row(f"u{unit.unit_id}", "unit", unit.unit_id, unit.label, progress, context,
                describe_result(unit.current), proposed, start, end, status, reason,
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
    decided = next((g for g in progress.grades if g.decides), None)
    if decided is not None:
        proposed = {SATISFACTORY: context.defaults.task_on_satisfactory, NOT_YET: context.defaults.task_on_not_yet,
                    SUBMITTED: context.defaults.task_on_submitted}[decided.kind]
    if progress.state is None or proposed is None:
        return None
    if completed:
        start, end = None, context.local_date(progress.completed_at)
        problem = "" if end else _NO_COMPLETION_TIME
    else:
        start, problem = _start_by_rule(progress, None, context)
        end = None
    status, reason = task_status(task, proposed) or _validity("task", completed, start, end, problem, context)
    return _row(f"t{task.task_id}", "task", task.task_id, task.label, progress, context, describe_task(task),
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
                    unseen_modules=sum(1 for module_id in progress.module_ids if module_id not in context.reported),
                    grades=tuple(e for g in progress.grades for e in g.evidence),
                    decided_by=DECIDED_BY_GRADE if any(g.decides for g in progress.grades) else DECIDED_BY_MODULES)


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
        # A date typed that does not exist is named as such, not taken for no date at all.
        return _or_why(context.rule.on, context.rule.problem or "No start date typed; type one or choose another "
                                                                "start date")
    raise ValueError(f"Unknown start rule {kind!r}")


def _or_why(day: date | None, why: str) -> tuple[date | None, str]:
    return (day, "") if day else (None, why)


def _validity(kind: str, completed: bool, start: date | None, end: date | None, problem: str,
              context: _Context) -> tuple[str, str]:
    if problem:
        return INVALID, problem
    refusal, doubt = check_dates(kind, completed, start, end,
                                 (context.student.enrolment_start, context.student.enrolment_end), context.today)
    return (INVALID, refusal or doubt) if refusal or doubt else (CHANGE, "")
