"""Result transfer with nobody at the screen: `flask canvas pull-results` and the nightly job.

It downloads like the bulk page, then saves only what needs no decision: completions, task
statuses, and started units when a start-date rule was chosen for the night. Rows that need a
person (a started unit with no rule, a date that does not fit) wait on the review page, and a
kept row (a staff decision or a final outcome) is never touched.
"""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from ...extensions import db
from ...models import Enrolment, JobRun, LmsIntegration, OccurrenceLink
from .. import DomainError
from ..runs.lifecycle import execute
from . import save
from .bulk import start_bulk_download
from .download import run_download
from .start_rules import START_ON_DATE, start_rule
from .save import Processed


@dataclass
class PullSummary:
    run_id: int
    downloaded: int
    failed_downloads: int
    saved: int = 0
    waiting: int = 0
    kept: int = 0


def pull_results(actor_id: int | None, *, process: bool, start_rule_kind: str | None = None,
                 integration_ids: list[int] | None = None, nightly: bool = False) -> PullSummary:
    """Download (in this process) and optionally save; `nightly` uses each integration's own rule."""
    # The night reads only students who progressed (and week-old ones); staff can still run a full one.
    run, created = start_bulk_download(actor_id, integration_ids, incremental=nightly)
    if nightly and created:
        run.params = {**run.params, "nightly": True}  # run history and the dashboard name it
    db.session.commit()
    if not created:
        raise DomainError(f"A bulk download (run {run.id}) is already under way; try again when it has finished.")
    if not execute(run, run_download):
        raise DomainError(f"The download (run {run.id}) stopped: {run.message}")
    summary = PullSummary(run.id, run.done - run.failed, run.failed)
    if process:
        outcome = save_unattended(run, actor_id, nightly=nightly, start_rule_kind=start_rule_kind)
        summary.saved, summary.waiting, summary.kept = len(outcome.saved), len(outcome.skipped), len(outcome.kept)
    return summary


def save_unattended(run: JobRun, actor_id: int | None, *, nightly: bool,
                    start_rule_kind: str | None = None) -> Processed:
    """Save what needs nobody, for every student of the download. Started units take the night's
    rule of their integration (`nightly`) or `start_rule_kind`; without one they wait for a person."""
    rules = _nightly_rules() if nightly else {}
    by_rule: dict[str | None, list[int]] = defaultdict(list)
    for enrolment_id, occurrence_id in db.session.execute(
            select(Enrolment.id, Enrolment.occurrence_id).where(Enrolment.id.in_(run.params["enrolment_ids"]))):
        by_rule[rules.get(occurrence_id) if nightly else start_rule_kind].append(enrolment_id)
    total = Processed()
    for kind, enrolment_ids in by_rule.items():
        # No rule: a "typed date" rule with no date leaves every started unit for a person.
        outcome, _ = save.process(run, start_rule(kind) if kind else start_rule(START_ON_DATE), actor_id,
                                  enrolment_ids=enrolment_ids)
        total.saved += outcome.saved
        total.skipped += outcome.skipped
        total.kept += outcome.kept
    return total


def _nightly_rules() -> dict[int, str | None]:
    """occurrence id → the nightly start rule of the integration it is linked through."""
    rows = db.session.execute(select(OccurrenceLink.occurrence_id, LmsIntegration.nightly_start_rule)
                              .join(LmsIntegration, OccurrenceLink.integration_id == LmsIntegration.id)
                              .where(OccurrenceLink.is_current))
    return dict(rows.all())


def nightly_integration_ids() -> list[int]:
    return list(db.session.scalars(select(LmsIntegration.id).where(LmsIntegration.nightly_pull.is_(True))))
