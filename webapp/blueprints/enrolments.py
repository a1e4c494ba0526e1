"""Enrolments: enrol a client in an occurrence, the enrolment page with its training plan, and
where a recorded result came from (its provenance)."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlalchemy import or_, select

from ..extensions import db
from ..forms.enrolments import EnrolForm, EnrolmentForm, StatusChangeForm, TaskStatusForm, UnitResultForm
from ..models import (
    Client, Enrolment, EnrolmentStatus, EnrolmentTask, Occurrence, ResultProvenance, ResultType, StatusType,
    TaskStatus, TrainingPlanUnit,
)
from ..rto_time import rto_today
from ..services import DomainError
from ..services.canvas_links.link import current_link
from ..services.records import same_text
from ..services.sms import enrolments as service
from ..services.versions import NewerVersion, check_version, provenance as changed_by
from .common import (
    confirm_delete, db_int, fragment_or_back, get_or_404, refusal_status, render, require, save_or_refuse,
)

bp = Blueprint("enrolments", __name__)


@bp.route("/occurrences/<int:occurrence_id>/enrol", methods=["GET", "POST"])
@require("enrolment", "add")
def enrol(occurrence_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    form = EnrolForm()
    if request.method == "GET":
        form.status_id.data = _default_status_id()
    if form.validate_on_submit():
        client, saved = save_or_refuse(form, lambda: _enrol(occurrence, form), at={"client_id": "client_code"})
        if saved:
            flash(f"Enrolled {client} in occurrence {occurrence.id}.", "success")
            if request.form.get("again"):
                return redirect(url_for(".enrol", occurrence_id=occurrence.id))
            return redirect(url_for("occurrences.view", occurrence_id=occurrence.id, _anchor="enrolments"))
    status = 422 if request.method == "POST" else 200
    return render("enrolments/enrol.html", status=status, form=form, occurrence=occurrence)


def _enrol(occurrence: Occurrence, form: EnrolForm) -> Client:
    code = form.client_code.data.strip()
    client = db.session.scalar(select(Client).where(same_text(Client.code, code)))
    if client is None:
        raise DomainError(f"There is no client with code “{code}”. Check the code or add the client first.",
                          "client_code")
    service.enrol(occurrence, client, start_date=form.start_date.data, end_date=form.end_date.data,
                  status=db.session.get(EnrolmentStatus, form.status_id.data), actor_id=current_user.id)
    return client


def _default_status_id() -> int | None:
    return db.session.scalar(select(EnrolmentStatus.id).where(EnrolmentStatus.name == "Enrolled"))


@bp.route("/occurrences/<int:occurrence_id>/enrol/clients")
@require("enrolment", "add")
def client_suggestions(occurrence_id: int):
    """Datalist options for the client code box, as the user types."""
    q = request.args.get("client_code", "").strip()
    clients = []
    if len(q) >= 2:
        like = f"%{q}%"
        clients = db.session.scalars(
            select(Client).where(or_(Client.code.ilike(like), Client.first_name.ilike(like),
                                     Client.last_name.ilike(like), Client.email.ilike(like)))
            .order_by(Client.last_name, Client.first_name).limit(15)
        ).all()
    return render_block("enrolments/enrol.html", "suggestions", clients=clients)  # only ever a fragment


@bp.route("/enrolments/<int:enrolment_id>")
@require("enrolment", "view")
def view(enrolment_id: int):
    enrolment = get_or_404(Enrolment, enrolment_id)
    return render("enrolments/view.html", enrolment=enrolment, result_form=UnitResultForm(),
                  task_form=TaskStatusForm())


@bp.route("/enrolments/<int:enrolment_id>/edit", methods=["GET", "POST"])
@require("enrolment", "edit")
def edit(enrolment_id: int):
    enrolment = get_or_404(Enrolment, enrolment_id)
    form = EnrolmentForm(obj=enrolment)
    if form.validate_on_submit():
        was = enrolment.status.status_type
        _, saved = save_or_refuse(form, lambda: service.update_enrolment(
            enrolment, start_date=form.start_date.data, end_date=form.end_date.data,
            status=db.session.get(EnrolmentStatus, form.status_id.data), actor_id=current_user.id),
            record=enrolment, entity="enrolment")
        if saved:
            flash("Saved the enrolment.", "success")
            # Just withdrawn with units still open: offer Withdrawn results, with the evidence for the date.
            if was != StatusType.WITHDRAWN and enrolment.status.status_type == StatusType.WITHDRAWN and any(
                    pu.result_type is None or not pu.result_type.is_final for pu in enrolment.plan_units):
                return redirect(url_for("withdrawals.offer", enrolment_id=enrolment.id))
            return redirect(url_for(".view", enrolment_id=enrolment.id))
    status = refusal_status(form) if request.method == "POST" else 200
    return render("enrolments/edit.html", status=status, form=form, enrolment=enrolment)


@bp.route("/occurrences/<int:occurrence_id>/enrolments/status", methods=["GET", "POST"])
@require("enrolment", "edit")
def change_status(occurrence_id: int):
    """Change status… for the students selected on the occurrence's Enrolments: choose the status (and
    the end date it needs), see how many students it changes, confirm. Each change is saved and
    audited as a single edit; the whole batch is announced as one."""
    occurrence = get_or_404(Occurrence, occurrence_id)
    back = url_for("occurrences.view", occurrence_id=occurrence.id, _anchor="enrolments")
    ids = set(request.values.getlist("enrolment", type=db_int))
    chosen = db.session.scalars(select(Enrolment).join(Enrolment.client).where(
        Enrolment.occurrence_id == occurrence.id, Enrolment.id.in_(ids))
        .order_by(Client.last_name, Client.first_name)).all() if ids else []
    if not chosen:
        flash("Select the students whose status changes first: tick them in the Enrolments table.", "error")
        return redirect(back)
    form = StatusChangeForm()
    if request.method == "GET":
        form.end_date.data = rto_today()
    confirming = form.validate_on_submit() and "edit" not in request.form
    if confirming and request.form.get("confirmed"):
        status = form.status()
        changed, saved = save_or_refuse(form, lambda: service.change_statuses(
            chosen, status, end_date=form.end_date.data if status.status_type != StatusType.ACTIVE else None,
            actor_id=current_user.id))
        if saved:
            same = len(chosen) - changed
            flash(f"Changed the status of {changed} student{'s' if changed != 1 else ''} to {status.name}"
                  + (f" ({same} had it already)." if same else "."), "success")
            return redirect(back)
        confirming = False
    refused = request.method == "POST" and bool(form.errors or form.form_errors)
    return render("enrolments/change_status.html", status=422 if refused else 200, form=form, occurrence=occurrence,
                  chosen=chosen, confirming=confirming, back=back, canvas_link=current_link(occurrence))


@bp.route("/enrolments/<int:enrolment_id>/provenance/<int:provenance_id>")
@require("enrolment", "view")
def provenance(enrolment_id: int, provenance_id: int):
    enrolment = get_or_404(Enrolment, enrolment_id)
    record = get_or_404(ResultProvenance, provenance_id)
    if record.enrolment_id != enrolment.id:
        abort(404)
    history = db.session.scalars(select(ResultProvenance).where(
        ResultProvenance.enrolment_id == enrolment.id, ResultProvenance.plan_unit_id == record.plan_unit_id,
        ResultProvenance.enrolment_task_id == record.enrolment_task_id)
        .order_by(ResultProvenance.processed_at.desc(), ResultProvenance.id.desc())).all()
    if record.plan_unit_id:
        plan_unit = db.session.get(TrainingPlanUnit, record.plan_unit_id)
        what = f"Unit {plan_unit.unit.code} {plan_unit.unit.name}"
    else:
        what = f"Task {db.session.get(EnrolmentTask, record.enrolment_task_id).task.name}"
    return render("enrolments/provenance.html", enrolment=enrolment, record=record, history=history, what=what)


@bp.route("/enrolments/<int:enrolment_id>/units/<int:plan_unit_id>", methods=["POST"])
@require("enrolment", "edit")
def record_result(enrolment_id: int, plan_unit_id: int):
    plan_unit = db.session.get(TrainingPlanUnit, plan_unit_id)
    if plan_unit is None or plan_unit.enrolment_id != enrolment_id:
        abort(404)
    form = UnitResultForm()
    error, newer = None, False
    if form.validate_on_submit():
        try:
            check_version(plan_unit, form.version.data,
                          changed_by(ResultProvenance.plan_unit_id, f"The result of {plan_unit.unit.code}"))
            service.enter_unit_result(plan_unit, current_user.id,
                                      result_type=db.session.get(ResultType, form.result_type_id.data),
                                      start=form.result_start.data, end=form.result_end.data)
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            error, newer = err.message, isinstance(err, NewerVersion)
    else:
        error = "Check the dates: " + "; ".join(e for errs in form.errors.values() for e in errs)
    # Refused over a newer version, the row shows what was typed (and the version it now carries).
    return fragment_or_back("enrolments/view.html", "plan_unit_row", url_for(".view", enrolment_id=enrolment_id),
                            error=error, newer=newer, done="Saved the unit result.", enrolment=plan_unit.enrolment,
                            plan_unit=plan_unit, result_form=form, typed=form if newer else None, row_error=error,
                            saved=not error)


@bp.route("/enrolments/<int:enrolment_id>/tasks/<int:enrolment_task_id>", methods=["POST"])
@require("enrolment", "edit")
def set_task_status(enrolment_id: int, enrolment_task_id: int):
    enrolment_task = db.session.get(EnrolmentTask, enrolment_task_id)
    if enrolment_task is None or enrolment_task.enrolment_id != enrolment_id:
        abort(404)
    form = TaskStatusForm()
    error, newer = None, False
    if form.validate_on_submit():
        try:
            check_version(enrolment_task, form.version.data,
                          changed_by(ResultProvenance.enrolment_task_id, f"The status of “{enrolment_task.task.name}”"))
            service.enter_task_status(enrolment_task, current_user.id,
                                      status=db.session.get(TaskStatus, form.task_status_id.data),
                                      on=form.status_date.data)
            db.session.commit()
        except NewerVersion as err:
            db.session.rollback()
            error, newer = err.message, True
    else:
        error = "; ".join(e for errs in form.errors.values() for e in errs)
    return fragment_or_back("enrolments/view.html", "task_row", url_for(".view", enrolment_id=enrolment_id),
                            error=error, newer=newer, done="Saved the task status.",
                            enrolment=enrolment_task.enrolment, enrolment_task=enrolment_task, task_form=form,
                            typed=form if newer else None, row_error=error, saved=not error)


@bp.route("/enrolments/<int:enrolment_id>/delete", methods=["GET", "POST"])
@require("enrolment", "delete")
def delete(enrolment_id: int):
    enrolment = get_or_404(Enrolment, enrolment_id)
    return confirm_delete(lambda: service.delete_enrolment(enrolment, current_user.id),
                          what=f"the enrolment of {enrolment.client.full_name} in occurrence {enrolment.occurrence_id}",
                          detail="Its training plan, unit results and task statuses are deleted with it.",
                          cancel_url=url_for(".view", enrolment_id=enrolment.id),
                          done_url=url_for("occurrences.view", occurrence_id=enrolment.occurrence_id,
                                           _anchor="enrolments"),
                          done=f"Deleted the enrolment of {enrolment.client} and its training plan.")
