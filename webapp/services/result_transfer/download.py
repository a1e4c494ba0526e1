"""Download: each student's Canvas module states, staged per enrolment a few times a second as
they arrive, for the review (review.py) and the saving of rows (save.py)."""

import time
from collections import Counter

from sqlalchemy import select

from ...extensions import db
from ...models import (
    Client, Enrolment, EnrolmentStatus, EnrolmentTransfer, JobRun, ModuleStateDownload, OccurrenceLink,
    StatusType,
)
from .. import DomainError
from ..canvas_links.link import current_links
from ..canvas_sync.sharing import shared_accounts
from ..runs.lifecycle import beat, end_run, execute, mark_running, start_run, stopped_by_cancel
from .claims import Claims, new_claims_key
from .downloader import Downloader
from .staging import Fetch

KIND = "result_download"






def is_active():
    """Results come back for Active enrolments only: a withdrawn, cancelled or completed enrolment
    has no result to propose from Canvas. Per occurrence and in bulk alike."""
    return Enrolment.status.has(EnrolmentStatus.status_type == StatusType.ACTIVE)


def start_download(link: OccurrenceLink | None, actor_id: int, *, incremental: bool = False) -> JobRun:
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
    return start_run(KIND, link.occurrence_id, {"enrolment_ids": ids, "left_out": dict(left_out),
                                                "incremental": incremental, **new_claims_key()}, len(ids), actor_id)


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
    Canvas shows no progress after that (§11.6). Beside any download under way, which may not reach
    them in time."""
    run, created = start_run(KIND, occurrence_id, {"enrolment_ids": enrolment_ids, "left_out": {},
                                                   "before_leaving": True, **new_claims_key()},
                             len(enrolment_ids), actor_id, beside=True)
    db.session.commit()
    if created:
        execute(run, run_download)
    return run


def run_download(run: JobRun, occurrence_id: int | None = None) -> None:
    """One job of a download run: its occurrence first, then any other of the run that no job
    holds, each student's states committed as they arrive (or, incremental, kept from the last
    run when Canvas's counters say they have not moved). Any number of these jobs, on any
    workers, share one run; the one that sees every occurrence done ends it. Resuming skips
    staged students. Without `occurrence_id` the job starts anywhere (inline runs, the CLI)."""
    mark_running(run)
    db.session.commit()
    claims = Claims(run)
    try:
        while True:
            plan = _plan(run)
            done = claims.done()
            for ready in [o for o, fetches in plan.items() if not fetches and o not in done]:
                claims.finish(ready)
            order = sorted(plan, key=lambda o: (o != occurrence_id, o))
            if not Downloader(run, plan, claims, order).download() or _ended(run):
                return
            if claims.done() >= set(plan):
                end_run(run)
                db.session.commit()
                return
            if not _wait_for_others(run, claims, set(plan)):
                return
    finally:
        claims.release()


def _wait_for_others(run: JobRun, claims: Claims, occurrences: set[int]) -> bool:
    """Other jobs hold what is left: wait, asking Redis only, until it is done or a lease they
    stopped renewing has lapsed; only then is the run planned again. False when cancelled."""
    while True:
        time.sleep(min(1.0, claims.lease_seconds / 5))
        beat(run)
        db.session.commit()
        if stopped_by_cancel(run, "what was downloaded is kept."):
            return False
        left = occurrences - claims.done()
        if not left or claims.unheld(left):
            return True


def _ended(run: JobRun) -> bool:
    db.session.expire(run, ["status"])
    return run.ended


def _plan(run: JobRun) -> dict[int, list[Fetch]]:
    """occurrence id -> the students of it not staged yet (none left: the occurrence is done)."""
    staged = set(db.session.scalars(select(ModuleStateDownload.enrolment_id).where(
        ModuleStateDownload.run_id == run.id)))
    # Plain rows, not ORM objects: every per-student commit expires all the objects the session
    # holds, which for thousands of loaded enrolments made the run CPU-bound.
    rows = db.session.execute(
        select(Enrolment.id, Enrolment.occurrence_id, EnrolmentTransfer.canvas_user_id, Client.id.label("client_id"),
               Client.first_name, Client.last_name, Client.code)
        .join(EnrolmentTransfer, EnrolmentTransfer.enrolment_id == Enrolment.id)
        .join(Client, Client.id == Enrolment.client_id)
        .where(Enrolment.id.in_(run.params["enrolment_ids"]))).all()
    links = current_links({r.occurrence_id for r in rows})
    # One Canvas user's progress is never staged for two clients: such students are refused, unread.
    shared = shared_accounts((r.id, r.client_id, r.canvas_user_id) for r in rows)
    plan: dict[int, list[Fetch]] = {}
    for r in rows:
        link = links.get(r.occurrence_id)
        fetches = plan.setdefault(r.occurrence_id, [])  # an occurrence with nothing left to fetch is done
        if r.id in staged or link is None:
            continue
        fetches.append(Fetch(r.id, r.occurrence_id, link.integration_id, link.canvas_course_id,
                                            link.canvas_section_id, r.canvas_user_id,
                                            f"{r.first_name} {r.last_name} ({r.code})", refusal=shared.get(r.id)))
    db.session.commit()
    return plan


def occurrences_of(run: JobRun) -> list[int]:
    """The parts a download run is split into, one RQ job each."""
    return sorted(set(db.session.scalars(select(Enrolment.occurrence_id).where(
        Enrolment.id.in_(run.params["enrolment_ids"])))))
