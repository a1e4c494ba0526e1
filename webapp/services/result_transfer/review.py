"""Review: every staged student's proposals from the pure decision (proposals.propose), as both
review pages show them and as saving (save.py) takes them. A request reviews once: saving marks
what it did on the rows of that same review."""

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ...extensions import db
from ...models import (
    FROM_PERSON, Enrolment, EnrolmentTask, JobRun, ModuleStateDownload, OccurrenceLink, ResultProvenance, ResultType,
    StatusType, TaskStatus, TrainingPlanUnit, User,
)
from ...rto_time import rto_today, to_rto_time
from ..canvas_links.link import current_links
from .values import (
    CHANGE, INVALID, KEPT, UP_TO_DATE, CurrentResult, CurrentTask, Defaults, ModuleMapping, ModuleState, Origin,
    Outcome, PlanUnit, Proposal, Student,
)
from .grades import GradeRules, rules_from, staged_grades
from .start_rules import StartRule
from .proposals import propose
from ..clock import parse_utc

SAVED = "saved"  # a row this request saved: how the page shows it, not something the decision says
SHOW = {CHANGE: "To save", INVALID: "Need a date", KEPT: "Kept", UP_TO_DATE: "Up to date"}


@dataclass(frozen=True)
class RowValues:
    """What a row holds: the proposal, or what a person typed over it."""
    outcome_id: int | None
    start: date | None
    end: date | None
    problem: str | None = None  # what was wrong with what was typed (an unreadable date): never saved
    # The start and end boxes as typed, when one could not be read: the row shows them back as typed.
    texts: tuple[str, str] | None = None


def proposed_values(proposal: Proposal) -> RowValues:
    return RowValues(proposal.proposed.id if proposal.proposed else None, proposal.start, proposal.end)


@dataclass
class Row:
    """One student's unit or task on the page."""
    proposal: Proposal
    values: RowValues             # what the row shows, and what saving it saves
    typed: bool = False           # a person typed over the proposal
    opened: bool = False          # a kept row a person opened to replace
    saved: str = ""               # what this request saved
    note: str = ""                # why this request did not save it

    @property
    def key(self) -> str:
        return self.proposal.key

    @property
    def status(self) -> str:
        return SAVED if self.saved else self.proposal.status


@dataclass
class OccurrenceContext:
    """What every student of one linked occurrence shares in the decision."""
    link: OccurrenceLink
    mappings: list[ModuleMapping]
    matrix: dict[int, tuple[frozenset[int], frozenset[int]]]
    defaults: Defaults
    requirements: dict[int, int | None]   # Canvas module id → its completion requirements, from the module list
    today: date                           # the RTO's local date, in the integration's time zone
    grade_rules: GradeRules = field(default_factory=GradeRules)


@dataclass
class StudentReview:
    enrolment: Enrolment
    rows: list[Row]
    context: OccurrenceContext | None = None
    error: str | None = None          # why nothing is proposed, in staff's words
    ended_in_canvas: bool = False     # their Canvas enrolment ended: a fact to know, not a failure
    grade_error: str | None = None    # why their grades could not be read, when module states could

    @property
    def label(self) -> str:
        return f"{self.enrolment.client.full_name} ({self.enrolment.client.code})"


def review(run: JobRun, rule: StartRule, *, enrolment_ids: list[int] | None = None,
           posted: dict[tuple[int, str], RowValues] | None = None,
           opened: tuple[int, str] | None = None) -> list[StudentReview]:
    """The rows of every student staged by the run (or just `enrolment_ids`). `posted`: what the
    page's rows held when it was sent, shown (and saved) instead of the proposal; `opened`: a kept
    row a person chose to replace."""
    posted = posted or {}
    query = (select(ModuleStateDownload).where(ModuleStateDownload.run_id == run.id)
             .options(selectinload(ModuleStateDownload.enrolment).options(
                 joinedload(Enrolment.client), joinedload(Enrolment.status),
                 selectinload(Enrolment.plan_units).options(joinedload(TrainingPlanUnit.unit),
                                                            joinedload(TrainingPlanUnit.result_type)),
                 selectinload(Enrolment.enrolment_tasks).options(joinedload(EnrolmentTask.task),
                                                                 joinedload(EnrolmentTask.task_status)))))
    if enrolment_ids is not None:
        query = query.where(ModuleStateDownload.enrolment_id.in_(enrolment_ids))
    staged = db.session.scalars(query).all()
    contexts = {occurrence_id: _context(link) for occurrence_id, link in
                current_links({s.occurrence_id for s in staged}).items()}
    origins = _origins([s.enrolment_id for s in staged],
                       {s.enrolment_id: contexts[s.occurrence_id].defaults.time_zone
                        for s in staged if s.occurrence_id in contexts})
    students = []
    for stage in staged:
        enrolment, context = stage.enrolment, contexts.get(stage.occurrence_id)
        problem = (_download_problem(stage) or ("The occurrence is no longer linked." if context is None else None)
                   or _inactive(enrolment))
        if problem:
            students.append(StudentReview(enrolment, [], context, problem, ended_in_canvas=bool(stage.canvas_state)))
            continue
        proposals = propose(_states(stage.states, context), context.mappings, context.matrix, context.defaults,
                            _student(enrolment, origins), rule, context.today,
                            staged_grades(stage.grades, context.grade_rules))
        rows = [_row(proposal, posted.get((enrolment.id, proposal.key)), (enrolment.id, proposal.key) == opened)
                for proposal in proposals]
        students.append(StudentReview(enrolment, rows, context, grade_error=(stage.grades or {}).get("error")))
    students.sort(key=lambda s: (s.enrolment.occurrence_id, s.enrolment.client.last_name,
                                 s.enrolment.client.first_name, s.enrolment.id))
    return students


def _row(proposal: Proposal, typed: RowValues | None, opened: bool) -> Row:
    shown = proposed_values(proposal)
    if proposal.status == UP_TO_DATE:
        return Row(proposal, shown)
    if proposal.status == KEPT and not (opened or typed):
        return Row(proposal, shown)
    values = typed or shown
    return Row(proposal, values, typed=values != shown, opened=proposal.status == KEPT)


def _download_problem(stage: ModuleStateDownload) -> str | None:
    if stage.canvas_state:  # "Concluded in Canvas on …: progress no longer readable."
        return stage.error
    return f"Download failed: {stage.error}" if stage.error else None


def _inactive(enrolment: Enrolment) -> str | None:
    active = enrolment.status.status_type == StatusType.ACTIVE
    return None if active else f"No longer active ({enrolment.status.name}): nothing is proposed for it."


def _states(staged: list[dict], context: OccurrenceContext) -> list[ModuleState]:
    """The module states as staged; a module is evidence unless it has no completion requirements
    (by the course's module list, or, before that was kept, by the student's own view of it)."""
    states = []
    for s in staged:
        requirements = context.requirements.get(s["id"])
        if requirements is None:
            requirements = s.get("requirements")
        states.append(ModuleState(s["id"], s["name"], s["state"], parse_utc(s["completed_at"]), parse_utc(s["unlock_at"]),
                                  has_requirements=requirements != 0))
    return states


def outcome_of_type(result_type: ResultType | None) -> Outcome | None:
    return Outcome(result_type.id, result_type.name, final=result_type.is_final) if result_type else None


def outcome_of_status(status: TaskStatus | None) -> Outcome | None:
    return Outcome(status.id, status.name, final=status.is_complete, rank=status.position) if status else None


def _context(link: OccurrenceLink) -> OccurrenceContext:
    integration = link.integration
    mappings = [ModuleMapping(m.canvas_module_id, m.unit_id, m.task_id) for m in link.modules
                if m.unit_id or m.task_id]
    matrix = {task.id: (frozenset(c.unit_id for c in task.matrix if c.starts),
                        frozenset(c.unit_id for c in task.matrix if c.completes))
              for task in link.occurrence.tasks}
    defaults = Defaults(
        unit_on_start=outcome_of_type(integration.result_on_start_type) if integration.result_on_start else None,
        unit_on_complete=(outcome_of_type(integration.result_on_complete_type)
                          if integration.result_on_complete else None),
        started_end_months=integration.started_end_months,
        task_on_start=outcome_of_status(integration.task_on_start_status) if integration.task_on_start else None,
        task_on_complete=(outcome_of_status(integration.task_on_complete_status)
                          if integration.task_on_complete else None),
        time_zone=integration.time_zone, task_on_satisfactory=outcome_of_status(integration.task_on_satisfactory_status),
        task_on_not_yet=outcome_of_status(integration.task_on_not_yet_status),
        task_on_submitted=outcome_of_status(integration.task_on_submitted_status),
        evidence_source=integration.evidence_source)
    requirements = {m.canvas_module_id: m.requirement_count for m in link.modules}
    return OccurrenceContext(link, mappings, matrix, defaults, requirements, rto_today(integration.time_zone),
                             rules_from(integration))


# Who decided what stands ---------------------------------------------------------------------

def _origins(enrolment_ids: list[int], zones: dict[int, str]) -> dict[tuple[str, int], Origin]:
    """("u", plan unit id) / ("t", enrolment task id) → who set the result or status that stands:
    the newest provenance of each."""
    if not enrolment_ids:
        return {}
    rows = db.session.execute(
        select(ResultProvenance.enrolment_id, ResultProvenance.plan_unit_id, ResultProvenance.enrolment_task_id,
               ResultProvenance.source, ResultProvenance.processed_at, User.display_name)
        .outerjoin(User, User.id == ResultProvenance.processed_by_id)
        .where(ResultProvenance.enrolment_id.in_(enrolment_ids))
        .order_by(ResultProvenance.processed_at, ResultProvenance.id))
    newest = {}
    for r in rows:
        key = ("u", r.plan_unit_id) if r.plan_unit_id is not None else ("t", r.enrolment_task_id)
        newest[key] = Origin(r.source == FROM_PERSON, r.display_name,
                             to_rto_time(r.processed_at, zones.get(r.enrolment_id)).date())
    return newest


def _unit_origin(plan_unit: TrainingPlanUnit, origins: dict[tuple[str, int], Origin]) -> Origin | None:
    origin = origins.get(("u", plan_unit.id))
    if origin is None and plan_unit.result_type is not None:
        # Every save from Canvas leaves provenance: a result without any was typed by a person
        # before canvaslink recorded who.
        return Origin(person=True)
    return origin


def current_result(plan_unit: TrainingPlanUnit, zone: str) -> CurrentResult | None:
    """The unit result standing now, read fresh for saving."""
    if plan_unit.result_type is None:
        return None
    origins = _origins([plan_unit.enrolment_id], {plan_unit.enrolment_id: zone})
    return CurrentResult(outcome_of_type(plan_unit.result_type), plan_unit.result_start, plan_unit.result_end,
                         _unit_origin(plan_unit, origins))


def current_task(enrolment_task: EnrolmentTask, zone: str) -> CurrentTask:
    origins = _origins([enrolment_task.enrolment_id], {enrolment_task.enrolment_id: zone})
    return CurrentTask(enrolment_task.task_id, enrolment_task.task.name, outcome_of_status(enrolment_task.task_status),
                       enrolment_task.status_date, origins.get(("t", enrolment_task.id)))


def _student(enrolment: Enrolment, origins: dict[tuple[str, int], Origin]) -> Student:
    plan = tuple(PlanUnit(pu.unit_id, f"{pu.unit.code} {pu.unit.name}", pu.planned_start,
                          CurrentResult(outcome_of_type(pu.result_type), pu.result_start, pu.result_end,
                                        _unit_origin(pu, origins))
                          if pu.result_type else None) for pu in enrolment.plan_units)
    tasks = tuple(CurrentTask(et.task_id, et.task.name, outcome_of_status(et.task_status), et.status_date,
                              origins.get(("t", et.id)))
                  for et in enrolment.enrolment_tasks)
    return Student(enrolment.start_date, plan, tasks, enrolment.end_date)


# What the pages show -------------------------------------------------------------------------

@dataclass
class ReviewPage:
    """Both review pages: the students whose rows match the filter, and how many rows each kind has."""
    students: list[StudentReview]
    counts: Counter = field(default_factory=Counter)
    show: str = ""

    @property
    def to_process(self) -> int:
        return self.counts[CHANGE] + self.counts[INVALID]


def present(students: list[StudentReview], show: str | None, counts: Counter | None = None) -> ReviewPage:
    """The page's students as the filter shows them; `counts`, when the students are one page of
    many, are every page's (else the students' own)."""
    counts = Counter(row.status for student in students for row in student.rows) if counts is None else counts
    if show not in SHOW:
        return ReviewPage(students, counts, "")
    shown = [replace(student, rows=[row for row in student.rows if row.status == show]) for student in students]
    return ReviewPage([student for student in shown if student.rows], counts, show)


def edits(students: list[StudentReview]) -> dict[str, dict]:
    """The rows a person typed over, as a background run takes them: "enrolment id:row key" → values."""
    return {f"{student.enrolment.id}:{row.key}": {
        "outcome": row.values.outcome_id, "start": row.values.start.isoformat() if row.values.start else None,
        "end": row.values.end.isoformat() if row.values.end else None}
        for student in students for row in student.rows if row.typed and row.proposal.status != KEPT}


def from_edits(stored: dict[str, dict]) -> dict[tuple[int, str], RowValues]:
    values = {}
    for name, row in stored.items():
        enrolment_id, _, key = name.partition(":")
        values[(int(enrolment_id), key)] = RowValues(
            row["outcome"], date.fromisoformat(row["start"]) if row["start"] else None,
            date.fromisoformat(row["end"]) if row["end"] else None)
    return values


def opened_rows(students: list[StudentReview]) -> list[str]:
    """Kept rows a person opened to replace but has not replaced: labels for a refusal."""
    return [f"{student.label}: {row.proposal.label}" for student in students for row in student.rows
            if row.opened]
