"""Logins (pseudonyms, reference §4.3): list a user's, change one (e.g. set its SIS id)."""

from flask import Blueprint, jsonify

from .. import errors
from ..auth import require_admin
from ..pagination import paginate
from ..params import params
from ..serializers import login_json
from ..simulation import current_simulation
from .users import find_user_for_caller

bp = Blueprint("logins", __name__)

_FIELDS = ("unique_id", "password", "sis_user_id", "integration_id", "authentication_provider_id",
           "workflow_state", "declared_user_type")


@bp.get("/users/<cid:user_id>/logins")
def list_logins(user_id):
    state = current_simulation().state
    return paginate(state.logins_of(find_user_for_caller(state, user_id)), login_json)


@bp.put("/accounts/<cid:account_id>/logins/<cid:login_id>")
def update_login(account_id, login_id):
    require_admin()
    state = current_simulation().state
    account = state.find_account(account_id)
    login = state.logins.get(int(login_id)) if login_id.isdigit() else None
    if login is None or login.account_id != account.id or login.workflow_state == "deleted":
        raise errors.not_found()
    given = {name: params()[f"login[{name}]"] for name in _FIELDS if f"login[{name}]" in params()}
    if not given:
        raise errors.CanvasError(400, None)  # Canvas answers a body of `null`
    unique_id = given.get("unique_id", "").strip() or None
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
    return jsonify(login_json(login))
