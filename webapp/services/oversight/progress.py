"""The class progress picture: students down, units and tasks across, each cell the Canvas state
of the modules behind it (as each student was last read from Canvas) beside the result saved here."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

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
    note: str = ""    # why Canvas says nothing newer for this student (download failed, concluded there)
    read_at: datetime | None = None  # when the states shown were read from Canvas


@dataclass
class Grid:
    occurrence: Occurrence
    link: OccurrenceLink | None
    columns: list[Column] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    run_id: int | None = None  # the latest download

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


def _latest_stages(occurrence_id: int) -> list[tuple[ModuleStateDownload, ModuleStateDownload | None]]:
    """Per enrolment of the occurrence ever staged: its newest staged row, and the newest that holds
    module states (the same row, an older one when the newest failed or found the student gone from
    Canvas, or None). Downloads read Active students only, so a withdrawn student's states are those
    staged before they left, and they stay in the picture beside the students read since."""
    newest = (select(func.max(ModuleStateDownload.id))
              .where(ModuleStateDownload.occurrence_id == occurrence_id).group_by(ModuleStateDownload.enrolment_id))
    # A staged row holds states unless it says why not (its error); a JSON column's "null" is no SQL NULL.
    with_states = (select(func.max(ModuleStateDownload.id))
                   .where(ModuleStateDownload.occurrence_id == occurrence_id, ModuleStateDownload.error.is_(None))
                   .group_by(ModuleStateDownload.enrolment_id))
    stages = db.session.scalars(
        select(ModuleStateDownload).where(ModuleStateDownload.id.in_(newest.union(with_states)))
        .options(selectinload(ModuleStateDownload.enrolment).options(
            joinedload(Enrolment.client), joinedload(Enrolment.status), joinedload(Enrolment.transfer),
            selectinload(Enrolment.plan_units).joinedload(TrainingPlanUnit.result_type),
            selectinload(Enrolment.enrolment_tasks).joinedload(EnrolmentTask.task_status)))).all()
    by_enrolment: dict[int, list[ModuleStateDownload]] = {}
    for stage in sorted(stages, key=lambda s: s.id):
        by_enrolment.setdefault(stage.enrolment_id, []).append(stage)
    return [(found[-1], next((s for s in reversed(found) if s.error is None), None))
            for found in by_enrolment.values()]


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
    """Every staged student of the occurrence as last read from Canvas; no Canvas call."""
    link = current_link(occurrence)
    grid = Grid(occurrence, link)
    if link is None:
        return grid
    grid.columns = columns_of(link)
    grid.run_id = last_download_run(occurrence.id)
    if grid.run_id is None:
        return grid
    requirements = {m.canvas_module_id: m.requirement_count for m in link.modules}
    for newest, read in _latest_stages(occurrence.id):
        states = _module_states(read.states if read else None, requirements)
        saved = _saved(newest.enrolment)
        cells = []
        for column in grid.columns:
            modules = tuple(sorted((states[i] for i in column.module_ids if i in states),
                                   key=lambda m: (m.name, m.canvas_module_id)))
            state = canvas_state(modules)
            cells.append(Cell(state, saved.get(column.key), agreement(state, saved.get(column.key)), modules))
        note = (newest.error or "") if newest is not read else ""
        grid.rows.append(Row(newest.enrolment, cells, note, read.fetched_at if read else None))
    grid.rows.sort(key=lambda r: (r.enrolment.client.last_name, r.enrolment.client.first_name, r.enrolment.id))
    return grid
