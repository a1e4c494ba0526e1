"""The plain values the result decision takes and gives: module states and mappings, the
integration's defaults, a student's training plan and tasks, and the proposed rows."""

from dataclasses import dataclass, field
from datetime import date, datetime

# Canvas module states (reference §3.1)
LOCKED, UNLOCKED, STARTED, COMPLETED = "locked", "unlocked", "started", "completed"
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
    # Assessment grades (wizard pages 3 and 4): the status each grade gives, and which evidence counts.
    task_on_satisfactory: Outcome | None = None
    task_on_not_yet: Outcome | None = None
    task_on_submitted: Outcome | None = None
    evidence_source: str = "both"        # grades.GRADES_ONLY | MODULES_ONLY | GRADES_AND_MODULES


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
    # The assessment grades behind it (grades.Evidence, per assessment), and what decided the proposal:
    # DECIDED_BY_GRADE when a grade did, else DECIDED_BY_MODULES.
    grades: tuple = field(default=())
    decided_by: str = "modules"


DECIDED_BY_GRADE, DECIDED_BY_MODULES = "grade", "modules"
