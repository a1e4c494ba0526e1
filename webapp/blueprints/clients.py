"""Clients (students)."""

from flask import Blueprint
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from ..forms.fields import DayMonthYearField
from ..models import Client
from ..request_limits import MAX_DB_INT
from ..services.canvas_sync.accounts import check_canvas_user_id
from .crud import Crud

bp = Blueprint("clients", __name__, url_prefix="/clients")


class ClientForm(FlaskForm):
    record_fields = ("code", "first_name", "last_name", "email", "date_of_birth", "canvas_user_id")
    advanced_fields = ("canvas_user_id",)

    code = StringField("Client code", validators=[DataRequired(), Length(max=20)])
    first_name = StringField("First name", validators=[DataRequired(), Length(max=80)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=80)])
    email = EmailField("Email", validators=[Optional(), Email(check_deliverability=False), Length(max=254)])
    date_of_birth = DayMonthYearField("Date of birth", validators=[Optional()])
    canvas_user_id = IntegerField(
        "Canvas user id",
        validators=[Optional(), NumberRange(min=1, max=MAX_DB_INT,
                                            message="A Canvas user id is a whole number from 1 to %(max)s.")],
        description="Advanced: links this client to an existing Canvas account. Enrolment transfer "
        "uses it instead of looking the student up; a wrong id enrols the wrong person. canvaslink checks "
        "it with Canvas when you save.",
    )


def _in_use(client: Client) -> str | None:
    if client.enrolments:
        return f"{client.full_name} has {len(client.enrolments)} enrolment(s); delete those first."
    return None


crud = Crud(
    blueprint=bp,
    entity="client",
    model=Client,
    form=ClientForm,
    label="client",
    label_plural="Clients",
    columns=[("code", "Code"), ("last_name", "Last name"), ("first_name", "First name"), ("email", "Email")],
    order_by=lambda: [Client.last_name, Client.first_name, Client.code],
    search=["code", "first_name", "last_name", "email"],
    unique=("code",),
    in_use=_in_use,
    check=lambda client, values: check_canvas_user_id(client.canvas_user_id if client else None,
                                                      values["canvas_user_id"]),
    view_template="clients/view.html",
)
