"""Units of competency."""

from flask import Blueprint
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..models import OccurrenceUnit, Unit
from .crud import Crud

bp = Blueprint("units", __name__, url_prefix="/units")


class UnitForm(FlaskForm):
    record_fields = ("code", "name")

    code = StringField("Code", validators=[DataRequired(), Length(max=20)])
    name = StringField("Name", validators=[DataRequired(), Length(max=255)])


def _in_use(unit: Unit) -> str | None:
    count = db.session.scalar(select(func.count()).where(OccurrenceUnit.unit_id == unit.id))
    return f"it is part of {count} occurrence(s)." if count else None


crud = Crud(
    blueprint=bp,
    entity="unit",
    model=Unit,
    form=UnitForm,
    label="unit",
    label_plural="Units",
    columns=[("code", "Code"), ("name", "Name")],
    order_by=lambda: [Unit.code],
    search=["code", "name"],
    unique=("code",),
    in_use=_in_use,
)
