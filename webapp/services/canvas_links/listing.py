"""Keeping a list read from a linked course (its modules, its assignments) in step with Canvas, by one
set of rules: a new entry is added, one gone from Canvas is marked removed with its mapping kept for
the record, one that comes back is restored, and a renamed one keeps its mapping, the rename shown."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Reconciled:
    added: list = field(default_factory=list)
    returned: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)   # (old name, new name)
    changes: dict[str, list[str]] = field(default_factory=dict)     # for the history


def reconcile(rows: list, fetched: Iterable[tuple[int, str, Any]], canvas_id: Callable[[Any], int],
              make_row: Callable[[int], Any], update: Callable[[Any, Any], None],
              label: Callable[[Any], str], now: datetime) -> Reconciled:
    """`rows` is the kept list (appended to); `fetched` gives (Canvas id, name, Canvas object) in
    Canvas's order. `update(row, object)` copies Canvas's fields other than the name; `label(row)`
    says what the row maps to."""
    known = {canvas_id(row): row for row in rows}
    done = Reconciled()
    present = set()
    for object_id, name, canvas_object in fetched:
        present.add(object_id)
        row = known.get(object_id)
        if row is None:
            row = make_row(object_id)
            rows.append(row)
            done.added.append(row)
        else:
            if row.removed_at is not None:
                row.removed_at = None
                done.returned.append(row)
                done.changes[name] = ["removed from Canvas", "back in Canvas"]
            if row.name != name:
                done.changes[name] = [row.name, f"renamed to {name} (mapping kept)"]
                done.renamed.append((row.name, name))
        row.name = name
        update(row, canvas_object)
    for row in rows:
        if canvas_id(row) not in present and row.removed_at is None:
            row.removed_at = now
            done.removed.append(row)
            done.changes[row.name] = [label(row), "removed from Canvas (mapping kept)"]
    return done
