"""Canvas exceptions: the students that need a look, one small query per kind; a new kind is one
function added to KINDS."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, union
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import (
    ACCESS_ENDED, ACCESS_LIVE, Client, Enrolment, EnrolmentStatus, EnrolmentTask, EnrolmentTransfer, JobRun,
    JobRunItem, ModuleStateDownload, Occurrence, OccurrenceLink, ResultProvenance, StatusType, TrainingPlanUnit,
)
from ..canvas_sync import runs as canvas_sync_runs, transfer as enrolment_transfer
from ..canvas_sync.decide import wanted_access
from ..canvas_sync.plan import options_for
from ..canvas_sync.sharing import others_of
from ..canvas_sync.states import state_label
from ..engagement import quiet
from .progress import COMPLETED, DISAGREE, LOCKED, UNLOCKED, progress_grid


@dataclass(frozen=True)
class ExceptionRow:
    kind: str
    occurrence_id: int
    enrolment_id: int | None  # None: a student removed from the occurrence (their Canvas enrolment outlives it)
    student: str     # "Full Name (code)"
    detail: str
    since: datetime | None = None


def _label(enrolment: Enrolment) -> str:
    return f"{enrolment.client.full_name} ({enrolment.client.code})"


def _linked_occurrences(occurrence_id: int | None) -> list[int]:
    query = select(OccurrenceLink.occurrence_id).where(OccurrenceLink.is_current)
    if occurrence_id is not None:
        query = query.where(OccurrenceLink.occurrence_id == occurrence_id)
    return sorted(set(db.session.scalars(query)))


def _active_enrolments(occurrence_ids: list[int]):
    return (select(Enrolment).join(EnrolmentStatus, Enrolment.status_id == EnrolmentStatus.id)
            .where(Enrolment.occurrence_id.in_(occurrence_ids), EnrolmentStatus.status_type == StatusType.ACTIVE)
            .options(joinedload(Enrolment.client)))


def not_transferred(occurrence_id: int | None) -> list[ExceptionRow]:
    """Active enrolments of a linked occurrence that are not in Canvas (and whose last try did not fail)."""
    failed = {row.enrolment_id for row in transfer_failed(occurrence_id)}
    enrolments = db.session.scalars(_active_enrolments(_linked_occurrences(occurrence_id))
                                    .where(~Enrolment.transfer.has())).all()
    return [ExceptionRow("not_transferred", e.occurrence_id, e.id, _label(e), "Not transferred to Canvas yet.")
            for e in enrolments if e.id not in failed]


def transfer_failed(occurrence_id: int | None) -> list[ExceptionRow]:
    """Enrolments not in Canvas whose latest transfer attempt failed, with Canvas's reason."""
    latest = (select(JobRunItem.item_key, func.max(JobRunItem.id).label("item_id"))
              .join(JobRun, JobRunItem.run_id == JobRun.id).where(JobRun.kind == enrolment_transfer.KIND)
              .group_by(JobRunItem.item_key).subquery())
    items = db.session.scalars(select(JobRunItem).join(latest, JobRunItem.id == latest.c.item_id)
                               .where(JobRunItem.ok.is_(False))).all()
    ids = {int(item.item_key): item for item in items}
    if not ids:
        return []
    enrolments = db.session.scalars(_active_enrolments(_linked_occurrences(occurrence_id))
                                    .where(Enrolment.id.in_(ids), ~Enrolment.transfer.has())).all()
    return [ExceptionRow("transfer_failed", e.occurrence_id, e.id, _label(e), ids[e.id].message or "Failed.",
                         ids[e.id].at) for e in enrolments]


def invited(occurrence_id: int | None) -> list[ExceptionRow]:
    """Sent an invitation the student has not accepted; the age is since the transfer."""
    query = (select(EnrolmentTransfer).where(EnrolmentTransfer.canvas_state == "invited",
                                             EnrolmentTransfer.enrolment_id.is_not(None))
             .options(joinedload(EnrolmentTransfer.enrolment).joinedload(Enrolment.client)))
    if occurrence_id is not None:
        query = query.where(EnrolmentTransfer.enrolment.has(Enrolment.occurrence_id == occurrence_id))
    return [ExceptionRow("invited", t.enrolment.occurrence_id, t.enrolment_id, _label(t.enrolment),
                         "Invited to Canvas; the invitation is not accepted yet.", t.transferred_at)
            for t in db.session.scalars(query)]


def _grid_cells(occurrence_id: int | None, wanted: Callable) -> list[tuple]:
    found = []
    for linked_id in _linked_occurrences(occurrence_id):
        grid = progress_grid(db.session.get(Occurrence, linked_id))
        for row in grid.rows:
            for column, cell in zip(grid.columns, row.cells):
                if cell.agrees == DISAGREE and wanted(cell):
                    found.append((linked_id, row, column, cell, row.read_at))
    return found


def completed_without_result(occurrence_id: int | None) -> list[ExceptionRow]:
    return [ExceptionRow("completed_no_result", occ, row.enrolment.id, _label(row.enrolment),
                         f"{column.label}: completed in Canvas, "
                         f"{'saved as ' + cell.saved.name if cell.saved else 'no result saved'}.", at)
            for occ, row, column, cell, at in _grid_cells(occurrence_id, lambda c: c.state == COMPLETED)]


def saved_but_not_started(occurrence_id: int | None) -> list[ExceptionRow]:
    cells = _grid_cells(occurrence_id, lambda c: c.state in (LOCKED, UNLOCKED))
    graded = _decided_by_grades({row.enrolment.id for _, row, _, _, _ in cells})
    return [ExceptionRow("saved_not_started", occ, row.enrolment.id, _label(row.enrolment),
                         f"{column.label}: {cell.saved.name} saved, but Canvas shows it {cell.state}.", at)
            for occ, row, column, cell, at in cells if (row.enrolment.id, column.key) not in graded]


def _decided_by_grades(enrolment_ids: set[int]) -> set[tuple[int, str]]:
    """(enrolment, "u<unit>"/"t<task>") whose newest saved result rests on an assessor's grade: work marked
    on paper leaves its modules unfinished, which is no mismatch with a result the grade decided."""
    if not enrolment_ids:
        return set()
    newest = (select(func.max(ResultProvenance.id)).where(ResultProvenance.enrolment_id.in_(enrolment_ids))
              .group_by(ResultProvenance.plan_unit_id, ResultProvenance.enrolment_task_id))
    rows = db.session.execute(
        select(ResultProvenance.enrolment_id, TrainingPlanUnit.unit_id, EnrolmentTask.task_id)
        .outerjoin(TrainingPlanUnit, ResultProvenance.plan_unit_id == TrainingPlanUnit.id)
        .outerjoin(EnrolmentTask, ResultProvenance.enrolment_task_id == EnrolmentTask.id)
        .where(ResultProvenance.id.in_(newest), ResultProvenance.canvas_grade.is_not(None))).all()
    return {(enrolment_id, f"u{unit_id}" if unit_id is not None else f"t{task_id}")
            for enrolment_id, unit_id, task_id in rows}


def concluded_in_canvas(occurrence_id: int | None) -> list[ExceptionRow]:
    """Students whose enrolment ended in Canvas, as their newest download found them."""
    newest = (select(ModuleStateDownload.enrolment_id, func.max(ModuleStateDownload.id).label("stage_id"))
              .group_by(ModuleStateDownload.enrolment_id).subquery())
    query = (select(ModuleStateDownload).join(newest, ModuleStateDownload.id == newest.c.stage_id)
             .where(ModuleStateDownload.canvas_state.is_not(None))
             .options(joinedload(ModuleStateDownload.enrolment).joinedload(Enrolment.client)))
    if occurrence_id is not None:
        query = query.where(ModuleStateDownload.occurrence_id == occurrence_id)
    return [ExceptionRow("concluded", s.occurrence_id, s.enrolment_id, _label(s.enrolment),
                         s.error or "Concluded in Canvas: progress no longer readable.", s.fetched_at)
            for s in db.session.scalars(query)]


def held_by_guard(occurrence_id: int | None) -> list[ExceptionRow]:
    """Students whose loss of Canvas access the mass-change guard holds until a person confirms
    (Canvas enrolments page of the occurrence); the unattended run never confirms it. Since: when the
    guard first held them."""
    query = (select(EnrolmentTransfer).where(EnrolmentTransfer.held_run_id.is_not(None),
                                             EnrolmentTransfer.enrolment_id.is_not(None))
             .options(joinedload(EnrolmentTransfer.enrolment).joinedload(Enrolment.client)))
    if occurrence_id is not None:
        query = query.where(EnrolmentTransfer.enrolment.has(Enrolment.occurrence_id == occurrence_id))
    return [ExceptionRow("held", t.enrolment.occurrence_id, t.enrolment_id, _label(t.enrolment),
                         f"Held by the mass-change guard (run {t.held_run_id}): their Canvas access ends when a "
                         "person confirms the count on the occurrence's Canvas enrolments page.", t.held_at)
            for t in db.session.scalars(query)]


def shares_account(occurrence_id: int | None) -> list[ExceptionRow]:
    """Transferred students whose Canvas user is another client's too (linked before canvaslink kept
    one Canvas account to one student): downloads and pushes skip them until a person sorts it out."""
    pairs = union(select(EnrolmentTransfer.canvas_user_id.label("user_id"), EnrolmentTransfer.client_id)
                  .where(EnrolmentTransfer.client_id.is_not(None)),
                  select(Client.canvas_user_id.label("user_id"), Client.id.label("client_id"))
                  .where(Client.canvas_user_id.is_not(None))).subquery()
    shared = (select(pairs.c.user_id).group_by(pairs.c.user_id)
              .having(func.count(func.distinct(pairs.c.client_id)) > 1))
    query = (select(EnrolmentTransfer).where(EnrolmentTransfer.canvas_user_id.in_(shared),
                                             EnrolmentTransfer.enrolment_id.is_not(None))
             .options(joinedload(EnrolmentTransfer.enrolment).joinedload(Enrolment.client)))
    if occurrence_id is not None:
        query = query.where(EnrolmentTransfer.enrolment.has(Enrolment.occurrence_id == occurrence_id))
    transfers = db.session.scalars(query).all()
    named = others_of((t.canvas_user_id, t.enrolment.client_id) for t in transfers)
    rows = []
    for t in transfers:
        others = named.get((t.canvas_user_id, t.enrolment.client_id))
        rows.append(ExceptionRow("shares_account", t.enrolment.occurrence_id, t.enrolment_id, _label(t.enrolment),
                                 f"Canvas user {t.canvas_user_id} is also {others}'s Canvas account. Result downloads "
                                 "and pushes skip both until the wrong client's Canvas user id is corrected.",
                                 t.transferred_at))
    return rows


def access_not_ended(occurrence_id: int | None) -> list[ExceptionRow]:
    """Students who should have lost their Canvas access (withdrawn, cancelled, removed from the
    occurrence; completed where the integration concludes on completion) and still have it, because
    ending it failed: they can still work in the course. Each sync tries again."""
    query = (select(EnrolmentTransfer).join(OccurrenceLink, EnrolmentTransfer.link_id == OccurrenceLink.id)
             .where(OccurrenceLink.is_current, EnrolmentTransfer.access == ACCESS_LIVE,
                    EnrolmentTransfer.sync_error.is_not(None))
             .options(joinedload(EnrolmentTransfer.enrolment).options(joinedload(Enrolment.client),
                                                                      joinedload(Enrolment.status)),
                      joinedload(EnrolmentTransfer.client), joinedload(EnrolmentTransfer.link)))
    if occurrence_id is not None:
        query = query.where(OccurrenceLink.occurrence_id == occurrence_id)
    stuck = [t for t in db.session.scalars(query) if t.link.integration is not None and wanted_access(
        t.enrolment.status.status_type if t.enrolment else None, options_for(t.link.integration)) == ACCESS_ENDED]
    tried = _last_failed_sync({_sync_key(t) for t in stuck})
    rows = []
    for t in stuck:
        here = f"{t.enrolment.status.name} here" if t.enrolment else "Removed from the occurrence here"
        student = _label(t.enrolment) if t.enrolment else (
            f"{t.client.full_name} ({t.client.code})" if t.client else f"Canvas user {t.canvas_user_id}")
        state = state_label(t.canvas_state)
        rows.append(ExceptionRow("access_not_ended", t.link.occurrence_id, t.enrolment_id, student,
                                 f"{here}, still {state[:1].lower()}{state[1:]}: {t.sync_error}",
                                 tried.get(_sync_key(t))))
    return rows


def not_active(occurrence_id: int | None) -> list[ExceptionRow]:
    """Active students with access whose last activity in Canvas is older than the integration's days."""
    return [ExceptionRow(**vars(q)) for q in quiet.quiet_students(occurrence_id, quiet.NOT_ACTIVE)]


def never_active(occurrence_id: int | None) -> list[ExceptionRow]:
    """Active students with access never active in Canvas that many days after their enrolment started."""
    return [ExceptionRow(**vars(q)) for q in quiet.quiet_students(occurrence_id, quiet.NEVER_ACTIVE)]


def _sync_key(transfer: EnrolmentTransfer) -> str:
    """A sync run's item key for the student: the enrolment id, or "t<id>" once it was removed."""
    return str(transfer.enrolment_id) if transfer.enrolment_id else f"t{transfer.id}"


def _last_failed_sync(keys: set[str]) -> dict[str, datetime]:
    if not keys:
        return {}
    return dict(db.session.execute(
        select(JobRunItem.item_key, func.max(JobRunItem.at)).join(JobRun, JobRunItem.run_id == JobRun.id)
        .where(JobRun.kind.in_((canvas_sync_runs.KIND, canvas_sync_runs.BULK_KIND)), JobRunItem.ok.is_(False),
               JobRunItem.item_key.in_(keys))
        .group_by(JobRunItem.item_key)).all())


# kind → (heading, query).
KINDS: dict[str, tuple[str, Callable[[int | None], list[ExceptionRow]]]] = {
    "not_transferred": ("Not transferred", not_transferred),
    "transfer_failed": ("Transfer failed", transfer_failed),
    "invited": ("Invited but not accepted", invited),
    "completed_no_result": ("Completed in Canvas, no result saved", completed_without_result),
    "saved_not_started": ("Result saved, Canvas shows not started", saved_but_not_started),
    "held": ("Held by the mass-change guard", held_by_guard),
    "access_not_ended": ("Access not ended in Canvas", access_not_ended),
    "concluded": ("Concluded in Canvas: progress no longer readable", concluded_in_canvas),
    "shares_account": ("Shares a Canvas account", shares_account),
    quiet.NOT_ACTIVE: ("Not active in Canvas", not_active),
    quiet.NEVER_ACTIVE: ("Never active in Canvas", never_active),
}


def exception_list(occurrence_id: int | None, kind: str | None = None) -> list[ExceptionRow]:
    """Every exception (or those of one kind), by kind then occurrence then student."""
    chosen = [kind] if kind in KINDS else list(KINDS)
    rows = [row for name in chosen for row in KINDS[name][1](occurrence_id)]
    order = list(KINDS)
    return sorted(rows, key=lambda r: (order.index(r.kind), r.occurrence_id, r.student, r.detail))


CSV_HEADER = ("Exception", "Occurrence", "Student", "Detail", "Since")
