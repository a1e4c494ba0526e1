"""Manage › Task statuses: the statuses an enrolment's task can have, in their order."""

from flask import Blueprint
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from ..extensions import db
from ..models import EnrolmentTask, TaskStatus
from .crud import Crud

bp = Blueprint("task_statuses", __name__, url_prefix="/manage/task-statuses")


class TaskStatusForm(FlaskForm):
    record_fields = ("name", "position", "is_complete")

    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    position = IntegerField("Order", default=0, validators=[NumberRange(min=0, max=999)])
    is_complete = BooleanField(
        "Marks the task complete", description="Automatic transfers never move a task back from this status."
    )


def _in_use(status: TaskStatus) -> str | None:
    count = db.session.scalar(select(func.count()).where(EnrolmentTask.task_status_id == status.id))
    return f"{count} enrolment task(s) have this status." if count else None


crud = Crud(
    blueprint=bp,
    entity="task_status",
    model=TaskStatus,
    form=TaskStatusForm,
    label="task status",
    label_plural="Task statuses",
    columns=[("position", "Order"), ("name", "Name"), ("is_complete", "Completes the task")],
    order_by=lambda: [TaskStatus.position, TaskStatus.name],
    search=["name"],
    unique=("name",),
    in_use=_in_use,
)
