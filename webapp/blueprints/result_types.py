"""Manage › Result types: the unit results staff record, with their national outcome ids."""

from flask import Blueprint
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from ..extensions import db
from ..models import ResultType, TrainingPlanUnit
from .crud import Crud

bp = Blueprint("result_types", __name__, url_prefix="/manage/result-types")


class ResultTypeForm(FlaskForm):
    record_fields = ("name", "national_outcome_id", "is_final")

    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    national_outcome_id = IntegerField("National outcome id", validators=[DataRequired(), NumberRange(min=1, max=99)])
    is_final = BooleanField(
        "Final result", description="Automatic transfers from Canvas never replace a final result."
    )


def _in_use(result_type: ResultType) -> str | None:
    count = db.session.scalar(select(func.count()).where(TrainingPlanUnit.result_type_id == result_type.id))
    return f"{count} unit result(s) are recorded with it." if count else None


crud = Crud(
    blueprint=bp,
    entity="result_type",
    model=ResultType,
    form=ResultTypeForm,
    label="result type",
    label_plural="Result types",
    columns=[("national_outcome_id", "National outcome id"), ("name", "Name"), ("is_final", "Final")],
    order_by=lambda: [ResultType.national_outcome_id, ResultType.name],
    search=["name"],
    unique=("name",),
    in_use=_in_use,
)
