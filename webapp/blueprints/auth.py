"""Sign in and out."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ..extensions import db
from ..services.users import SignInRefused, sign_in
from .common import public, render, signed_in

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()], render_kw={"autofocus": True,
                                                                                "autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an attacker's ?next= must not bounce staff off-site after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = sign_in(form.username.data, form.password.data, request.remote_addr or "unknown",
                           max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                           window_minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
        except SignInRefused as err:
            db.session.commit()  # the failed attempt must be kept for throttling
            error = err.message
        else:
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    status = 422 if request.method == "POST" else 200
    return render("auth/login.html", status=status, form=form, error=error)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
