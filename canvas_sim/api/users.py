"""Users (reference §4.1, §4.2): find by id or SIS/login id, search an account, create."""

from flask import Blueprint, g, jsonify

from .. import errors
from ..auth import require_admin
from ..models import User
from ..pagination import paginate
from ..params import list_param, param, search_term
from ..serializers import profile_json, user_json
from ..simulation import current_simulation
from ..state import State

bp = Blueprint("users", __name__)

_ENROLLMENT_TYPES = {"student": "StudentEnrollment", "teacher": "TeacherEnrollment", "ta": "TaEnrollment",
                     "observer": "ObserverEnrollment", "designer": "DesignerEnrollment"}


def find_user_for_caller(state: State, user_id: str) -> User:
    """Anyone may read themselves (`self` or their own id); other users need an admin."""
    user = state.find_user(user_id, current=g.user)
    if user is not g.user:
        require_admin()
    return user


@bp.get("/users/<cid:user_id>")
def show_user(user_id):
    state = current_simulation().state
    return jsonify(user_json(state, find_user_for_caller(state, user_id), list_param("include")))


@bp.get("/users/<cid:user_id>/profile")
def show_profile(user_id):
    state = current_simulation().state
    return jsonify(profile_json(state, find_user_for_caller(state, user_id)))


@bp.get("/accounts/<cid:account_id>/users")
def search_users(account_id):
    require_admin()
    state = current_simulation().state
    state.find_account(account_id)
    users = list(state.users.values())
    term = search_term(3)
    if term and term.isdigit() and int(term) in state.users:
        users = [state.users[int(term)]]  # a numeric term matches a Canvas id first
    elif term:
        users = [u for u in users if any(term in text.casefold() for text in _searchable(state, u))]
    wanted_type = _ENROLLMENT_TYPES.get(param("enrollment_type", ""))
    if wanted_type:
        enrolled = {e.user_id for e in state.enrollments.values()
                    if e.type == wanted_type and e.workflow_state != "deleted"}
        users = [u for u in users if u.id in enrolled]
    users.sort(key=_sort_key(state, param("sort", "username")), reverse=param("order") == "desc")
    include = list_param("include")
    # Canvas does not count account users, so there is no rel="last".
    return paginate(users, lambda u: user_json(state, u, include), counted=False)


def _searchable(state: State, user: User) -> list[str]:
    texts = [user.name, user.sortable_name, user.email or ""]
    for login in state.logins_of(user):
        texts += [login.unique_id, login.sis_user_id or ""]
    return texts


def _sort_key(state: State, sort: str):
    def login_field(name):
        return lambda u: (getattr(state.primary_login(u), name, None) or "", u.id)
    keys = {"email": lambda u: (u.email or "", u.id), "sis_id": login_field("sis_user_id")}
    return keys.get(sort, lambda u: (u.sortable_name.casefold(), u.id))


@bp.post("/accounts/<cid:account_id>/users")
def create_user(account_id):
    require_admin()
    state = current_simulation().state
    state.find_account(account_id)
    unique_id = (param("pseudonym[unique_id]") or "").strip()
    sis_user_id = param("pseudonym[sis_user_id]") or None
    integration_id = param("pseudonym[integration_id]") or None
    if not unique_id:
        raise _user_errors({"unique_id": [{"attribute": "unique_id", "type": "blank", "message": "can't be blank"}]})
    conflict = state.login_conflict(unique_id, sis_user_id, integration_id)
    if conflict:
        raise _user_errors(conflict)
    address = param("communication_channel[address]") or (unique_id if "@" in unique_id else None)
    user = state.add_user((param("user[name]") or unique_id).strip(), email=address)
    user.short_name = param("user[short_name]") or user.short_name
    user.sortable_name = param("user[sortable_name]") or user.sortable_name
    user.locale = param("user[locale]") or None
    user.time_zone = param("user[time_zone]") or user.time_zone
    state.add_login(user, unique_id, sis_user_id, integration_id)
    return jsonify(user_json(state, user))


def _user_errors(pseudonym: dict) -> errors.CanvasError:
    """User creation nests its validation errors per object (reference §4.1)."""
    return errors.CanvasError(400, {"errors": {"user": {}, "pseudonym": pseudonym, "observee": {},
                                               "pairing_code": {}, "recaptcha": None}})
