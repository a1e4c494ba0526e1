"""The mass-change guard: canvaslink ends the Canvas access of at most so many students a day per LMS
integration (and of at most a share of a section) unless a person confirms, by typing the count.

The guard counts over a rolling 24 hours across every run, together with the students it holds
now, so a class withdrawn a few students at a time (each change its own small sync) meets it as a
class withdrawn at once. Endings a person confirmed are never counted against it again.
`decide.guard_holds` is the rule; this module keeps the count (`AccessEnding`) and takes one
decision at a time per integration, so two runs deciding at once cannot both slip under the limit.
"""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from ...extensions import db
from ...models import AccessEnding, JobRun, JobRunItem, LmsIntegration
from ..clock import utcnow
from .apply import hold
from .decide import ENDS, Options, guard_holds
from .plan import OccurrencePlan
from .standing import held_changes

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Tally:
    """What the guard counts for one occurrence's plan, over its integration's last 24 hours."""

    options: Options
    endings: int              # this plan's endings, less those a person confirmed already
    ended: int                # the integration's endings let through without a person's confirmation
    held: int                 # the integration's students held in other occurrences, waiting for a person
    section_ended: int        # of `ended`, this section's
    section_students: int     # the section's students with access before the day's endings
    confirmed: frozenset[str]  # the run item keys of this section whose ending a person confirmed

    @property
    def counted(self) -> int:
        return self.endings + self.ended + self.held

    @property
    def holds(self) -> bool:
        return self.endings > 0 and guard_holds(self.counted, self.endings + self.section_ended,
                                                self.section_students, self.options)


def tally(plan: OccurrencePlan) -> Tally:
    link = plan.link
    rows = db.session.execute(select(AccessEnding.occurrence_id, AccessEnding.item_key, AccessEnding.confirmed).where(
        AccessEnding.integration_id == link.integration_id, AccessEnding.at >= utcnow() - WINDOW)).all()
    section = [row for row in rows if row.occurrence_id == link.occurrence_id]
    confirmed = frozenset(row.item_key for row in section if row.confirmed)
    held = sum(1 for transfer in held_changes() if transfer.link.integration_id == link.integration_id
               and transfer.link.occurrence_id != link.occurrence_id)
    return Tally(plan.options, sum(1 for step in plan.endings if step.key not in confirmed),
                 sum(1 for row in rows if not row.confirmed), held,
                 sum(1 for row in section if not row.confirmed), plan.section_students + len(section), confirmed)


def check(run: JobRun, plan: OccurrencePlan, *, confirmed: bool) -> Tally | None:
    """Before a run ends anyone's access in this plan's section: the tally when the guard holds the
    plan's endings (held and listed, for a person to confirm), or None when it lets them through (they
    are counted from now on). `confirmed`: a person typed the count of these endings. Commits."""
    if not plan.endings or plan.error is not None:
        return None
    # One decision at a time per integration: a row lock (PostgreSQL) held until the commit that counts
    # these endings or holds them. SQLite, for the demo and tests on one machine, has no row locks.
    db.session.execute(select(LmsIntegration.id).where(LmsIntegration.id == plan.link.integration_id)
                       .with_for_update())
    counted = tally(plan)
    if counted.holds and not confirmed:
        hold(run, plan)
        return counted
    now = utcnow()
    db.session.add_all(AccessEnding(integration_id=plan.link.integration_id, occurrence_id=plan.link.occurrence_id,
                                    run_id=run.id, item_key=step.key, at=now, confirmed=confirmed)
                       for step in plan.endings if step.key not in counted.confirmed)
    db.session.commit()
    return None


def settle(run: JobRun, plan: OccurrencePlan) -> None:
    """After the run's changes in this section: an ending let through that did not happen (its call
    failed, it could not be staged first, the run was cancelled) is no longer counted; the sync that
    makes it later counts it then. One a person confirmed stays, so that sync needs no confirmation."""
    done = select(JobRunItem.item_key).where(JobRunItem.run_id == run.id, JobRunItem.outcome.in_(ENDS))
    db.session.execute(delete(AccessEnding).where(
        AccessEnding.run_id == run.id, AccessEnding.occurrence_id == plan.link.occurrence_id,
        AccessEnding.confirmed.is_(False), AccessEnding.item_key.not_in(done)))
    db.session.commit()


def ended_unconfirmed(integration_id: int) -> int:
    """The integration's students whose access canvaslink ended in the last 24 hours without a
    person's confirmation, as the guard counts them."""
    return db.session.scalar(select(func.count()).select_from(AccessEnding).where(
        AccessEnding.integration_id == integration_id, AccessEnding.at >= utcnow() - WINDOW,
        AccessEnding.confirmed.is_(False)))
