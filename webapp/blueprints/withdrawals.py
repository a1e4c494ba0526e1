"""A withdrawal's evidence: after staff set an enrolment to Withdrawn, the student's last activity in
Canvas and total time there, and Withdrawn results for the units with no final result, finishing on a
date the person chooses. Nothing is saved until they confirm."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user

from ..forms.enrolments import WithdrawalResultsForm
from ..models import Enrolment
from ..services.clock import parse_day
from ..services.engagement import withdrawal as service
from .common import get_or_404, render, require, save_or_refuse

bp = Blueprint("withdrawals", __name__)


def _day(text: str | None):
    """The hidden date the page showed; a tampered one counts as none shown, which the service refuses."""
    try:
        return parse_day(text)
    except ValueError:
        return None


@bp.route("/enrolments/<int:enrolment_id>/withdrawal", methods=["GET", "POST"])
@require("enrolment", "edit")
def offer(enrolment_id: int):
    enrolment = get_or_404(Enrolment, enrolment_id)
    back = url_for("enrolments.view", enrolment_id=enrolment.id)
    if not service.is_withdrawn(enrolment):
        flash("Withdrawn results are offered once the enrolment's status is a withdrawal.", "error")
        return redirect(back)
    offered = service.withdrawal_offer(enrolment)
    form = WithdrawalResultsForm()
    form.finish.choices = offered.choices
    if request.method == "GET":
        form.finish.data = offered.choices[0][0]
        form.units.data = [pu.id for pu in offered.units]
        form.shown_last_active.data = f"{offered.last_active_day:%d/%m/%Y}" if offered.last_active_day else ""
    elif form.validate_on_submit():
        saved_count, saved = save_or_refuse(form, lambda: service.record_withdrawn_results(
            enrolment, current_user.id, plan_unit_ids=set(form.units.data or ()), finish=form.finish.data,
            typed=form.finish_date.data, shown_last_active=_day(form.shown_last_active.data)),
            at={"finish": "finish", "units": "units"})
        if saved:
            flash(f"Recorded Withdrawn for {saved_count} unit{'s' if saved_count != 1 else ''}.", "success")
            return redirect(back)
    status = 422 if request.method == "POST" else 200
    return render("withdrawals/offer.html", status=status, form=form, offer=offered, enrolment=enrolment, back=back)
