"""What every blueprint shares: permission decorators, block rendering, paging.

Every view is marked with exactly one of `public`, `signed_in` or `require(entity, action)`.
`tests/test_route_permissions.py` walks the URL map and fails on an unmarked view.
"""

from functools import wraps

from flask import abort, flash, redirect, render_template, request
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block

from .. import jobs
from ..extensions import db, htmx
from ..request_limits import MAX_DB_INT
from ..services import DomainError
from ..services.runs.kinds import KINDS
from ..services.runs.lifecycle import request_cancel
from ..services.permissions import ACTIONS, ENTITY_NAMES, can


def public(view):
    """Reachable without signing in (the sign-in page only)."""
    view.access = "public"
    return view


def signed_in(view):
    """Any signed-in user; for pages about the user's own session."""
    wrapped = login_required(view)
    wrapped.access = "signed_in"
    return wrapped


def require(entity: str, action: str):
    """403 unless a role of the signed-in user grants `action` on `entity`."""
    if entity not in ENTITY_NAMES or action not in ACTIONS:
        raise ValueError(f"unknown permission {entity}.{action}")

    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            if not can(current_user, entity, action):
                abort(403)
            return view(*args, **kwargs)

        wrapped = login_required(checked)
        wrapped.access = (entity, action)
        return wrapped

    return decorate


def render(template: str, block: str | None = None, status: int = 200, **context):
    """The full page, or just `block` when htmx asks for a fragment.

    A view names the block its htmx targets use; a plain request (reload, no JS) gets
    the whole page, so every URL works both ways.
    """
    if block and htmx:
        return render_block(template, block, **context), status
    return render_template(template, **context), status


def fragment_or_back(template: str, block: str, back_url: str, *, error: str | None = None, done: str = "Saved.",
                     **context):
    """The answer to a row or cell that htmx saves in place. A plain form post (no JS, or a
    script) gets no fragment, which alone is no page: it goes back to the page, with the outcome."""
    if not htmx:
        flash(error or done, "error" if error else "success")
        return redirect(back_url)
    return render(template, block=block, status=422 if error else 200, **context)


def get_or_404(model, ident):
    if ident is None:  # a missing or unreadable id in a form
        abort(404)
    return db.get_or_404(model, ident)


def db_int(text: str) -> int:
    """`int` for ids and numbers that reach the database, as `type=` of request.form/args.get:
    werkzeug turns the ValueError of a number too large to store into "not given"."""
    value = int(text)
    if abs(value) > MAX_DB_INT:
        raise ValueError(f"{text} is out of range")
    return value


def page_number() -> int:
    # Far past the last page is just an empty page.
    return max(request.args.get("page", 1, type=db_int) or 1, 1)


def paginate(query, per_page: int = 25):
    return db.paginate(query, page=page_number(), per_page=per_page, error_out=False)


def confirm_delete(perform, *, what: str, detail: str | None, cancel_url: str, done_url: str, done: str):
    """GET asks "Delete …? This cannot be undone."; POST runs `perform()` and commits, or shows
    the service's reason for refusing on the record's page."""
    if request.method != "POST":
        return render("confirm_delete.html", what=what, detail=detail, cancel=cancel_url)
    try:
        perform()
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(cancel_url)
    flash(done, "success")
    return redirect(done_url)


def start_from_form(begin, inline_limit: int, *, back_url: str, already: str | None = None):
    """Start the run a form asked for: `begin()` gives (run, created) or refuses with a DomainError,
    which is shown on the page at `back_url`. A new run goes to the workers, or runs now when it is
    small; one already under way is not started twice (`already`, when given, says so).
    Returns (run, None), or (None, the redirect back)."""
    try:
        run, created = begin()
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return None, redirect(back_url)
    if created:
        jobs.start(run, inline_limit)
    elif already:
        flash(already, "info")
    return run, None


def may_cancel(run) -> bool:
    """Cancelling a run takes the right that starts its kind (a trainer who may pull results must
    not stop an administrator's enrolment transfer)."""
    return can(current_user, *KINDS[run.kind].right)


def cancel_checked(run) -> None:
    if not may_cancel(run):
        abort(403)
    request_cancel(run)
    db.session.commit()


def run_progress(run, occurrence, heading: str, *, poll_url: str, cancel_url: str | None, done_link: tuple | None):
    """A JobRun's page: a progress bar that polls itself until the run ends (htmx status 286 stops it)."""
    body, status = render("runs/progress.html", block="progress", run=run, occurrence=occurrence,
                          link=None, heading=heading, poll_url=poll_url, cancel_url=cancel_url, done_link=done_link)
    return body, 286 if run.ended and request.headers.get("HX-Request") else status
