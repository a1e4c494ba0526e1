"""Incremental downloads: Canvas's requirement counters per student (one bulk_user_progress call per
100 students of a course) say whose module states may have moved since the last download; the
others keep the states read then, until the weekly refresh."""

from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ...extensions import db
from ...models import CanvasProgress
from ..canvas import CourseProgress
from ..clock import naive_utc

# An incremental download reads a student again after this many days even if Canvas's counters
# did not move, since the counters cannot see everything (README): a weekly full refresh.
REFRESH_DAYS = 7


def needs_fetch(mark: CanvasProgress | None, seen: CourseProgress | None, course_id: int, now: datetime,
                max_age: timedelta) -> bool:
    """Whether a student's module states must be read again: never read (in this course), read
    longer ago than `max_age`, or Canvas's counters moved since. Counters that did not move can
    still hide a change they do not count (a quiz attempted below its minimum score)."""
    if mark is None or seen is None or mark.canvas_course_id != course_id or now - mark.states_fetched_at > max_age:
        return True
    return (mark.requirement_count, mark.requirement_completed_count, mark.completed_at) != (
        seen.requirement_count, seen.requirement_completed_count, naive_utc(seen.completed_at))


def counters_of(modules) -> CourseProgress:
    """The counters Canvas's bulk_user_progress gives, from the student's own module list: the
    requirements of the modules they see, those met, and the last completion once all are met."""
    requirements = [item.completion_requirement for m in modules for item in (m.items or ())
                    if item.completion_requirement is not None]
    met = sum(1 for r in requirements if r.completed)
    last = max((m.completed_at for m in modules if m.completed_at), default=None)
    return CourseProgress(len(requirements), met, None, last if requirements and met >= len(requirements) else None)



def marks_of(enrolment_ids: list[int]) -> dict[int, CanvasProgress]:
    marks = {m.enrolment_id: m for m in db.session.scalars(
        select(CanvasProgress).where(CanvasProgress.enrolment_id.in_(enrolment_ids)))}
    for mark in marks.values():  # read-only here: kept out of the per-student commits' expiry
        db.session.expunge(mark)
    return marks


def keep_progress(rows: list[dict]) -> None:
    """Insert or replace each enrolment's CanvasProgress in one statement: another run (the
    occurrence's own download beside a bulk one) may have written the same student's row since
    this job read it."""
    db.session.execute(_upsert_progress(db.engine.dialect.name), rows)


@cache
def _upsert_progress(dialect: str):
    statement = {"postgresql": postgresql, "sqlite": sqlite}[dialect].insert(CanvasProgress.__table__)
    return statement.on_conflict_do_update(
        index_elements=[CanvasProgress.enrolment_id],
        set_={column: statement.excluded[column] for column in (
            "canvas_course_id", "requirement_count", "requirement_completed_count", "completed_at", "states",
            "states_fetched_at")})
