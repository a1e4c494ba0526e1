"""Logins (pseudonyms, reference §4.3, §11.2): list a user's, change one, delete one."""

from flask import Blueprint, g, jsonify

from .. import errors, rights
from ..models import Login
from ..pagination import paginate
from ..params import params
from ..serializers import login_json
from ..simulation import current_simulation
from ..state import State
from .users import find_user_for_caller

bp = Blueprint("logins", __name__)

_FIELDS = ("unique_id", "password", "sis_user_id", "integration_id", "authentication_provider_id",
           "workflow_state", "declared_user_type")


@bp.get("/users/<cid:user_id>/logins")
def list_logins(user_id):
    state = current_simulation().state
    shown = rights.shown_to(state, g.user)
    return paginate(state.logins_of(find_user_for_caller(state, user_id)), lambda login: login_json(login, shown))


def _live_login(state: State, ref: str) -> Login:
    login = state.logins.get(int(ref)) if ref.isdigit() else None
    if login is None or login.workflow_state == "deleted":
        raise errors.not_found()
    return login


@bp.put("/accounts/<cid:account_id>/logins/<cid:id>")
def update_login(account_id, id):
    """pseudonyms#update never reads the account in the path (reference §12.4): a sub-account, a
    `sis_account_id:` reference, even an unknown id, all reach the login, in the root account."""
    state = current_simulation().state
    account = state.account
    rights.require(state, g.user, account, "manage_user_logins")
    login = _live_login(state, id)
    given = {name: params()[f"login[{name}]"] for name in _FIELDS if f"login[{name}]" in params()}
    if not given:
        raise errors.CanvasError(400, None)  # Canvas answers a body of `null`
    if ("sis_user_id" in given or "integration_id" in given) and not rights.can(state, g.user, "manage_sis", account):
        raise rights.refused()
    unique_id = given["unique_id"].strip() if "unique_id" in given else None
    problem = errors.unique_id_problem(unique_id) if unique_id is not None else None
    if problem:
        raise errors.CanvasError(400, {"errors": problem})
    # "" clears an id; an absent field leaves it alone.
    sis_user_id = given.get("sis_user_id", login.sis_user_id) or None
    integration_id = given.get("integration_id", login.integration_id) or None
    conflict = state.login_conflict(unique_id, sis_user_id if "sis_user_id" in given else None,
                                    integration_id if "integration_id" in given else None, ignore=login)
    if conflict:
        raise errors.CanvasError(400, {"errors": conflict})
    login.unique_id = unique_id or login.unique_id
    login.sis_user_id = sis_user_id
    login.integration_id = integration_id
    if given.get("workflow_state") in ("active", "suspended"):
        login.workflow_state = given["workflow_state"]
    login.declared_user_type = given.get("declared_user_type", login.declared_user_type)
    return jsonify(login_json(login, rights.shown_to(state, g.user)))


@bp.delete("/users/<cid:user_id>/logins/<cid:id>")
def delete_login(user_id, id):
    """pseudonyms#destroy: the login is marked deleted and keeps its SIS id (§11.2).

    Canvas refuses to delete a user's last login; `POST /sim/api/logins/<id>/delete`
    stands in for the ways that happens in Canvas (an SIS import, removing the user).
    """
    state = current_simulation().state
    user = state.find_user(user_id, current=g.user)
    login = _live_login(state, id)
    if login.user_id != user.id:
        raise errors.not_found()
    rights.require(state, g.user, state.account, "manage_user_logins")
    if login.sis_user_id and not rights.can(state, g.user, "manage_sis", state.account):
        raise rights.refused()
    if len(state.logins_of(user)) < 2:
        message = "Users must have at least one login"
        raise errors.CanvasError(400, {"errors": {"base": [{"attribute": "base", "type": message,
                                                            "message": message}]}})
    login.workflow_state = "deleted"
    return jsonify(login_json(login, rights.shown_to(state, g.user)))
