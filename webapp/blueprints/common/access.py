"""The access marks every view carries, and the checks behind them.

Every view is marked with exactly one of `public`, `signed_in`, `require(entity, action)` or
`require_any(*rights)`; menus show a link by the same mark (`may_visit`).
"""

from functools import wraps

from flask import abort, current_app
from flask_login import current_user, login_required

from ...services.permissions import ACTIONS, ENTITY_NAMES, can


def public(view):
    """Reachable without signing in: the sign-in page, and the health and metrics endpoints for the
    machines that run canvaslink (blueprints/operations.py)."""
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
            require_can(entity, action)
            return view(*args, **kwargs)

        wrapped = login_required(checked)
        wrapped.access = (entity, action)
        return wrapped

    return decorate


def require_any(*rights: tuple[str, str]):
    """403 unless a role of the signed-in user grants one of `rights`: for a page whose records each
    need one of them, which the view then checks record by record (the run history: each kind of run
    needs its own right)."""
    for entity, action in rights:
        if entity not in ENTITY_NAMES or action not in ACTIONS:
            raise ValueError(f"unknown permission {entity}.{action}")

    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            if not passes(frozenset(rights)):
                abort(403)
            return view(*args, **kwargs)

        wrapped = login_required(checked)
        wrapped.access = frozenset(rights)
        return wrapped

    return decorate


def passes(access) -> bool:
    """Whether the signed-in user passes an access mark: `public`, `signed_in`, one right (a pair),
    or any of several (a frozenset of pairs)."""
    if isinstance(access, tuple):
        return can(current_user, *access)
    if isinstance(access, frozenset):
        return any(can(current_user, *right) for right in access)
    return access == "public" or (access == "signed_in" and current_user.is_authenticated)


def require_can(entity: str, action: str) -> None:
    """403 unless the signed-in user may; for a check that depends on the record (which right a
    draft or a run needs), made inside the view after loading it."""
    if not can(current_user, entity, action):
        abort(403)


def may_visit(endpoint: str) -> bool:
    """Whether the signed-in user passes the access mark of the view at `endpoint`. Menus show a
    link by this, so a link follows the very right its route checks and the two cannot drift."""
    return passes(getattr(current_app.view_functions[endpoint], "access", None))
