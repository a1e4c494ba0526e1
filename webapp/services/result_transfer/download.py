"""Transfer results from Canvas: download module states (staged per enrolment as they arrive),
review the proposals of the pure decision (proposals.propose), and save rows, each in
its own transaction, with provenance."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import (
    Client, Enrolment, EnrolmentTask, EnrolmentTransfer, JobRun, LmsIntegration, ModuleStateDownload, OccurrenceLink,
    ResultProvenance, ResultType, TaskStatus, TrainingPlanUnit,
)
from .. import DomainError
from ..audit import utcnow
from ..canvas import CanvasError
from ..enrolments import record_unit_result, set_task_status
from ..integrations import canvas_client
from ..job_runs import end_run, mark_running, record_item, start_run, stopped_by_cancel
from .proposals import (
    CHANGE, INVALID, START_FROM_ENROLMENT, START_FROM_PLAN, START_FROM_UNLOCK, START_ON_DATE, START_TODAY, CurrentResult, CurrentTask, Defaults, ModuleMapping, ModuleState, Outcome,
    PlanUnit, Proposal, StartRule, Student, propose,
)

KIND = "result_download"


# Download ---------------------------------------------------------------------------------

def transferred_enrolments(link: OccurrenceLink) -> list[int]:
    """Enrolments of the linked occurrence that are in Canvas (transferred)."""
    return list(db.session.scalars(select(Enrolment.id).where(
        Enrolment.occurrence_id == link.occurrence_id, Enrolment.transfer.has())))


def start_download(link: OccurrenceLink | None, actor_id: int) -> JobRun:
    if link is None:
        raise DomainError("Link the occurrence to Canvas first.")
    ids = transferred_enrolments(link)
    if not ids:
        raise DomainError("No enrolment of this occurrence has been transferred to Canvas yet: transfer the "
                          "enrolments first, then their results can come back.")
    return start_run(KIND, link.occurrence_id, {"enrolment_ids": sorted(ids)}, len(ids), actor_id)


@dataclass(frozen=True)
class _Fetch:
    enrolment_id: int
    occurrence_id: int
    course_id: int
    canvas_user_id: int
    label: str


def _current_links(occurrence_ids) -> dict[int, OccurrenceLink]:
    links = db.session.scalars(select(OccurrenceLink).where(
        OccurrenceLink.occurrence_id.in_(occurrence_ids), OccurrenceLink.unlinked_at.is_(None)))
    return {link.occurrence_id: link for link in links}


def run_download(run: JobRun) -> None:
    """Fetch the module states of the run's enrolments, one Canvas call each, concurrently per
    integration; each student's states are committed as they arrive. Resuming skips staged ones."""
    mark_running(run)
    db.session.commit()
    staged = set(db.session.scalars(select(ModuleStateDownload.enrolment_id).where(
        ModuleStateDownload.run_id == run.id)))
    # Plain rows, not ORM objects: every per-student commit below expires all the objects the
    # session holds, which for thousands of loaded enrolments made the run CPU-bound.
    rows = db.session.execute(
        select(Enrolment.id, Enrolment.occurrence_id, EnrolmentTransfer.canvas_user_id, Client.first_name,
               Client.last_name, Client.code)
        .join(EnrolmentTransfer, EnrolmentTransfer.enrolment_id == Enrolment.id)
        .join(Client, Client.id == Enrolment.client_id)
        .where(Enrolment.id.in_(run.params["enrolment_ids"]))).all()
    links = _current_links({r.occurrence_id for r in rows})
    by_integration: dict[int, list[_Fetch]] = defaultdict(list)
    for r in rows:
        link = links.get(r.occurrence_id)
        if r.id in staged or link is None:
            continue
        by_integration[link.integration_id].append(_Fetch(r.id, r.occurrence_id, link.canvas_course_id,
                                                          r.canvas_user_id, f"{r.first_name} {r.last_name} ({r.code})"))
    for integration_id, fetches in by_integration.items():
        if not _download_with(run, db.session.get(LmsIntegration, integration_id), fetches):
            return
    end_run(run)
    db.session.commit()


def _download_with(run: JobRun, integration: LmsIntegration, fetches: list[_Fetch]) -> bool:
    """False when the run was cancelled."""
    wanted = {f.enrolment_id: f for f in fetches}
    try:
        # Canvas admits about 11 requests in flight per token (reference §7); the limiter finds the room.
        client = canvas_client(integration, max_concurrency=12)
    except DomainError as err:
        for fetch in fetches:
            _stage(run, fetch, None, err.message)
        db.session.commit()
        return True
    with client:
        for enrolment_id, result in client.run_concurrently(
                lambda key: client.get_student_module_states(wanted[key].course_id, wanted[key].canvas_user_id),
                list(wanted)):
            try:
                if isinstance(result, CanvasError):
                    _stage(run, wanted[enrolment_id], None, str(result))
                else:
                    _stage(run, wanted[enrolment_id], [_state_json(m) for m in result], None)
                db.session.commit()
            except IntegrityError:  # a worker thought dead had staged it after all: keep the first
                db.session.rollback()
            if stopped_by_cancel(run, "what was downloaded is kept."):
                return False
    return True


def _state_json(module) -> dict:
    return {"id": module.id, "name": module.name, "state": module.state,
            "completed_at": module.completed_at.isoformat() if module.completed_at else None,
            "unlock_at": module.unlock_at.isoformat() if module.unlock_at else None}


def _stage(run: JobRun, fetch: _Fetch, states: list | None, error: str | None) -> None:
    db.session.add(ModuleStateDownload(run_id=run.id, enrolment_id=fetch.enrolment_id,
                                       occurrence_id=fetch.occurrence_id, canvas_user_id=fetch.canvas_user_id,
                                       states=states, error=error, fetched_at=utcnow()))
    record_item(run, fetch.enrolment_id, fetch.label, "failed" if error else "downloaded",
                error or f"{len(states)} module states", ok=error is None)


# Review -----------------------------------------------------------------------------------

@dataclass
class StudentReview:
    enrolment: Enrolment
    proposals: list[Proposal]
    error: str | None = None


def _aware(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _outcome_of_type(result_type: ResultType | None) -> Outcome | None:
    return Outcome(result_type.id, result_type.name, final=result_type.is_final) if result_type else None


def _outcome_of_status(status: TaskStatus | None) -> Outcome | None:
    return Outcome(status.id, status.name, final=status.is_complete, rank=status.position) if status else None


@dataclass
class _OccurrenceContext:
    """What every student of one linked occurrence shares in the decision."""
    link: OccurrenceLink
    mappings: list[ModuleMapping]
    matrix: dict[int, tuple[frozenset[int], frozenset[int]]]
    defaults: Defaults


def _context(link: OccurrenceLink) -> _OccurrenceContext:
    integration = link.integration
    mappings = [ModuleMapping(m.canvas_module_id, m.unit_id, m.task_id) for m in link.modules
                if m.unit_id or m.task_id]
    matrix = {task.id: (frozenset(c.unit_id for c in task.matrix if c.starts),
                        frozenset(c.unit_id for c in task.matrix if c.completes))
              for task in link.occurrence.tasks}
    defaults = Defaults(
        unit_on_start=_outcome_of_type(integration.result_on_start_type) if integration.result_on_start else None,
        unit_on_complete=(_outcome_of_type(integration.result_on_complete_type)
                          if integration.result_on_complete else None),
        started_end_months=integration.started_end_months,
        task_on_start=_outcome_of_status(integration.task_on_start_status) if integration.task_on_start else None,
        task_on_complete=(_outcome_of_status(integration.task_on_complete_status)
                          if integration.task_on_complete else None),
        time_zone=integration.time_zone)
    return _OccurrenceContext(link, mappings, matrix, defaults)


def _student(enrolment: Enrolment) -> Student:
    plan = tuple(PlanUnit(pu.unit_id, f"{pu.unit.code} {pu.unit.name}", pu.planned_start,
                          CurrentResult(_outcome_of_type(pu.result_type), pu.result_start, pu.result_end)
                          if pu.result_type else None) for pu in enrolment.plan_units)
    tasks = tuple(CurrentTask(et.task_id, et.task.name, _outcome_of_status(et.task_status), et.status_date)
                  for et in enrolment.enrolment_tasks)
    return Student(enrolment.start_date, plan, tasks)


def review(run: JobRun, rule: StartRule, today: date, overrides: dict[int, dict[str, date]] | None = None,
           enrolment_ids: list[int] | None = None) -> list[StudentReview]:
    """The proposals for every student staged by the run (or just `enrolment_ids`)."""
    query = (select(ModuleStateDownload).where(ModuleStateDownload.run_id == run.id)
             .options(selectinload(ModuleStateDownload.enrolment)))
    if enrolment_ids is not None:
        query = query.where(ModuleStateDownload.enrolment_id.in_(enrolment_ids))
    rows = db.session.scalars(query).all()
    links = _current_links({r.occurrence_id for r in rows})
    contexts = {occurrence_id: _context(link) for occurrence_id, link in links.items()}
    reviews = []
    for row in rows:
        context = contexts.get(row.occurrence_id)
        if row.error or context is None:
            reviews.append(StudentReview(row.enrolment, [], row.error or "The occurrence is no longer linked."))
            continue
        states = [ModuleState(s["id"], s["name"], s["state"], _aware(s["completed_at"]), _aware(s["unlock_at"]))
                  for s in row.states]
        proposals = propose(states, context.mappings, context.matrix, context.defaults, _student(row.enrolment),
                            rule, today, (overrides or {}).get(row.enrolment_id))
        reviews.append(StudentReview(row.enrolment, proposals))
    reviews.sort(key=lambda r: (r.enrolment.occurrence_id, r.enrolment.client.last_name,
                                r.enrolment.client.first_name))
    return reviews


# Saving -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowValues:
    """What staff confirmed on a row (the proposal, possibly edited)."""
    outcome_id: int | None
    start: date | None
    end: date | None


def apply_row(run: JobRun, enrolment: Enrolment, proposal: Proposal, values: RowValues, actor_id: int) -> str:
    """Save one row; DomainError (nothing saved) when it is not valid or no longer applies."""
    if proposal.status == INVALID and values.start is None:
        raise DomainError(proposal.reason)
    if proposal.status != CHANGE and proposal.status != INVALID:
        raise DomainError(proposal.reason or "Nothing to save: already up to date.")
    if values.outcome_id is None:
        raise DomainError("Choose the result or status to record.")
    if proposal.kind == "unit":
        return _save_unit(run, enrolment, proposal, values, actor_id)
    return _save_task(run, enrolment, proposal, values, actor_id)


def _describe(name: str | None, start: date | None, end: date | None) -> str:
    if not name:
        return "—"
    dates = " – ".join(d.strftime("%d/%m/%Y") for d in (start, end) if d)
    return f"{name} {dates}".strip()


def _provenance(run, enrolment, proposal, previous, saved, actor_id, **target) -> None:
    link = _current_links([enrolment.occurrence_id]).get(enrolment.occurrence_id)
    db.session.add(ResultProvenance(
        enrolment_id=enrolment.id, integration_id=link.integration_id if link else None, run_id=run.id,
        canvas_modules=", ".join(proposal.modules), canvas_state=proposal.canvas_state,
        canvas_completed_at=proposal.completed_at.astimezone(timezone.utc).replace(tzinfo=None)
        if proposal.completed_at else None,
        previous=previous[:255], saved=saved[:255], processed_by_id=actor_id, processed_at=utcnow(), **target))


def _save_unit(run, enrolment, proposal, values, actor_id) -> str:
    plan_unit = db.session.scalar(select(TrainingPlanUnit).where(
        TrainingPlanUnit.enrolment_id == enrolment.id, TrainingPlanUnit.unit_id == proposal.target_id))
    result_type = db.session.get(ResultType, values.outcome_id)
    if plan_unit is None or result_type is None:
        raise DomainError("The training plan changed; download again.")
    if plan_unit.result_type is not None and plan_unit.result_type.is_final:
        raise DomainError(f"Already {plan_unit.result_type.name}: never replaced automatically.")
    previous = _describe(plan_unit.result_type.name if plan_unit.result_type else None, plan_unit.result_start,
                         plan_unit.result_end)
    record_unit_result(plan_unit, result_type=result_type, start=values.start, end=values.end)
    saved = _describe(result_type.name, values.start, values.end)
    _provenance(run, enrolment, proposal, previous, saved, actor_id, plan_unit_id=plan_unit.id)
    db.session.flush()
    return saved


def _save_task(run, enrolment, proposal, values, actor_id) -> str:
    enrolment_task = db.session.scalar(select(EnrolmentTask).where(
        EnrolmentTask.enrolment_id == enrolment.id, EnrolmentTask.task_id == proposal.target_id))
    status = db.session.get(TaskStatus, values.outcome_id)
    if enrolment_task is None or status is None:
        raise DomainError("The occurrence's tasks changed; download again.")
    current = enrolment_task.task_status
    if current is not None and (current.is_complete or current.position > status.position):
        raise DomainError(f"Already {current.name}: never moved back automatically.")
    on = values.end or values.start
    previous = _describe(current.name if current else None, enrolment_task.status_date, None)
    set_task_status(enrolment_task, status=status, on=on)
    saved = _describe(status.name, on, None)
    _provenance(run, enrolment, proposal, previous, saved, actor_id, enrolment_task_id=enrolment_task.id)
    db.session.flush()
    return saved


def start_rule(kind: str | None, on: date | None) -> StartRule:
    """The start-date option chosen on the review page (enrolment start date unless said otherwise)."""
    kinds = (START_FROM_UNLOCK, START_FROM_PLAN, START_FROM_ENROLMENT, START_TODAY, START_ON_DATE)
    return StartRule(kind if kind in kinds else START_FROM_ENROLMENT, on)


@dataclass
class Processed:
    saved: list[tuple[str, str]]
    skipped: list[tuple[str, str]]


def process_rows(run: JobRun, rule: StartRule, today: date, posted: dict[tuple[int, str], RowValues],
                 actor_id: int, only: tuple[int, str] | None = None,
                 enrolment_ids: list[int] | None = None) -> Processed:
    """Save every row that proposes a change (or just `only`), each in its own transaction.

    A start date typed on a row overrides the rule for that row (its end date follows unless
    the end was typed too); rows still missing a date, or with the end before the start, are
    skipped with the reason.
    """
    wanted = [only[0]] if only else enrolment_ids
    base_reviews = review(run, rule, today, enrolment_ids=wanted)
    base = {(r.enrolment.id, p.key): p for r in base_reviews for p in r.proposals}
    overrides: dict[int, dict[str, date]] = defaultdict(dict)
    for (enrolment_id, key), values in posted.items():
        proposal = base.get((enrolment_id, key))
        if proposal is not None and values.start and values.start != proposal.start:
            overrides[enrolment_id][key] = values.start
    result = Processed([], [])
    students = review(run, rule, today, overrides, enrolment_ids=wanted) if overrides else base_reviews
    for student in students:
        label = f"{student.enrolment.client.full_name} ({student.enrolment.client.code})"
        for proposal in student.proposals:
            row = (student.enrolment.id, proposal.key)
            if (only and row != only) or proposal.status not in (CHANGE, INVALID):
                continue
            typed = posted.get(row, RowValues(None, None, None))
            end = typed.end if typed.end and typed.end != base[row].end else proposal.end
            values = RowValues(typed.outcome_id or (proposal.proposed.id if proposal.proposed else None),
                               proposal.start, end)
            try:
                saved = apply_row(run, student.enrolment, proposal, values, actor_id)
                db.session.commit()
            except DomainError as err:
                db.session.rollback()
                result.skipped.append((f"{label}: {proposal.label}", err.message))
            else:
                result.saved.append((f"{label}: {proposal.label}", saved))
    return result
