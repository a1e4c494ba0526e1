"""No lost edits: a person's save carries the version of the record its form was opened at, and a save
over a newer version is refused. The refusal says who changed the record since, when and what, and
nothing is saved; the caller sends the form back with what was typed.

Every change raises a record's version (models.base.Versioned), a job's as much as a person's, so a
form opened before a transfer or a download changed the row is refused too. Jobs carry no version:
nothing here ever refuses them.
"""

from collections.abc import Callable, Mapping

from sqlalchemy import select, update

from ..extensions import db
from ..models import AuditEntry, ResultProvenance
from ..rto_time import format_rto_time, rto_zone_name
from . import DomainError

# How a refused save names a field and its values: {field: (label, {stored value: words})}. Fields
# left out are named after the field, with their values as the audit log keeps them.
Words = Mapping[str, tuple[str, Mapping]]
# Says, for a record refused over a newer version, who changed it since the version given, when and
# what: "Ann Admin changed it on 03/12/2026 at 14:05 (Email: a@x → b@x)".
Changed = Callable[[object, int], str]
# Who made a change no person made: a transfer, a download, the nightly run.
CANVASLINK = "canvaslink itself (a transfer or download from Canvas)"


class NewerVersion(DomainError):
    """A person's save opened at an older version of the record than the one stored. `changed` says who
    changed it since, when and what; `version` is the stored one: the form sent back carries it from
    now on, so saving again is a choice made knowing what changed."""

    def __init__(self, changed: str, version: int, again: str):
        super().__init__(f"{changed}. Nothing was saved: what you entered is still here. Check it against that "
                         f"change, then press {again} again to save yours over it.")
        self.changed, self.version = changed, version


def check_version(record, opened: int | None, changed: Changed, *, again: str = "Save") -> None:
    """Refuse (NewerVersion) a person's save of `record` opened at version `opened` when the record has
    a newer one. Otherwise the row is held until the save commits, so that no other save slips in
    between this check and this save. A save that carries no version (a script, a page served before
    versions) is not checked. `again` names the button that saves it after all."""
    if opened is None:
        return
    model = type(record)
    if record.version == opened:
        held = db.session.execute(update(model).where(model.id == record.id, model.version == opened)
                                  .values(version=model.version).execution_options(synchronize_session=False))
        if held.rowcount == 1:
            return
        db.session.refresh(record)  # another save committed since this request read the record
    raise NewerVersion(changed(record, opened), record.version, again)


def touch(record) -> None:
    """Raise `record`'s version for a change to rows of its own (a role's rights) that leaves its
    columns as they were."""
    record.version = type(record).version + 1


def audited(entity: str, what: str, words: Words | None = None) -> Changed:
    """Who changed the record since, from the audit log: each entry above the version opened, field
    by field; what no entry accounts for was canvaslink itself."""

    def changed(record, opened: int) -> str:
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == entity, AuditEntry.entity_id == record.id, AuditEntry.record_version > opened)
            .order_by(AuditEntry.record_version, AuditEntry.id)).all()
        by = [f"{who(entry.user)} on {when(entry.at, zone=n == 0)}{_fields(entry.changes, words or {})}"
              for n, entry in enumerate(entries)]
        if record.version - opened > len({entry.record_version for entry in entries}):
            by.append(CANVASLINK)
        return f"{what} was changed after you opened it" + (f", by {'; then by '.join(by)}" if by else "")

    return changed


def provenance(target, what: str) -> Changed:
    """Who changed a training-plan row or task row since: the row's newest provenance (`target` is its
    column, ResultProvenance.plan_unit_id or .enrolment_task_id), which every save of a result or a
    status writes, a person's or a transfer's."""

    def changed(row, opened: int) -> str:
        latest = db.session.scalar(select(ResultProvenance).where(target == row.id)
                                   .order_by(ResultProvenance.processed_at.desc(), ResultProvenance.id.desc()).limit(1))
        if latest is None:
            return f"{what} was changed after you opened the page"
        by = latest.processed_by.display_name if latest.processed_by else "canvaslink's automatic transfer from Canvas"
        return (f"{what} was changed after you opened the page, by {by} on {when(latest.processed_at)} "
                f"({latest.previous} → {latest.saved})")

    return changed


def mentioned(entity: str, entity_id: int, name: str, what: str, actions: tuple[str, ...]) -> Changed:
    """Who changed a row audited as part of another record (a module mapping, audited on its occurrence
    under the module's name): that record's newest entry of `actions` that names the row."""

    def changed(row, opened: int) -> str:
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == entity, AuditEntry.entity_id == entity_id, AuditEntry.action.in_(actions))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(50))
        latest = next((entry for entry in entries if name in entry.changes), None)
        if latest is None:
            return f"{what} was changed after you opened the page"
        before, after = latest.changes[name]
        return (f"{what} was changed after you opened the page, by {who(latest.user)} on {when(latest.at)} "
                f"({before} → {after})")

    return changed


def who(user) -> str:
    return user.display_name if user is not None else "canvaslink itself"


def when(moment, *, zone: bool = True) -> str:
    """As pages show times: the RTO's date and time, naming its zone (once in a message)."""
    day, time = format_rto_time(moment).split(" ")
    return f"{day} at {time}" + (f" {rto_zone_name()} time" if zone else "")


def shown(value, choices: Mapping | None = None) -> str:
    """A value as staff read it: the words of a choice, Yes/No, — for nothing."""
    if choices and value in choices:
        return str(choices[value])
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _fields(changes: dict, words: Words) -> str:
    said = []
    for field, change in changes.items():
        label, choices = words.get(field, (field.replace("_", " ").capitalize(), {}))
        if isinstance(change, list | tuple) and len(change) == 2:
            before, after = shown(change[0], choices), shown(change[1], choices)
            if before != after:  # "" and None alike are nothing to a reader
                said.append(f"{label}: {before} → {after}")
        else:  # a secret: only that it was set, replaced or removed
            said.append(f"{label} {change}")
    return f" ({'; '.join(said)})" if said else ""
