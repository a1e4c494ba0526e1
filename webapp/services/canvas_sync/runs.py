"""Sync runs: one occurrence (after a change here, or Refresh / Apply on its Canvas enrolments page)
or every Active linked occurrence at once (Utilities › Transfer enrolments to Canvas LMS, and the
nightly run). Each run reads the sections first, then previews, holds or makes its changes.

Params of a run: `dry_run` (list the changes, make none), `unattended` (nobody to confirm: the
guard always holds), `transfer_all` (transfer new enrolments whatever the integration says),
`confirmed` ({occurrence id: the count a person typed}), `trigger` (who or what asked for it),
`triggers` ({run item key: what happened to that student here}, for runs the changes queued).
Afterwards: `held` ({occurrence id: students held by the guard}), and for a dry run `guard`
(the same, as applying would hold them).
"""

from sqlalchemy import select

from ...extensions import db
from ...models import FAILED, JobRun, Occurrence, OccurrenceLink, OccurrenceStatus, StatusType
from .. import DomainError
from ..integrations.connection import canvas_client
from ..canvas_links.link import current_links
from ..runs.lifecycle import StartedRun, beat, end_run, mark_running, start_run
from . import guard
from .apply import carry_out, preview
from .plan import OccurrencePlan, options_for, plan_occurrence, steps_of

KIND = "canvas_sync"
BULK_KIND = "canvas_sync_all"


def start_sync(link: OccurrenceLink | None, actor_id: int | None, trigger: str, *, dry_run: bool = False,
               confirmed: int | None = None) -> StartedRun:
    """A run for one linked occurrence, or the one already under way. `confirmed`: the number of
    students a person typed to let the guard pass."""
    if link is None:
        raise DomainError("Link the occurrence to Canvas first.")
    params = {"dry_run": dry_run, "trigger": trigger,
              "confirmed": {str(link.occurrence_id): confirmed} if confirmed is not None else {}}
    expected = len(steps_of(link, options_for(link.integration)))
    return start_run(KIND, link.occurrence_id, params, expected, actor_id)


def start_bulk_sync(actor_id: int | None, trigger: str, *, dry_run: bool = False,
                    unattended: bool = False) -> StartedRun:
    """One run over every Active linked occurrence (or the one under way); new enrolments are
    transferred unless `unattended`, when each integration's own choice decides."""
    links = bulk_links()
    if not links:
        raise DomainError("No Active occurrence is linked to Canvas, so there is nothing to transfer.")
    expected = sum(len(steps_of(link, options_for(link.integration, transfer_all=not unattended)))
                   for link in links)
    return start_run(BULK_KIND, None, {"dry_run": dry_run, "unattended": unattended, "transfer_all": not unattended,
                                       "trigger": trigger, "confirmed": {}}, expected, actor_id)


def bulk_links() -> list[OccurrenceLink]:
    return list(db.session.scalars(
        select(OccurrenceLink).join(Occurrence, OccurrenceLink.occurrence_id == Occurrence.id)
        .join(OccurrenceStatus, Occurrence.status_id == OccurrenceStatus.id)
        .where(OccurrenceLink.is_current, OccurrenceLink.integration_id.is_not(None),
               OccurrenceStatus.status_type == StatusType.ACTIVE)
        .order_by(OccurrenceLink.occurrence_id)))


def run_sync(run: JobRun) -> None:
    mark_running(run)
    db.session.commit()
    link = current_links([run.occurrence_id]).get(run.occurrence_id)
    if link is None or link.integration is None:
        end_run(run, FAILED, "The occurrence is no longer linked to Canvas; nothing was changed there.")
        db.session.commit()
        return
    _sync(run, [link])


def run_bulk_sync(run: JobRun) -> None:
    mark_running(run)
    db.session.commit()
    _sync(run, bulk_links())


def _sync(run: JobRun, links: list[OccurrenceLink]) -> None:
    """Read every section and plan (so the progress bar knows the total), then preview, hold or carry
    out each occurrence's plan in turn."""
    params = run.params
    clients, plans = {}, []
    try:
        for link in links:
            client, error = _client(clients, link)
            plans.append((plan_occurrence(link, client, transfer_all=params.get("transfer_all", False), error=error),
                          client))
            beat(run)
            db.session.commit()
        run.total = sum(len(plan.steps) for plan, _ in plans)
        db.session.commit()
        guarded, why = {}, []
        for plan, client in plans:
            occurrence = str(plan.link.occurrence_id)
            if params.get("dry_run"):
                if plan.error is None and guard.tally(plan).holds:
                    guarded[occurrence] = len(plan.endings)
                preview(run, plan, client)
                continue
            confirmed = (not params.get("unattended")
                         and params.get("confirmed", {}).get(occurrence) == len(plan.endings))
            held = guard.check(run, plan, confirmed=confirmed)
            if held is not None:
                guarded[occurrence] = len(plan.endings)
                why.append(_confirm_how(plan, held, params.get("unattended")))
            finished = carry_out(run, plan, client, held=held is not None)
            guard.settle(run, plan)
            if not finished:
                return
    finally:
        for client in clients.values():
            if client is not None:
                client.close()
    run.params = {**params, ("guard" if params.get("dry_run") else "held"): guarded}
    end_run(run, message=" ".join([_summary(run, guarded), *why]))
    db.session.commit()


def _client(clients: dict, link: OccurrenceLink):
    """The integration's client, opened once per run; or None and why."""
    if link.integration_id not in clients:
        try:
            clients[link.integration_id] = canvas_client(link.integration)
        except DomainError as err:
            clients[link.integration_id] = None
            return None, err.message
    client = clients[link.integration_id]
    return client, None if client is not None else "the integration is not authorised."


def _confirm_how(plan: OccurrencePlan, held: guard.Tally, unattended: bool) -> str:
    count, options = len(plan.endings), plan.options
    said = (f"Occurrence {plan.link.occurrence_id}: {count} student{'s' if count != 1 else ''} would lose access, "
            f"which makes {held.counted} for this LMS integration in the last 24 hours without a person's "
            f"confirmation: more than the mass-change guard lets through ({options.guard_students} students a day, "
            f"or {options.guard_percent}% of the {held.section_students} with access in the section).")
    how = "on the occurrence's Canvas enrolments page"
    if unattended:
        return f"{said} A run nobody watches never passes the guard: a person confirms it by typing {count} {how}."
    return f"{said} Type {count} {how} to confirm it."


def _summary(run: JobRun, guarded: dict[str, int]) -> str:
    held = sum(guarded.values())
    if run.params.get("dry_run"):
        said = f"Dry run: {run.done} change{'s' if run.done != 1 else ''} listed, none made in Canvas."
        return said + (f" Applying them would hold {held} by the mass-change guard until a person confirms."
                       if held else "")
    made = run.done - run.failed - held
    said = f"{made} done, {run.failed} failed" + (f", {held} held by the mass-change guard" if held else "") + "."
    return said + (" Failed changes are tried again by the next sync." if run.failed else "")
