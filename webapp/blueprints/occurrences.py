"""Occurrences: the list, the occurrence page (units, tasks, task matrix, enrolments)."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import selectinload
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..extensions import db
from ..forms.fields import DayMonthYearField, VersionField, status_choices
from ..models import Client, Enrolment, Occurrence, OccurrenceStatus, StatusType, Task, TrainingPlanUnit, Unit
from ..request_limits import MAX_DB_INT
from ..services import DomainError
from ..services.canvas_links.link import current_link
from ..services.records import same_text
from ..services.sms import occurrences as service
from .common import (
    confirm_delete, db_int, fragment_or_back, get_or_404, history_of, paginate, refusal_status, render, require,
    save_or_refuse,
)

bp = Blueprint("occurrences", __name__, url_prefix="/occurrences")


class OccurrenceForm(FlaskForm):
    id = IntegerField("Occurrence ID", validators=[Optional(), NumberRange(min=1, max=MAX_DB_INT)],
                      description="Leave empty to take the next number. Canvas sections use it as their SIS ID.")
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    program_name = StringField("Program", validators=[Optional(), Length(max=200)])
    start_date = DayMonthYearField("Start date", validators=[Optional()])
    end_date = DayMonthYearField("End date", validators=[Optional()])
    status_id = SelectField("Status", coerce=int, choices=lambda: status_choices(OccurrenceStatus))
    version = VersionField()


class UnitChoiceForm(FlaskForm):
    unit_code = StringField("Unit code", validators=[DataRequired()])


class TaskForm(FlaskForm):
    name = StringField("Task name", validators=[DataRequired(), Length(max=200)])


@bp.route("/")
@require("occurrence", "view")
def index():
    q = request.args.get("q", "").strip()
    status_type = request.args.get("status_type", "")
    query = select(Occurrence).join(Occurrence.status).order_by(Occurrence.start_date.desc(), Occurrence.id.desc())
    if q:
        like = f"%{q}%"
        query = query.where(or_(cast(Occurrence.id, String).like(like), Occurrence.name.ilike(like),
                                Occurrence.program_name.ilike(like)))
    if status_type in StatusType.__members__:
        query = query.where(OccurrenceStatus.status_type == StatusType[status_type])
    return render("occurrences/list.html", block="results", page=paginate(query), q=q, status_type=status_type,
                  status_types=[StatusType.ACTIVE, StatusType.COMPLETED, StatusType.CANCELLED])


@bp.route("/new", methods=["GET", "POST"])
@require("occurrence", "add")
def new():
    return _save(None)


@bp.route("/<int:occurrence_id>/edit", methods=["GET", "POST"])
@require("occurrence", "edit")
def edit(occurrence_id: int):
    return _save(get_or_404(Occurrence, occurrence_id))


def _save(occurrence: Occurrence | None):
    form = OccurrenceForm(obj=occurrence)
    if occurrence is not None:
        del form.id  # the occurrence ID is fixed once Canvas may know it
    if form.validate_on_submit():
        values = {f: form[f].data for f in ("name", "program_name", "start_date", "end_date")}
        values["status"] = db.session.get(OccurrenceStatus, form.status_id.data)
        if occurrence is None:
            values["id"] = form.id.data
        saved, done = save_or_refuse(form, lambda: service.save_occurrence(occurrence, values, current_user.id),
                                     record=occurrence, entity="occurrence")
        if done:
            flash(f"Saved occurrence {saved.id}.", "success")
            return redirect(url_for(".view", occurrence_id=saved.id))
    status = refusal_status(form) if request.method == "POST" else 200
    return render("occurrences/form.html", status=status, form=form, occurrence=occurrence)


@bp.route("/<int:occurrence_id>")
@require("occurrence", "view")
def view(occurrence_id: int):
    return _page(get_or_404(Occurrence, occurrence_id))


def _page(occurrence: Occurrence, block: str | None = None, status: int = 200, **forms):
    unit_form = forms.get("unit_form") or UnitChoiceForm()
    task_form = forms.get("task_form") or TaskForm()
    used = {ou.unit_id for ou in occurrence.occurrence_units}
    available_units = [u for u in db.session.scalars(select(Unit).order_by(Unit.code)) if u.id not in used]
    return render("occurrences/view.html", block=block, status=status, occurrence=occurrence,
                  canvas_link=current_link(occurrence), enrolments=_enrolments_with_results(occurrence),
                  matrix=service.matrix_lookup(occurrence), unit_form=unit_form, task_form=task_form,
                  available_units=available_units)


def _enrolments_with_results(occurrence: Occurrence) -> list[Enrolment]:
    """The Enrolments section's rows, loaded in a handful of queries however large the class."""
    return db.session.scalars(
        select(Enrolment).join(Enrolment.client).where(Enrolment.occurrence_id == occurrence.id)
        .options(selectinload(Enrolment.client), selectinload(Enrolment.status), selectinload(Enrolment.transfer),
                 selectinload(Enrolment.plan_units).selectinload(TrainingPlanUnit.result_type))
        .order_by(Client.last_name, Client.first_name)).all()


@bp.route("/<int:occurrence_id>/history")
@require("occurrence", "view")
def history(occurrence_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    link = current_link(occurrence)
    return render("occurrences/history.html", occurrence=occurrence, events=history_of(occurrence, 200),
                  limit=200, zone=link.integration if link else None)


@bp.route("/<int:occurrence_id>/delete", methods=["GET", "POST"])
@require("occurrence", "delete")
def delete(occurrence_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    detail = (f"{len(occurrence.enrolments)} enrolment(s) must be deleted first." if occurrence.enrolments
              else "Its units, tasks and task matrix go with it.")
    return confirm_delete(lambda: service.delete_occurrence(occurrence, current_user.id),
                          what=f"occurrence {occurrence.id} {occurrence.name}", detail=detail,
                          cancel_url=url_for(".view", occurrence_id=occurrence_id), done_url=url_for(".index"),
                          done=f"Deleted occurrence {occurrence_id}.")


def _structure_change(occurrence: Occurrence, change, **forms):
    """Apply one change to units/tasks/matrix and answer with the refreshed structure section."""
    try:
        change()
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        db.session.refresh(occurrence)
        flash(err.message, "error")
        return _page(occurrence, block="structure", status=422, **forms)
    return _page(occurrence, block="structure")


@bp.route("/<int:occurrence_id>/units", methods=["POST"])
@require("occurrence", "edit")
def add_unit(occurrence_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    form = UnitChoiceForm()
    if not form.validate_on_submit():
        return _page(occurrence, block="structure", status=422, unit_form=form)
    code = form.unit_code.data.strip()
    unit = db.session.scalar(select(Unit).where(same_text(Unit.code, code)))
    if unit is None:
        form.unit_code.errors.append(f"There is no unit with code “{code}”. Add it under Units first.")
        return _page(occurrence, block="structure", status=422, unit_form=form)
    return _structure_change(occurrence, lambda: service.add_unit(occurrence, unit), unit_form=form)


@bp.route("/<int:occurrence_id>/units/<int:unit_id>/remove", methods=["POST"])
@require("occurrence", "edit")
def remove_unit(occurrence_id: int, unit_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    unit = get_or_404(Unit, unit_id)
    return _structure_change(occurrence, lambda: service.remove_unit(occurrence, unit))


@bp.route("/<int:occurrence_id>/tasks", methods=["POST"])
@require("occurrence", "edit")
def add_task(occurrence_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    form = TaskForm()
    if not form.validate_on_submit():
        return _page(occurrence, block="structure", status=422, task_form=form)
    return _structure_change(occurrence, lambda: service.add_task(occurrence, form.name.data), task_form=form)


@bp.route("/<int:occurrence_id>/tasks/<int:task_id>/remove", methods=["POST"])
@require("occurrence", "edit")
def remove_task(occurrence_id: int, task_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    task = _task_of(occurrence, task_id)
    return _structure_change(occurrence, lambda: service.remove_task(task))


@bp.route("/<int:occurrence_id>/matrix", methods=["POST"])
@require("occurrence", "edit")
def set_matrix_cell(occurrence_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    task = _task_of(occurrence, request.form.get("task_id", type=db_int))
    unit = get_or_404(Unit, request.form.get("unit_id", type=db_int))
    kind = request.form.get("kind")
    if kind not in ("starts", "completes"):
        abort(400)
    value = request.form.get("value") == "on"
    error = None
    try:
        service.set_matrix_cell(task, unit, kind, value)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        error = err.message
    return fragment_or_back("occurrences/view.html", "matrix_cell", url_for(".view", occurrence_id=occurrence.id),
                            error=error, occurrence=occurrence, task=task, unit=unit,
                            matrix=service.matrix_lookup(occurrence), cell_error=error)


def _task_of(occurrence: Occurrence, task_id: int | None) -> Task:
    task = db.session.get(Task, task_id) if task_id else None
    if task is None or task.occurrence_id != occurrence.id:
        abort(404)
    return task
