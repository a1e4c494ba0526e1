"""What one student's answer from Canvas is (states, unchanged, ended, failed) and how it is staged:
the module states read, per enrolment, for the review and for saving rows."""

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import NamedTuple

from sqlalchemy import func, insert, select

from ...extensions import db
from ...models import JobRun, ModuleStateDownload
from ..canvas import CanvasClient, CanvasError, CourseProgress, PermissionDenied
from ..canvas_sync.states import ALL_STATES, ENDED_STATES, describe_state
from ..clock import naive_utc, utcnow
from ..runs.lifecycle import Item, id_of
from .incremental import counters_of


@dataclass(frozen=True)
class Fetch:
    enrolment_id: int
    occurrence_id: int
    integration_id: int
    course_id: int
    section_id: int
    canvas_user_id: int
    label: str
    seen: CourseProgress | None = None  # Canvas's counters for the student, when read
    refusal: str | None = None  # why this student's progress may not be read (sharing.py)
    grades: dict | None = None  # their assessment grades, read with the section's (grade_download.py)


class Failed(str):
    """Why nothing could be asked of Canvas (e.g. the integration has no token)."""


@dataclass(frozen=True)
class Unchanged:
    """Canvas's counters have not moved since these states were read."""
    states: list
    fetched_at: datetime


@dataclass(frozen=True)
class Ended:
    """A student whose enrolment ended in Canvas: Canvas refuses their progress (§11.6)."""
    state: str
    message: str


def module_states(client: CanvasClient, fetch: Fetch, zone: str):
    """The student's module states; or, when Canvas refuses them because the student's enrolment
    has ended there, that fact, named (one more call, only for refused students)."""
    try:
        return client.get_student_module_states(fetch.course_id, fetch.canvas_user_id)
    except PermissionDenied as refused:
        enrolments = client.list_section_enrollments(fetch.section_id, states=ALL_STATES,
                                                     types=("StudentEnrollment",), user_id=fetch.canvas_user_id)
        if not enrolments or any(e.enrollment_state not in ENDED_STATES for e in enrolments):
            raise refused
        ended = max(enrolments, key=lambda e: e.updated_at or datetime.min.replace(tzinfo=timezone.utc))
        said = describe_state(ended, zone)
        return Ended(ended.enrollment_state, f"{said[0].upper()}{said[1:]}: progress no longer readable. Results "
                                              "saved before stay as they are.")


def _state_json(module) -> dict:
    # "requirements": the items with a completion requirement the student's view shows (None: unknown).
    requirements = (None if module.items is None
                    else sum(1 for item in module.items if item.completion_requirement is not None))
    return {"id": module.id, "name": module.name, "state": module.state,
            "completed_at": module.completed_at.isoformat() if module.completed_at else None,
            "unlock_at": module.unlock_at.isoformat() if module.unlock_at else None,
            "requirements": requirements}


INSERT_DOWNLOADS = insert(ModuleStateDownload.__table__)


class Staged(NamedTuple):
    """What one answer writes: the staged row, the run's item, and (states read from Canvas just
    now) what the next incremental run compares Canvas's counters with."""
    download: dict
    item: Item
    progress: dict | None


def staging_of(run: JobRun, fetch: Fetch, result) -> Staged:
    now = utcnow()
    states, error, ended, fetched_at, progress = None, None, None, now, None
    if isinstance(result, Ended):
        error, ended = result.message, result.state
    elif isinstance(result, (CanvasError, Failed)):
        error = str(result)
    elif isinstance(result, Unchanged):
        states, fetched_at = result.states, result.fetched_at  # when states kept from an earlier run were read
    else:
        states = [_state_json(m) for m in result]
        progress = progress_row(fetch, result, states, now)
    download = {"run_id": id_of(run), "enrolment_id": fetch.enrolment_id, "occurrence_id": fetch.occurrence_id,
                "canvas_user_id": fetch.canvas_user_id, "states": states, "error": error, "canvas_state": ended,
                "fetched_at": fetched_at, "grades": fetch.grades if states is not None else None}
    outcome = "ended" if ended else "failed" if error else "downloaded"
    said = error or (f"{len(states)} module states, unchanged in Canvas since they were read"
                     if isinstance(result, Unchanged) else f"{len(states)} module states")
    item = Item(fetch.enrolment_id, fetch.label, outcome, said, ok=error is None or ended is not None)
    return Staged(download, item, progress)


def progress_row(fetch: Fetch, modules, states: list, now: datetime) -> dict:
    """What to keep for the next incremental run: Canvas's counters if we asked for them, else
    the same counters taken from the module list."""
    seen = fetch.seen or counters_of(modules)
    return {"enrolment_id": fetch.enrolment_id, "canvas_course_id": fetch.course_id,
            "requirement_count": seen.requirement_count,
            "requirement_completed_count": seen.requirement_completed_count,
            "completed_at": naive_utc(seen.completed_at), "states": states, "states_fetched_at": now}


@dataclass(frozen=True)
class DownloadOutcome:
    """How the download behind a review went, for its heading: how many students it could not read
    (not those whose enrolment ended in Canvas: that is no failure) and why."""
    failed: int = 0
    reason: str = ""          # the reason most of them share (Canvas names each student's call in it)
    other_reasons: int = 0    # how many different reasons the others give


def download_outcome(run: JobRun) -> DownloadOutcome:
    reasons = db.session.execute(
        select(ModuleStateDownload.error, func.count(), func.min(ModuleStateDownload.id))
        .where(ModuleStateDownload.run_id == run.id, ModuleStateDownload.error.is_not(None),
               ModuleStateDownload.canvas_state.is_(None))
        .group_by(ModuleStateDownload.error)).all()
    if not reasons:
        return DownloadOutcome()
    common = max(reasons, key=lambda r: (r[1], -r[2]))
    return DownloadOutcome(sum(r[1] for r in reasons), common[0], len(reasons) - 1)
