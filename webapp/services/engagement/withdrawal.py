"""The evidence for a withdrawal: when staff withdraw a student, their last activity in Canvas and
total time there, and Withdrawn results for the units with no final result, finishing on the date a
person chooses (the last Canvas activity, today, or a date they type). Nothing is saved until a person
confirms; each result's provenance says where its finish date came from.

Ending the student's Canvas access is the sync's (canvas_sync/listen.py): it stages their progress
first and concludes them after, whatever is decided here."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ...extensions import db
from ...models import Enrolment, ResultType, StatusType, TrainingPlanUnit
from ...rto_time import format_rto_time, rto_zone_name, to_rto_time
from .. import DomainError
from ..clock import utcnow
from ..sms.enrolments import enter_unit_result
from .activity import Engagement, engagement_of

WITHDRAWN_OUTCOME = 40  # the national outcome id of Withdrawn
FROM_CANVAS, TODAY, TYPED = "canvas", "today", "typed"


@dataclass(frozen=True)
class WithdrawalOffer:
    enrolment: Enrolment
    engagement: Engagement
    last_active_day: date | None       # the last Canvas activity's date in the RTO's time zone
    today: date
    units: list[TrainingPlanUnit]      # units with no final result, which a Withdrawn result would finish
    withdrawn: ResultType | None       # the result type recorded (national outcome 40)

    @property
    def choices(self) -> list[tuple[str, str]]:
        offered = [(TODAY, f"Today, {self.today:%d/%m/%Y}"), (TYPED, "Another date")]
        if self.last_active_day is not None:
            offered.insert(0, (FROM_CANVAS, f"Last active in Canvas, {self.last_active_day:%d/%m/%Y}"))
        return offered


def is_withdrawn(enrolment: Enrolment) -> bool:
    return enrolment.status.status_type == StatusType.WITHDRAWN


def _zone(enrolment: Enrolment):
    transfer = enrolment.transfer
    return transfer.link.integration if transfer is not None and transfer.link else None


def withdrawal_offer(enrolment: Enrolment) -> WithdrawalOffer:
    zone = _zone(enrolment)
    transfer = enrolment.transfer
    last = transfer.last_activity_at if transfer is not None and transfer.activity_read_at else None
    withdrawn = db.session.scalar(select(ResultType).where(ResultType.national_outcome_id == WITHDRAWN_OUTCOME)
                                  .order_by(ResultType.id).limit(1))
    units = [pu for pu in enrolment.plan_units if pu.result_type is None or not pu.result_type.is_final]
    return WithdrawalOffer(enrolment, engagement_of(transfer, zone), to_rto_time(last, zone).date() if last else None,
                           to_rto_time(utcnow(), zone).date(), units, withdrawn)


def _start_of(plan_unit: TrainingPlanUnit) -> date | None:
    return plan_unit.result_start or plan_unit.planned_start or plan_unit.enrolment.start_date


def record_withdrawn_results(enrolment: Enrolment, actor_id: int, *, plan_unit_ids: set[int], finish: str,
                             typed: date | None, shown_last_active: date | None) -> int:
    """Withdrawn results finishing on the chosen date for the chosen units, all or none; how many were
    saved. `shown_last_active`: the last activity the person saw, so a newer read meanwhile is not
    taken for what they confirmed."""
    if not is_withdrawn(enrolment):
        raise DomainError("The enrolment is no longer withdrawn: nothing was recorded.", "finish")
    offer = withdrawal_offer(enrolment)
    if offer.withdrawn is None:
        raise DomainError("No result type has the national outcome 40 (Withdrawn): add one under Manage › Result "
                          "types first.", "finish")
    if not plan_unit_ids:
        raise DomainError("Tick the units to record as Withdrawn.", "units")
    open_units = {pu.id: pu for pu in offer.units}
    gone = [pu for pu in enrolment.plan_units if pu.id in plan_unit_ids and pu.id not in open_units]
    if gone or not plan_unit_ids <= {pu.id for pu in enrolment.plan_units}:
        names = ", ".join(f"{pu.unit.code} ({pu.result_type.name})" for pu in gone) or "a unit not on the plan"
        raise DomainError(f"{names} has a final result since this page was opened: nothing was recorded. Check the "
                          "units and confirm again.", "units")
    finished, source = _finish_date(offer, finish, typed, shown_last_active)
    chosen = [open_units[i] for i in sorted(plan_unit_ids)]
    early = [pu for pu in chosen if _start_of(pu) and _start_of(pu) > finished]
    if early:
        names = ", ".join(f"{pu.unit.code} (starts {_start_of(pu):%d/%m/%Y})" for pu in early)
        raise DomainError(f"The finish date {finished:%d/%m/%Y} is before the start of {names}: untick them or "
                          "choose a later date. Nothing was recorded.", "finish")
    for plan_unit in chosen:
        enter_unit_result(plan_unit, actor_id, result_type=offer.withdrawn, start=_start_of(plan_unit) or finished,
                          end=finished, date_source=source)
    return len(chosen)


def _finish_date(offer: WithdrawalOffer, finish: str, typed: date | None,
                 shown_last_active: date | None) -> tuple[date, str]:
    """The chosen finish date and, for the provenance, where it came from."""
    if finish == FROM_CANVAS:
        if offer.last_active_day is None:
            raise DomainError("Canvas shows no activity for this student: choose today or type a date.", "finish")
        if shown_last_active != offer.last_active_day:
            raise DomainError(f"The last activity in Canvas was read again since this page was opened: it is now "
                              f"{offer.last_active_day:%d/%m/%Y}. Check it and confirm again.", "finish")
        transfer = offer.enrolment.transfer
        zone = _zone(offer.enrolment)
        return offer.last_active_day, (
            f"Finish date: the last activity in Canvas, {format_rto_time(transfer.last_activity_at, zone)} "
            f"({rto_zone_name(zone)} time), {offer.engagement.total} in total, as read from "
            f"Canvas on {offer.engagement.read_at}.")
    if finish == TODAY:
        return offer.today, f"Finish date: the day it was recorded ({offer.today:%d/%m/%Y})."
    if finish == TYPED:
        if typed is None:
            raise DomainError("Type the finish date as dd/mm/yyyy.", "finish_date")
        return typed, "Finish date: typed by the person who recorded it."
    raise DomainError("Choose the finish date: the last activity in Canvas, today, or another date.", "finish")
