"""OAuth2 with a developer key (reference §8.1; oauth2_provider_controller.rb).

The authorize page stands in for Canvas's login + confirm screens: pick who signs
in, press Approve, and the browser goes back to the app with a code.
"""

import secrets
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, current_app, g, jsonify, redirect, render_template, request

from . import errors, scopes
from .auth import authenticate
from .models import AuthorizationCode, DeveloperKey
from .params import param
from .serializers import token_user_json
from .simulation import current_simulation
from .state import new_secret

bp = Blueprint("oauth", __name__, url_prefix="/login/oauth2")

CODE_LIFETIME = 600  # seconds, as Canvas's oath_token_request_timeout

# Canvas::OAuth::RequestError::ERROR_MAP: (status, error, error_description)
_ERRORS = {
    "invalid_client_id": (401, "invalid_client", "unknown client"),
    "invalid_client_secret": (401, "invalid_client", "invalid client"),
    "invalid_redirect": (400, "invalid_request", "redirect_uri does not match client settings"),
    "invalid_refresh_token": (400, "invalid_request", "refresh_token not found"),
    "invalid_authorization_code": (400, "invalid_grant", "authorization_code not found"),
    "incorrect_client": (400, "invalid_grant", "incorrect client"),
    "authorization_code_not_supplied": (
        400, "invalid_request", "You must provide the code parameter when using the authorization_code grant type"),
    "refresh_token_not_supplied": (
        400, "invalid_request", "You must provide the refresh_token parameter when using the refresh_token grant type"),
    "unsupported_grant_type": (
        400, "unsupported_grant_type", "The grant_type you requested is not currently supported"),
}


def _oauth_error(name: str) -> errors.CanvasError:
    status, error, description = _ERRORS[name]
    headers = {"WWW-Authenticate": "Canvas OAuth 2.0"} if status == 401 else None
    return errors.CanvasError(status, {"error": error, "error_description": description}, headers)


def _redirect_allowed(key: DeveloperKey, redirect_uri: str) -> bool:
    """A listed URI exactly, or any URI on a listed host or its subdomains (any port)."""
    if redirect_uri in key.redirect_uris:
        return True
    host = urlsplit(redirect_uri).hostname
    key_hosts = {urlsplit(uri).hostname for uri in key.redirect_uris} - {None}
    return bool(host) and any(host == h or host.endswith("." + h) for h in key_hosts)


def _authorization_request() -> tuple[DeveloperKey, str]:
    key = current_simulation().state.key_by_client_id(param("client_id"))
    if key is None:
        raise _oauth_error("invalid_client_id")
    redirect_uri = param("redirect_uri") or ""
    if not _redirect_allowed(key, redirect_uri):
        raise _oauth_error("invalid_redirect")
    return key, redirect_uri


def _back_to_app(redirect_uri: str, **query):
    values = {name: value for name, value in query.items() if value is not None}
    return redirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(values)}")


def _requested_scopes() -> tuple[str, ...] | None:
    """The space-separated `scope`, or None when a scope-enforcing key must refuse it:
    none given, or one the key does not allow (this key allows every simulated route)."""
    requested = tuple(dict.fromkeys((param("scope") or "").split()))
    if not scopes.enforced():
        return requested
    if not requested or not set(requested) <= set(scopes.all_scopes(current_app)):
        return None
    return requested


def _invalid_scope(redirect_uri: str):
    return _back_to_app(redirect_uri, error="invalid_scope", error_description=scopes.INVALID_SCOPE,
                        state=param("state"))


@bp.get("/auth")
def authorize():
    key, redirect_uri = _authorization_request()
    if param("response_type") != "code":
        return _back_to_app(redirect_uri, error="unsupported_response_type",
                            error_description="Only response_type=code is permitted", state=param("state"))
    requested = _requested_scopes()
    if requested is None:
        return _invalid_scope(redirect_uri)
    users = sorted(current_simulation().state.users.values(), key=lambda u: (not u.admin, u.id))
    return render_template("oauth_confirm.html", key=key, redirect_uri=redirect_uri, users=users,
                           state=param("state"), scope=" ".join(requested), scopes=requested)


@bp.post("/accept")
def accept():
    key, redirect_uri = _authorization_request()
    requested = _requested_scopes()
    if requested is None:
        return _invalid_scope(redirect_uri)
    state = current_simulation().state
    user_id = param("user_id") or ""
    user = state.users.get(int(user_id)) if user_id.isdigit() else None
    if user is None:
        raise errors.bad_request("choose who signs in")
    code = secrets.token_hex(64)
    state.codes[code] = AuthorizationCode(code, key.id, user.id, state.clock() + CODE_LIFETIME, requested)
    return _back_to_app(redirect_uri, code=code, state=param("state"))


@bp.get("/deny")
def deny():
    _, redirect_uri = _authorization_request()
    return _back_to_app(redirect_uri, error="access_denied", state=param("state"))


@bp.post("/token")
def token():
    sim = current_simulation()
    state = sim.state
    basic = request.authorization if request.authorization and request.authorization.type == "basic" else None
    client_id = param("client_id") or (basic.username if basic else None)
    secret = param("client_secret") or (basic.password if basic else None)
    grant_type = param("grant_type") or ("authorization_code" if param("code") else None)
    if grant_type not in ("authorization_code", "refresh_token"):
        raise _oauth_error("unsupported_grant_type")
    key = state.key_by_client_id(client_id)
    if key is None:
        raise _oauth_error("invalid_client_id")
    if secret != key.client_secret:
        raise _oauth_error("invalid_client_secret")
    now = state.clock()
    ttl = sim.settings.token_ttl
    if grant_type == "authorization_code":
        if not param("code"):
            raise _oauth_error("authorization_code_not_supplied")
        grant = state.codes.pop(param("code"), None)
        if grant is None or grant.expires_at <= now or grant.developer_key_id != key.id:
            raise _oauth_error("invalid_authorization_code")
        access = state.add_token(state.users[grant.user_id], developer_key=key, ttl=ttl, scopes=grant.scopes)
    else:
        if not param("refresh_token"):
            raise _oauth_error("refresh_token_not_supplied")
        access = next((t for t in state.tokens.values() if t.refresh_token == param("refresh_token")), None)
        if access is None:
            raise _oauth_error("invalid_refresh_token")
        if access.developer_key_id != key.id:
            raise _oauth_error("incorrect_client")
        # Canvas regenerates the access token: the old string stops working, the refresh token stays.
        del state.tokens[access.token]
        access.token = new_secret()
        access.expires_at = now + ttl if ttl else None
        state.tokens[access.token] = access
    body = {"access_token": access.token, "token_type": "Bearer", "user": token_user_json(state.users[access.user_id])}
    if grant_type == "authorization_code":
        body["refresh_token"] = access.refresh_token
    if access.expires_at is not None:
        body["expires_in"] = int(access.expires_at - now)
    return jsonify(body)


@bp.delete("/token")
def revoke():
    authenticate()
    if g.token.developer_key_id is None:
        raise errors.bad_request("can't delete OAuth access token when not using an OAuth access token")
    del current_simulation().state.tokens[g.token.token]
    return jsonify({})
