"""The class progress picture: students down, units and tasks across, each cell the Canvas state
of the modules behind it (from the occurrence's last download) beside the result saved here."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ...extensions import db
from ...models import Enrolment, EnrolmentTask, ModuleStateDownload, Occurrence, OccurrenceLink, TrainingPlanUnit
from ..canvas_links.link import current_link
from ..result_transfer.values import COMPLETED, LOCKED, STARTED, UNLOCKED, ModuleState
from ..result_transfer.review import _aware

NO_MODULE = "none"  # nothing in Canvas stands behind the cell (unmapped, or not downloaded)
# Worst to best: how a cell's several modules read together, and the order of the legend.
STATES = (NO_MODULE, LOCKED, UNLOCKED, STARTED, COMPLETED)
STATE_LABELS = {NO_MODULE: "No module", LOCKED: "Locked", UNLOCKED: "Unlocked", STARTED: "Started",
                COMPLETED: "Completed"}
AGREE, DISAGREE = "agree", "disagree"
NOT_YET_STARTED = 85  # the national outcome id of "Not yet started"
SYMBOLS = {NO_MODULE: "·", LOCKED: "⊘", UNLOCKED: "○", STARTED: "◐", COMPLETED: "✓"}


@dataclass(frozen=True)
class Saved:
    """The unit result or task status recorded here."""
    name: str
    final: bool  # a final result type, or a status that completes the task
    begun: bool = True  # anything but "Not yet started" / the first task status


def canvas_state(modules: Iterable[ModuleState]) -> str:
    """The modules behind one cell taken together: completed when every module that is evidence
    (has completion requirements) is; started when any has begun; else unlocked when any may be
    entered; locked otherwise. Modules without requirements count only when there is nothing else."""
    modules = list(modules)
    if not modules:
        return NO_MODULE
    evidence = [m for m in modules if m.has_requirements] or modules
    states = {m.state for m in evidence}
    if states == {COMPLETED}:
        return COMPLETED
    if states & {STARTED, COMPLETED}:
        return STARTED
    return UNLOCKED if UNLOCKED in states else LOCKED


def agreement(state: str, saved: Saved | None) -> str | None:
    """Do Canvas and the saved result tell the same story? None: nothing to compare.
    Completed needs a final result; started needs some result; not started needs none."""
    if state == NO_MODULE:
        return None
    if state == COMPLETED:
        ok = saved is not None and saved.final
    elif state == STARTED:
        ok = saved is not None and saved.begun
    else:
        ok = saved is None or not saved.begun
    return AGREE if ok else DISAGREE


@dataclass(frozen=True)
class Column:
    key: str          # "u<unit id>" / "t<task id>"
    label: str        # the unit code, or the task name
    title: str        # the unit's full name
    module_ids: frozenset[int]


@dataclass(frozen=True)
class Cell:
    state: str
    saved: Saved | None
    agrees: str | None
    modules: tuple[ModuleState, ...]


@dataclass
class Row:
    enrolment: Enrolment
    cells: list[Cell]
    note: str = ""    # why Canvas says nothing for this student (download failed, concluded there)


@dataclass
class Grid:
    occurrence: Occurrence
    link: OccurrenceLink | None
    columns: list[Column] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    downloaded_at: object = None
    run_id: int | None = None

    def total(self, index: int, state: str = COMPLETED) -> int:
        return sum(1 for row in self.rows if row.cells and row.cells[index].state == state)

    def counted(self, index: int) -> int:
        return sum(1 for row in self.rows if row.cells and row.cells[index].state != NO_MODULE)


def columns_of(link: OccurrenceLink) -> list[Column]:
    """Units, then tasks; a unit also stands on the modules of the tasks that start or complete it."""
    modules = [m for m in link.modules if m.removed_at is None]
    of_task = {t.id: frozenset(m.canvas_module_id for m in modules if m.task_id == t.id) for t in link.occurrence.tasks}
    columns = []
    for unit in link.occurrence.units:
        own = {m.canvas_module_id for m in modules if m.unit_id == unit.id}
        for task in link.occurrence.tasks:
            if any(c.unit_id == unit.id and (c.starts or c.completes) for c in task.matrix):
                own |= of_task[task.id]
        columns.append(Column(f"u{unit.id}", unit.code, f"{unit.code} {unit.name}", frozenset(own)))
    columns += [Column(f"t{t.id}", t.name, t.name, of_task[t.id]) for t in link.occurrence.tasks]
    return columns


def last_download_run(occurrence_id: int) -> int | None:
    return db.session.scalar(select(func.max(ModuleStateDownload.run_id))
                             .where(ModuleStateDownload.occurrence_id == occurrence_id))


def _module_states(staged: list[dict] | None, requirements: dict[int, int | None]) -> dict[int, ModuleState]:
    states = {}
    for s in staged or ():
        count = requirements.get(s["id"])
        count = s.get("requirements") if count is None else count
        states[s["id"]] = ModuleState(s["id"], s["name"], s["state"], _aware(s.get("completed_at")),
                                      _aware(s.get("unlock_at")), has_requirements=count != 0)
    return states


def _saved(enrolment: Enrolment) -> dict[str, Saved]:
    saved = {f"u{pu.unit_id}": Saved(pu.result_type.name, pu.result_type.is_final,
                                     pu.result_type.national_outcome_id != NOT_YET_STARTED)
             for pu in enrolment.plan_units if pu.result_type is not None}
    saved.update({f"t{et.task_id}": Saved(et.task_status.name, et.task_status.is_complete, et.task_status.position > 0)
                  for et in enrolment.enrolment_tasks if et.task_status is not None})
    return saved


def progress_grid(occurrence: Occurrence) -> Grid:
    """The picture from the last download staged for the occurrence; no Canvas call."""
    link = current_link(occurrence)
    grid = Grid(occurrence, link)
    if link is None:
        return grid
    grid.columns = columns_of(link)
    grid.run_id = last_download_run(occurrence.id)
    if grid.run_id is None:
        return grid
    staged = db.session.scalars(
        select(ModuleStateDownload).where(ModuleStateDownload.run_id == grid.run_id,
                                          ModuleStateDownload.occurrence_id == occurrence.id)
        .options(selectinload(ModuleStateDownload.enrolment).options(
            joinedload(Enrolment.client),
            selectinload(Enrolment.plan_units).joinedload(TrainingPlanUnit.result_type),
            selectinload(Enrolment.enrolment_tasks).joinedload(EnrolmentTask.task_status)))).all()
    requirements = {m.canvas_module_id: m.requirement_count for m in link.modules}
    for stage in staged:
        grid.downloaded_at = max(filter(None, (grid.downloaded_at, stage.fetched_at)), default=None)
        states = _module_states(stage.states, requirements)
        saved = _saved(stage.enrolment)
        cells = []
        for column in grid.columns:
            modules = tuple(sorted((states[i] for i in column.module_ids if i in states),
                                   key=lambda m: (m.name, m.canvas_module_id)))
            state = canvas_state(modules)
            cells.append(Cell(state, saved.get(column.key), agreement(state, saved.get(column.key)), modules))
        grid.rows.append(Row(stage.enrolment, cells, stage.error or ""))
    grid.rows.sort(key=lambda r: (r.enrolment.client.last_name, r.enrolment.client.first_name, r.enrolment.id))
    return grid
