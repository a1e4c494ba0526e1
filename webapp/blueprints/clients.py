"""Clients (students)."""

from flask import Blueprint, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from ..forms.fields import DayMonthYearField
from ..models import Client
from ..request_limits import MAX_DB_INT
from ..services import DomainError
from ..services.canvas_sync.accounts import check_canvas_user_id, look_up_canvas_account
from ..services.permissions import can
from .common import get_or_404, render, require
from .crud import Crud

# The Canvas user id decides whose Canvas account the integration's administrator token acts on, so
# setting it takes the Canvas right, not client edit (security round 3, H2).
CANVAS_RIGHT = ("enrolment_transfer", "edit")

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not can(current_user, *CANVAS_RIGHT):
            self.canvas_user_id.render_kw = {"readonly": True}
            self.canvas_user_id.description = ("Set by enrolment transfer. Only staff who may transfer enrolments to "
                                               "Canvas can change it.")
            return
        # Who the typed id is in Canvas, shown under the field as soon as it is typed (clients/form.html
        # asks for the saved one when the form opens).
        obj = kwargs.get("obj")
        self.canvas_user_id.render_kw = {
            "hx-get": url_for("clients.canvas_account", client_id=obj.id if obj else None),
            "hx-trigger": "change", "hx-target": "#canvas-account", "hx-swap": "innerHTML"}


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
    check=lambda client, values: _check(client, values["canvas_user_id"]),
    view_template="clients/view.html",
    form_template="clients/form.html",
)


def _check(client: Client | None, canvas_user_id: int | None) -> None:
    if canvas_user_id != (client.canvas_user_id if client else None) and not can(current_user, *CANVAS_RIGHT):
        raise DomainError("Only staff who may transfer enrolments to Canvas may set or change the Canvas user id: it "
                          "decides whose Canvas account canvaslink acts on. Ask them, or leave it as it was.",
                          "canvas_user_id")
    check_canvas_user_id(client, canvas_user_id)


@bp.get("/canvas-account")
@require(*CANVAS_RIGHT)
def canvas_account():
    """Who a Canvas user id is, for the client form: name, login and SIS ID, or why it is refused."""
    client = get_or_404(Client, request.args.get("client_id", type=int)) if request.args.get("client_id") else None
    typed = request.args.get("canvas_user_id", "").strip()
    if not typed.isdigit():
        return render("clients/_canvas_account.html", account=None, error=None)
    try:
        account = look_up_canvas_account(client, int(typed))
    except DomainError as err:
        return render("clients/_canvas_account.html", account=None, error=err.message)
    return render("clients/_canvas_account.html", account=account, error=None)
