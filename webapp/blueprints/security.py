"""Manage › Security: roles × entities × actions, users and their roles."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..extensions import db, htmx
from ..models import Role, User
from ..services import DomainError
from ..services.permissions import ACTIONS, ENTITIES, ENTITY_NAMES, can, grants
from ..services.staff import security as service
from ..services.versions import NewerVersion, audited, check_version
from .common import (
    confirm_delete, db_int, form_error, fragment_or_back, get_or_404, render, require, save_or_refuse,
)

bp = Blueprint("security", __name__, url_prefix="/manage/security")


class RoleForm(FlaskForm):
    name = StringField("Role name", validators=[DataRequired(), Length(max=80)])
    description = StringField("Description", validators=[Optional(), Length(max=255)])


class UserForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)],
                           render_kw={"autocomplete": "off"})
    display_name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[Optional(), Email(check_deliverability=False)])
    active = BooleanField("Active (may sign in)", default=True)
    password = PasswordField("Password", render_kw={"autocomplete": "new-password"},
                             description="At least 10 characters. When editing, leave empty to keep the password.")
    role_ids = SelectMultipleField("Roles", coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role_ids.choices = [(r.id, r.name) for r in _roles()]


def _roles() -> list[Role]:
    return db.session.scalars(select(Role).order_by(Role.name)).all()


def _users() -> list[User]:
    return db.session.scalars(select(User).order_by(User.username)).all()


def _index(status: int = 200, role_form: RoleForm | None = None):
    users = _users()
    # Whose accounts this user may change: the page offers no change the server would refuse.
    changeable = {user.id for user in users if service.may_change_user(current_user, user)}
    return render("security/index.html", status=status, roles=_roles(), users=users, changeable=changeable,
                  role_form=role_form or RoleForm())


@bp.route("/")
@require("role", "view")
def index():
    return _index()


@bp.route("/roles/<int:role_id>")
@require("role", "view")
def role(role_id: int):
    role = get_or_404(Role, role_id)
    return render("security/role.html", role=role, entities=ENTITIES, actions=ACTIONS, granted=grants(role))


@bp.route("/roles/<int:role_id>/permissions", methods=["POST"])
@require("role", "edit")
def set_permission(role_id: int):
    role = get_or_404(Role, role_id)
    entity, action = request.form.get("entity"), request.form.get("action")
    if entity not in ENTITY_NAMES or action not in ACTIONS:
        abort(400)
    granted = request.form.get("granted") == "on"
    error = None
    try:
        # The page carries the role's version: a tick on a page opened before someone changed the role's
        # rights is refused, and the page shows the rights as they stand now.
        check_version(role, request.form.get("version", type=db_int), audited("role", f"The role {role.name}"))
        service.change_permission(current_user, role, entity, action, granted)
        db.session.commit()
    except NewerVersion as err:
        db.session.rollback()
        said = (f"{err.changed}. Your change ({action} {entity.replace('_', ' ')}) was not saved: the boxes show "
                "the rights as they stand now. Tick again what you still want to change.")
        if not htmx:
            flash(said, "error")
            return redirect(url_for(".role", role_id=role.id))
        body, _ = render("security/role.html", block="matrix", role=role, entities=ENTITIES, actions=ACTIONS,
                         granted=grants(role), matrix_error=said)
        return body, 409, {"HX-Retarget": "#permissions", "HX-Reswap": "innerHTML"}
    except DomainError as err:
        db.session.rollback()
        error = err.message
    return fragment_or_back("security/role.html", "cell", url_for(".role", role_id=role.id), error=error, role=role,
                            entity=entity, action=action, granted=grants(role), cell_error=error, saved=not error)


@bp.route("/roles", methods=["POST"])
@require("role", "add")
def add_role():
    form = RoleForm()
    if form.validate_on_submit():
        role, saved = save_or_refuse(form, lambda: service.create_role(current_user, form.name.data,
                                                                        form.description.data or ""))
        if saved:
            flash(f"Added role {role.name}. Tick what it may do.", "success")
            return redirect(url_for(".role", role_id=role.id))
    return _index(status=422, role_form=form)


@bp.route("/roles/<int:role_id>/delete", methods=["GET", "POST"])
@require("role", "delete")
def delete_role(role_id: int):
    role = get_or_404(Role, role_id)
    return confirm_delete(lambda: service.delete_role(current_user, role), what=f"the role {role.name}",
                          detail=f"{len(role.users)} user(s) will lose what this role gives them.",
                          cancel_url=url_for(".role", role_id=role.id), done_url=url_for(".index"),
                          done=f"Deleted role {role.name}.")


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
@require("role", "edit")
def set_user_role(user_id: int):
    user = get_or_404(User, user_id)
    role = get_or_404(Role, request.form.get("role_id", type=db_int))
    error = None
    try:
        service.change_user_role(current_user, user, role, request.form.get("member") == "on")
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        error = err.message
    return fragment_or_back("security/index.html", "membership", url_for(".index"), error=error, user=user,
                            role=role, membership_error=error,
                            changeable={user.id} if service.may_change_user(current_user, user) else set())


@bp.route("/users/new", methods=["GET", "POST"])
@require("user", "add")
def new_user():
    form = UserForm()
    form.password.validators = [DataRequired()]
    if not can(current_user, "role", "edit"):
        del form.role_ids  # giving roles is a security change; such users get a role from someone who may
    if form.validate_on_submit():
        user, saved = save_or_refuse(form, lambda: _create_user(form))
        if saved:
            flash(f"Added user {user.username}.", "success")
            return redirect(url_for(".index"))
    status = 422 if request.method == "POST" else 200
    return render("security/user_form.html", status=status, form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@require("user", "edit")
def edit_user(user_id: int):
    user = get_or_404(User, user_id)
    form = UserForm(obj=user)
    del form.username, form.role_ids  # usernames are fixed; roles change on the security page
    locked = False
    try:
        service.check_may_change_user(current_user, user)
    except DomainError as err:
        locked = True  # the form is shown, but offers no save
        if request.method == "GET":  # a save is refused with this very message
            form_error(form, err)
    if form.validate_on_submit():
        _, saved = save_or_refuse(form, lambda: service.update_user(
            current_user, user, display_name=form.display_name.data, email=form.email.data or None,
            active=form.active.data, password=form.password.data or None))
        if saved:
            if user.id == current_user.id and user.active:
                login_user(user)  # a new password ends the other sessions, not the one that set it
            flash(f"Saved user {user.username}.", "success")
            return redirect(url_for(".index"))
    status = 422 if request.method == "POST" else 200
    return render("security/user_form.html", status=status, form=form, user=user, locked=locked)


def _create_user(form) -> User:
    roles = [r for r in _roles() if r.id in form.role_ids.data] if "role_ids" in form else []
    return service.add_user(current_user, username=form.username.data, display_name=form.display_name.data,
                            password=form.password.data, email=form.email.data or None, active=form.active.data,
                            roles=roles)


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"])
@require("user", "delete")
def delete_user(user_id: int):
    user = get_or_404(User, user_id)
    return confirm_delete(lambda: service.delete_user(current_user, user), what=f"the user {user.username}",
                          detail="They will no longer be able to sign in.", cancel_url=url_for(".index"),
                          done_url=url_for(".index"), done=f"Deleted the user {user.username}.")
