"""A linked course's module list, kept from Canvas (modules gone from Canvas are kept and shown as
such), and module mappings: each module to at most one unit and one task, suggested by name.

Canvas calls go through a CanvasClient handed in by the caller, so tests and jobs choose how it is built."""

from collections.abc import Mapping

from ...extensions import db
from ...models import CanvasModule, OccurrenceLink, Task, Unit
from .. import DomainError
from ..audit import record
from ..canvas import CanvasClient, CanvasError
from ..clock import naive_utc, utcnow
from .listing import reconcile
from .matching import TaskRef, UnitRef, match_modules


def update_module_list(link: OccurrenceLink, client: CanvasClient, actor_id: int) -> dict:
    """Fetch the course's modules (every page) and bring our list up to date.

    Only modules new to the list get automatic matches: a module staff left unmapped stays
    unmapped, and every existing mapping is kept. Modules gone from Canvas are marked removed
    with their mapping kept for the record; a renamed module keeps its mapping too (mapping health asks
    a person to confirm it). The history says what changed; returns counts, and each rename as
    (old name, new name), for the page.
    """
    try:
        fetched = client.list_modules(link.canvas_course_id, with_items=True)
    except CanvasError as err:
        raise DomainError(f"Could not fetch the modules of “{link.canvas_course_name}”: {err}") from None
    now = utcnow()

    def update(row: CanvasModule, module) -> None:
        row.position, row.unlock_at = module.position, naive_utc(module.unlock_at)
        row.requirement_count = _requirement_count(module)

    done = reconcile(link.modules, ((m.id, m.name, m) for m in fetched), lambda row: row.canvas_module_id,
                     lambda module_id: CanvasModule(canvas_module_id=module_id), update,
                     lambda row: _label(row.unit_id, row.task_id), now)
    added, returned, renamed, removed, changes = done.added, done.returned, done.renamed, done.removed, done.changes
    link.modules_updated_at = now
    _suggest(link, added)
    db.session.flush()
    for row in added:
        changes[row.name] = ["new", _label(row.unit_id, row.task_id, auto=True)]
    summary = {"total": len(fetched), "added": len(added), "removed": len(removed), "returned": len(returned),
               "renamed": renamed, "without_requirements": without_requirements(link)}
    record(actor_id, "occurrence", link.occurrence_id, "modules",
           f"Updated the Canvas module list: {len(fetched)} modules, {len(added)} new, {len(removed)} removed"
           f"{f', {len(renamed)} renamed' if renamed else ''}"
           f"{f', {len(returned)} back again' if returned else ''}; mappings kept", changes)
    return summary


def _requirement_count(module) -> int | None:
    if module.items is None:
        return None
    return sum(1 for item in module.items if item.completion_requirement is not None)


def without_requirements(link: OccurrenceLink) -> list[str]:
    """Mapped modules that Canvas completes for every student: no evidence of anything."""
    return [m.name for m in link.modules
            if m.removed_at is None and m.requirement_count == 0 and (m.unit_id or m.task_id)]



def _suggest(link: OccurrenceLink, modules: list[CanvasModule]) -> None:
    """Automatic matches for modules new to the list, within the integration's transfer levels."""
    occurrence = link.occurrence
    matches = match_modules(
        {m.canvas_module_id: m.name for m in modules},
        [UnitRef(u.id, u.code, u.name) for u in occurrence.units],
        [TaskRef(t.id, t.name) for t in occurrence.tasks],
        match_units=link.integration.transfer_units, match_tasks=link.integration.transfer_tasks)
    for module in modules:
        match = matches[module.canvas_module_id]
        module.unit_id, module.unit_auto = match.unit_id, match.unit_id is not None
        module.task_id, module.task_auto = match.task_id, match.task_id is not None
        module.mapped_name = module.name if (module.unit_id or module.task_id) else None


def save_mappings(link: OccurrenceLink, chosen: Mapping[int, tuple[int | None, int | None]], actor_id: int) -> int:
    """Save every module's unit/task at once (module row id → (unit id, task id)); returns how many changed.

    A mapping that differs from the automatic suggestion becomes a person's choice.
    """
    occurrence = link.occurrence
    unit_ids = {u.id for u in occurrence.units} if link.integration.transfer_units else set()
    task_ids = {t.id for t in occurrence.tasks} if link.integration.transfer_tasks else set()
    modules = {m.id: m for m in link.modules}
    changes = {}
    for module_id, (unit_id, task_id) in chosen.items():
        module = modules.get(module_id)
        if module is None:
            raise DomainError("The module list changed while you were mapping; reload the page and try again.")
        if unit_id is not None and unit_id not in unit_ids:
            raise DomainError(f"“{module.name}” can only map to a unit of this occurrence"
                              f"{'' if link.integration.transfer_units else ' (unit transfer is off)'}.")
        if task_id is not None and task_id not in task_ids:
            raise DomainError(f"“{module.name}” can only map to a task of this occurrence"
                              f"{'' if link.integration.transfer_tasks else ' (task transfer is off)'}.")
        if (module.unit_id, module.task_id) != (unit_id, task_id):
            changes[module.name] = [_label(module.unit_id, module.task_id), _label(unit_id, task_id)]
        if module.unit_id != unit_id:
            module.unit_id, module.unit_auto = unit_id, False
        if module.task_id != task_id:
            module.task_id, module.task_auto = task_id, False
        # Saving the page confirms each mapping under the name the person saw.
        module.mapped_name = module.name if (unit_id or task_id) else None
    db.session.flush()
    if changes:
        record(actor_id, "occurrence", occurrence.id, "mapping", f"Changed {len(changes)} module mapping(s)", changes)
    return len(changes)


def _label(unit_id: int | None, task_id: int | None, auto: bool = False) -> str:
    parts = []
    if unit_id:
        parts.append(db.session.get(Unit, unit_id).code)
    if task_id:
        parts.append(db.session.get(Task, task_id).name)
    if not parts:
        return "unmapped"
    return ("matched to " if auto else "") + " + ".join(parts)
