"""Sign in and out."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ..extensions import db
from ..services.staff.users import SignInLimits, SignInRefused, end_sessions, record_attempt, sign_in
from .common import public, render, signed_in

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired()], render_kw={"autofocus": True,
                                                                                "autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an attacker's ?next= must not bounce staff off-site after sign-in
    (nor split the Location header with a line break)."""
    if (target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc
            and target.isprintable() and "\\" not in target):
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        attempt = record_attempt(form.username.data, request.remote_addr or "unknown")
        db.session.commit()  # before any password is checked, so that parallel attempts count this one
        try:
            user = sign_in(attempt, form.password.data, _limits())
        except SignInRefused as err:
            db.session.commit()
            error = err.message
        else:
            db.session.commit()
            _forget_session()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    status = 422 if request.method == "POST" else 200
    return render("auth/login.html", status=status, form=form, error=error)


def _forget_session() -> None:
    """Nothing carries over a sign-in or sign-out: a new CSRF secret, in the session and in the
    token this request may have cached."""
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def _limits() -> SignInLimits:
    config = current_app.config
    return SignInLimits(config["LOGIN_MAX_FAILURES"], config["LOGIN_MAX_ADDRESS_FAILURES"],
                        config["LOGIN_WINDOW_MINUTES"])


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    end_sessions(current_user)  # a copy of this session's cookie must not outlive the sign-out
    db.session.commit()
    logout_user()
    _forget_session()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
