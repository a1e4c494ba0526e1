"""Accounts (reference §11.4): who administers what, and with which permissions."""

from flask import Blueprint, g, jsonify

from .. import rights
from ..pagination import paginate
from ..params import list_param
from ..serializers import account_json, user_json
from ..simulation import current_simulation

bp = Blueprint("accounts", __name__)


@bp.get("/accounts/<cid:id>")
def show_account(id):
    state = current_simulation().state
    account = state.find_account(id)
    rights.require(state, g.user, account)
    return jsonify(account_json(account, state.account))


@bp.get("/accounts/<cid:account_id>/permissions")
def permissions(account_id):
    """accounts#permissions: an admin of the account (or above) may ask, anyone else is refused
    (reference §12.5); what the caller does not hold (or Canvas does not know) reads false."""
    state = current_simulation().state
    account = state.find_account(account_id)
    rights.require(state, g.user, account)
    return jsonify({name: rights.can(state, g.user, name, account) for name in list_param("permissions")})


@bp.get("/accounts/<cid:account_id>/admins")
def list_admins(account_id):
    """The account's own admins (admins_controller#index): account users of this account only, not of
    the accounts above or below it; needs manage_account_memberships there."""
    state = current_simulation().state
    account = state.find_account(account_id)
    rights.require(state, g.user, account, "manage_account_memberships")
    wanted = {int(i) for i in list_param("user_id") if str(i).isdigit()}
    admins = [u for u in state.users.values() if u.admin_account_id == account.id and (not wanted or u.id in wanted)]
    admins.sort(key=lambda u: u.id)
    shown = rights.shown_to(state, g.user, account)
    return paginate(admins, lambda u: {"id": u.id, "role": "AccountAdmin", "role_id": 1, "workflow_state": "active",
                                       "user": user_json(state, u, shown)})
