"""Download: each student's Canvas module states, staged per enrolment as they arrive, for the
review (review.py) and the saving of rows (save.py)."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import (
    QUEUED, Client, Enrolment, EnrolmentStatus, EnrolmentTransfer, JobRun, LmsIntegration, ModuleStateDownload,
    OccurrenceLink, StatusType,
)
from .. import DomainError
from ..audit import utcnow
from ..canvas import CanvasClient, CanvasError, PermissionDenied
from ..canvas_links import current_links
from ..integrations import canvas_client
from ..enrolment_transfer import ALL_STATES, ENDED, describe_state
from ..job_runs import end_run, execute, mark_running, record_item, start_run, stopped_by_cancel

KIND = "result_download"


def is_active():
    """Results come back for Active enrolments only: a withdrawn, cancelled or completed enrolment
    has no result to propose from Canvas. Per occurrence and in bulk alike."""
    return Enrolment.status.has(EnrolmentStatus.status_type == StatusType.ACTIVE)


def start_download(link: OccurrenceLink | None, actor_id: int) -> JobRun:
    """A run over the occurrence's Active enrolments in Canvas; the others are counted as left out."""
    if link is None:
        raise DomainError("Link the occurrence to Canvas first.")
    transferred = db.session.execute(
        select(Enrolment.id, EnrolmentStatus.name, EnrolmentStatus.status_type)
        .join(EnrolmentStatus, Enrolment.status_id == EnrolmentStatus.id)
        .where(Enrolment.occurrence_id == link.occurrence_id, Enrolment.transfer.has())).all()
    ids = sorted(row.id for row in transferred if row.status_type == StatusType.ACTIVE)
    left_out = Counter(row.name for row in transferred if row.status_type != StatusType.ACTIVE)
    if not transferred:
        raise DomainError("No enrolment of this occurrence has been transferred to Canvas yet: transfer the "
                          "enrolments first, then their results can come back.")
    if not ids:
        raise DomainError(f"Every enrolment of this occurrence in Canvas is inactive ({describe_left_out(left_out)}): "
                          "results come back for Active enrolments only.")
    return start_run(KIND, link.occurrence_id, {"enrolment_ids": ids, "left_out": dict(left_out)}, len(ids),
                     actor_id)


def describe_left_out(left_out: dict[str, int]) -> str:
    """"2 Withdrawn, 1 Cancelled"."""
    return ", ".join(f"{count} {status}" for status, count in sorted(left_out.items()))


def left_out_sentence(run: JobRun) -> str:
    """What the review says about the enrolments the download left out; "" for none."""
    left_out = run.params.get("left_out") or {}
    count = sum(left_out.values())
    if not count:
        return ""
    return (f"Left out {count} enrolment{'s' if count != 1 else ''} that {'are' if count != 1 else 'is'} not Active "
            f"({describe_left_out(left_out)}): results come back for Active enrolments only.")


def stage_now(occurrence_id: int, enrolment_ids: list[int], actor_id: int | None) -> JobRun:
    """Download and stage these students' module states now, in a run of their own that the
    occurrence's review opens like any download: done before their Canvas enrolment ends, since
    Canvas shows no progress after that (§11.6)."""
    run = JobRun(kind=KIND, occurrence_id=occurrence_id,
                 params={"enrolment_ids": enrolment_ids, "left_out": {}, "before_leaving": True},
                 total=len(enrolment_ids), started_by_id=actor_id, created_at=utcnow(), status=QUEUED)
    db.session.add(run)
    db.session.commit()
    execute(run, run_download)
    return run


@dataclass(frozen=True)
class _Fetch:
    enrolment_id: int
    occurrence_id: int
    course_id: int
    section_id: int
    canvas_user_id: int
    label: str


@dataclass(frozen=True)
class _Ended:
    """A student whose enrolment ended in Canvas: Canvas refuses their progress (§11.6)."""
    state: str
    message: str


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
    links = current_links({r.occurrence_id for r in rows})
    by_integration: dict[int, list[_Fetch]] = defaultdict(list)
    for r in rows:
        link = links.get(r.occurrence_id)
        if r.id in staged or link is None:
            continue
        by_integration[link.integration_id].append(_Fetch(r.id, r.occurrence_id, link.canvas_course_id,
                                                          link.canvas_section_id, r.canvas_user_id, f"{r.first_name} {r.last_name} ({r.code})"))
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
    # Read here, not in the worker threads: each commit below expires the integration, and a thread
    # reloading it would use the session from another thread.
    zone = integration.time_zone
    with client:
        for enrolment_id, result in client.run_concurrently(
                lambda key: _module_states(client, wanted[key], zone), list(wanted)):
            try:
                if isinstance(result, _Ended):
                    _stage(run, wanted[enrolment_id], None, result.message, ended=result.state)
                elif isinstance(result, CanvasError):
                    _stage(run, wanted[enrolment_id], None, str(result))
                else:
                    _stage(run, wanted[enrolment_id], [_state_json(m) for m in result], None)
                db.session.commit()
            except IntegrityError:  # a worker thought dead had staged it after all: keep the first
                db.session.rollback()
            if stopped_by_cancel(run, "what was downloaded is kept."):
                return False
    return True


def _module_states(client: CanvasClient, fetch: _Fetch, zone: str):
    """The student's module states; or, when Canvas refuses them because the student's enrolment
    has ended there, that fact, named (one more call, only for refused students)."""
    try:
        return client.get_student_module_states(fetch.course_id, fetch.canvas_user_id)
    except PermissionDenied as refused:
        enrolments = client.list_section_enrollments(fetch.section_id, states=ALL_STATES,
                                                     types=("StudentEnrollment",), user_id=fetch.canvas_user_id)
        if not enrolments or any(e.enrollment_state not in ENDED for e in enrolments):
            raise refused
        ended = max(enrolments, key=lambda e: e.updated_at or datetime.min.replace(tzinfo=timezone.utc))
        said = describe_state(ended, zone)
        return _Ended(ended.enrollment_state, f"{said[0].upper()}{said[1:]}: progress no longer readable. Results "
                                              "saved before stay as they are.")


def _state_json(module) -> dict:
    # "requirements": the items with a completion requirement the student's view shows (None: unknown).
    requirements = (None if module.items is None
                    else sum(1 for item in module.items if item.completion_requirement is not None))
    return {"id": module.id, "name": module.name, "state": module.state,
            "completed_at": module.completed_at.isoformat() if module.completed_at else None,
            "unlock_at": module.unlock_at.isoformat() if module.unlock_at else None,
            "requirements": requirements}


def _stage(run: JobRun, fetch: _Fetch, states: list | None, error: str | None, ended: str | None = None) -> None:
    db.session.add(ModuleStateDownload(run_id=run.id, enrolment_id=fetch.enrolment_id,
                                       occurrence_id=fetch.occurrence_id, canvas_user_id=fetch.canvas_user_id,
                                       states=states, error=error, canvas_state=ended, fetched_at=utcnow()))
    outcome = "ended" if ended else "failed" if error else "downloaded"
    record_item(run, fetch.enrolment_id, fetch.label, outcome, error or f"{len(states)} module states",
                ok=error is None or ended is not None)
