"""Result types and task statuses: the configurable outcomes."""

from flask import Blueprint
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from ..extensions import db
from ..models import EnrolmentTask, ResultType, TaskStatus, TrainingPlanUnit
from .crud import Crud

result_types_bp = Blueprint("result_types", __name__, url_prefix="/manage/result-types")
task_statuses_bp = Blueprint("task_statuses", __name__, url_prefix="/manage/task-statuses")


class ResultTypeForm(FlaskForm):
    record_fields = ("name", "national_outcome_id", "is_final")

    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    national_outcome_id = IntegerField("National outcome id", validators=[DataRequired(), NumberRange(min=1, max=99)])
    is_final = BooleanField(
        "Final result", description="Automatic transfers from Canvas never replace a final result."
    )


class TaskStatusForm(FlaskForm):
    record_fields = ("name", "position", "is_complete")

    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    position = IntegerField("Order", default=0, validators=[NumberRange(min=0, max=999)])
    is_complete = BooleanField(
        "Marks the task complete", description="Automatic transfers never move a task back from this status."
    )


def _count_uses(column, ident) -> int:
    return db.session.scalar(select(func.count()).where(column == ident))


def _result_type_in_use(result_type: ResultType) -> str | None:
    count = _count_uses(TrainingPlanUnit.result_type_id, result_type.id)
    return f"{count} unit result(s) are recorded with it." if count else None


def _task_status_in_use(status: TaskStatus) -> str | None:
    count = _count_uses(EnrolmentTask.task_status_id, status.id)
    return f"{count} enrolment task(s) have this status." if count else None


result_types = Crud(
    blueprint=result_types_bp,
    entity="result_type",
    model=ResultType,
    form=ResultTypeForm,
    label="result type",
    label_plural="Result types",
    columns=[("national_outcome_id", "National outcome id"), ("name", "Name"), ("is_final", "Final")],
    order_by=lambda: [ResultType.national_outcome_id, ResultType.name],
    search=["name"],
    unique=("name",),
    in_use=_result_type_in_use,
)

task_statuses = Crud(
    blueprint=task_statuses_bp,
    entity="task_status",
    model=TaskStatus,
    form=TaskStatusForm,
    label="task status",
    label_plural="Task statuses",
    columns=[("position", "Order"), ("name", "Name"), ("is_complete", "Completes the task")],
    order_by=lambda: [TaskStatus.position, TaskStatus.name],
    search=["name"],
    unique=("name",),
    in_use=_task_status_in_use,
)
