"""Accounts (reference §11.4): who administers what, and with which permissions."""

from flask import Blueprint, g, jsonify

from .. import rights
from ..params import list_param
from ..serializers import account_json
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
    """Anyone may ask; what they do not hold (or Canvas does not know) reads false."""
    state = current_simulation().state
    account = state.find_account(account_id)
    return jsonify({name: rights.can(state, g.user, name, account) for name in list_param("permissions")})
