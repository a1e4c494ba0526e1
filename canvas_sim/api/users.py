"""Users (reference §4.1, §4.2): find by id or SIS/login id, search an account, create, rename."""

import re

from flask import Blueprint, g, jsonify

from .. import errors, rights
from ..models import Login, User
from ..pagination import paginate
from ..params import bool_param, list_param, param, params, search_term
from ..serializers import channel_json, profile_json, user_json
from ..simulation import current_simulation
from ..state import State, sortable_name

bp = Blueprint("users", __name__)

_ENROLLMENT_TYPES = {"student": "StudentEnrollment", "teacher": "TeacherEnrollment", "ta": "TaEnrollment",
                     "observer": "ObserverEnrollment", "designer": "DesignerEnrollment"}


def find_user_for_caller(state: State, user_id: str) -> User:
    """Anyone may read themselves (`self` or their own id); other users need an admin
    (of any account: Canvas finds users, and SIS ids, in the root account)."""
    user = state.find_user(user_id, current=g.user)
    if user is not g.user and not g.user.admin:
        raise rights.refused()
    return user


@bp.get("/users/<cid:id>")
def show_user(id):
    """users#api_show: a user the caller may not see is 404, not "not authorized" (reference §12.5)."""
    state = current_simulation().state
    try:
        user = find_user_for_caller(state, id)
    except errors.CanvasError as refusal:
        raise errors.not_found() from refusal
    return jsonify(user_json(state, user, rights.shown_to(state, g.user), list_param("include")))


# users#update: what a caller may change, by right. `rename` is the user's own or a login
# manager's; `manage_user_details` (e-mail, time zone, locale) a login manager's only.
_RENAME = ("name", "short_name", "sortable_name")
_DETAILS = ("email", "time_zone", "locale")
# Canvas's maximum_string_length for user names.
_MAX_NAME = 255


@bp.put("/users/<cid:id>")
def update_user(id):
    """users#update (reference §4): a field the caller may not change refuses the whole request."""
    state = current_simulation().state
    user = state.find_user(id, current=g.user)
    manager = rights.can(state, g.user, "manage_user_logins", state.account)
    allowed = (_RENAME if manager or user is g.user else ()) + (_DETAILS if manager else ())
    given = {key[len("user["):-1]: value for key, value in params().items()
             if key.startswith("user[") and key.endswith("]")}
    if not allowed or set(given) - set(allowed):
        raise rights.refused()
    too_long = [f for f in _RENAME if len(given.get(f) or "") > _MAX_NAME]
    if too_long:
        raise errors.CanvasError(400, {"errors": {f: [{"attribute": f, "type": "too_long",
                                                         "message": f"is too long (maximum is {_MAX_NAME} characters)"}]
                                                  for f in too_long}})
    # users#update saves the names (and time zone, locale) first; only then does User#email= find or
    # create the channel, so an address it refuses fails after the names were saved (reference §12.2).
    _rename(user, given)
    user.time_zone = given.get("time_zone") or user.time_zone
    user.locale = given.get("locale", user.locale) or None
    address = (given.get("email") or "").strip()
    if address:
        if not _EMAIL.fullmatch(address):
            raise errors.CanvasError(400, {"errors": {"path": [{"attribute": "path", "type": "invalid",
                                                                "message": "is invalid"}]}})
        state.set_email(user, address)
    return jsonify(user_json(state, user, rights.shown_to(state, g.user), ["email"]))


# CommunicationChannel's check of an e-mail path: something@something, no spaces.
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")


@bp.get("/users/<cid:user_id>/communication_channels")
def list_channels(user_id):
    """communication_channels#index: the user themself, or a caller who may manage their details."""
    state = current_simulation().state
    user = state.find_user(user_id, current=g.user)
    if user is not g.user and not rights.can(state, g.user, "manage_user_logins", state.account):
        raise rights.refused()
    return paginate(state.channels_of(user), channel_json)


def _rename(user: User, given: dict) -> None:
    """User#infer_defaults: a new name leaves `short_name` (the name others see) as it was unless it
    is given too; `sortable_name` follows the name when it was the old name sorted and is not given."""
    old_name = user.name
    if "name" in given:
        user.name = given["name"].strip()
    if "short_name" in given:
        user.short_name = given["short_name"].strip() or user.name
    explicit = (given.get("sortable_name") or "").strip()
    if explicit:
        user.sortable_name = explicit
    elif user.name != old_name and _unsorted(user.sortable_name) == old_name:
        user.sortable_name = sortable_name(user.name)


def _unsorted(sorted_name: str) -> str:
    """"Lovelace, Ada" -> "Ada Lovelace" (User.name_parts, surname first)."""
    surname, comma, given = sorted_name.partition(", ")
    return f"{given} {surname}".strip() if comma else sorted_name


@bp.get("/users/<cid:user_id>/profile")
def show_profile(user_id):
    state = current_simulation().state
    return jsonify(profile_json(state, find_user_for_caller(state, user_id), rights.shown_to(state, g.user)))


@bp.get("/accounts/<cid:account_id>/users")
def search_users(account_id):
    state = current_simulation().state
    account = state.find_account(account_id)
    rights.require(state, g.user, account)
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
    shown = rights.shown_to(state, g.user, account)
    # Canvas does not count account users, so there is no rel="last".
    return paginate(users, lambda u: user_json(state, u, shown, include), counted=False)


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
    """Always in the root account (reference §11.2-11.4), whatever account the path names."""
    state = current_simulation().state
    state.find_account(account_id)
    root = state.account
    if g.user.admin and not rights.administers(state, g.user, root):
        raise errors.CanvasError(403, {})  # a sub-account admin, as Canvas answers them
    rights.require(state, g.user, root, "manage_user_logins")
    # Without manage_sis Canvas drops the SIS fields without a word.
    manage_sis = rights.can(state, g.user, "manage_sis", root)
    sis_user_id = (param("pseudonym[sis_user_id]") or None) if manage_sis else None
    integration_id = (param("pseudonym[integration_id]") or None) if manage_sis else None
    unique_id = (param("pseudonym[unique_id]") or "").strip()
    problem = errors.unique_id_problem(unique_id)
    if problem:
        raise _user_errors(problem)
    revived = _deleted_login(state, sis_user_id) if sis_user_id and bool_param("enable_sis_reactivation") else None
    conflict = state.login_conflict(unique_id, sis_user_id, integration_id, ignore=revived)
    if conflict:
        # The login's own error, and the user's for the login it could not save (reference §12.5).
        raise _user_errors(conflict, {"pseudonyms": [{"attribute": "pseudonyms", "type": "invalid",
                                                      "message": "is invalid"}]})
    if revived:
        user = _revive(state, revived, unique_id, integration_id)
    else:
        address = param("communication_channel[address]") or (unique_id if "@" in unique_id else None)
        confirmed = bool_param("communication_channel[skip_confirmation]")
        user = state.add_user((param("user[name]") or unique_id).strip(), email=address,
                              channel_state="active" if confirmed else "unconfirmed")
        state.add_login(user, unique_id, sis_user_id, integration_id)
    user.short_name = param("user[short_name]") or user.short_name
    user.sortable_name = param("user[sortable_name]") or user.sortable_name
    user.locale = param("user[locale]") or user.locale
    user.time_zone = param("user[time_zone]") or user.time_zone
    return jsonify(user_json(state, user, rights.shown_to(state, g.user)))


def _deleted_login(state: State, sis_user_id: str) -> Login | None:
    return next((login for login in state.logins.values()
                 if login.workflow_state == "deleted" and login.sis_user_id == sis_user_id), None)


def _revive(state: State, login: Login, unique_id: str, integration_id: str | None) -> User:
    """enable_sis_reactivation: the old login and user come back, with their old ids."""
    login.workflow_state = "active"
    login.unique_id = unique_id
    login.integration_id = integration_id or login.integration_id
    user = state.users[login.user_id]
    user.workflow_state = "registered"
    if param("user[name]"):
        user.name = param("user[name]").strip()
    return user


def _user_errors(pseudonym: dict, user: dict | None = None) -> errors.CanvasError:
    """User creation nests its validation errors per object (reference §4.1)."""
    return errors.CanvasError(400, {"errors": {"user": user or {}, "pseudonym": pseudonym, "observee": {},
                                               "pairing_code": {}, "recaptcha": None}})
