"""Scope-enforcing developer keys (reference §8.1, §11.1): invalid_scope, limited tokens, stripped includes."""

from urllib.parse import parse_qs, urlsplit

import pytest

from canvas_sim.__main__ import parse_args
from canvas_sim.scopes import all_scopes

CLIENT_ID, SECRET = "10000000000001", "canvaslink-demo-secret"
REDIRECT = "http://localhost:5000/integrations/canvas/callback"
MODULES = "url:GET|/api/v1/courses/:course_id/modules"
USER = "url:GET|/api/v1/users/:id"
INVALID_SCOPE = ("A requested scope is invalid, unknown, malformed, or exceeds the scope granted by the "
                 "resource owner.")
INSUFFICIENT = {"errors": [{"message": "Insufficient scopes on access token."}]}

# Canvas's own route templates, one per route and method the simulator answers.
EXPECTED_SCOPES = sorted([
    "url:GET|/api/v1/accounts/:account_id/admins",
    "url:GET|/api/v1/courses/:id",
    "url:GET|/api/v1/sections/:id",
    "url:GET|/api/v1/courses/:course_id/sections/:id",
    "url:GET|/api/v1/courses/:course_id/sections",
    "url:GET|/api/v1/courses/:course_id/modules",
    "url:GET|/api/v1/courses/:course_id/modules/:id",
    "url:GET|/api/v1/courses/:course_id/modules/:module_id/items",
    "url:GET|/api/v1/courses/:course_id/bulk_user_progress",
    "url:GET|/api/v1/users/:id",
    "url:PUT|/api/v1/users/:id",
    "url:GET|/api/v1/users/:user_id/profile",
    "url:GET|/api/v1/accounts/:account_id/users",
    "url:POST|/api/v1/accounts/:account_id/users",
    "url:GET|/api/v1/users/:user_id/logins",
    "url:PUT|/api/v1/accounts/:account_id/logins/:id",
    "url:DELETE|/api/v1/users/:user_id/logins/:id",
    "url:POST|/api/v1/sections/:section_id/enrollments",
    "url:GET|/api/v1/sections/:section_id/enrollments",
    "url:POST|/api/v1/courses/:course_id/enrollments",
    "url:GET|/api/v1/courses/:course_id/enrollments",
    "url:GET|/api/v1/users/:user_id/communication_channels",
    "url:GET|/api/v1/users/:user_id/enrollments",
    "url:GET|/api/v1/accounts/:account_id/enrollments/:id",
    "url:DELETE|/api/v1/courses/:course_id/enrollments/:id",
    "url:PUT|/api/v1/courses/:course_id/enrollments/:id/reactivate",
    "url:POST|/api/v1/courses/:course_id/enrollments/:id/accept",
    "url:GET|/api/v1/accounts/:id",
    "url:GET|/api/v1/accounts/:account_id/permissions",
    # Assessment grades (reference §13), as config/routes.rb names them.
    "url:GET|/api/v1/courses/:course_id/assignments",
    "url:GET|/api/v1/courses/:course_id/assignments/:id",
    "url:POST|/api/v1/courses/:course_id/assignments",
    "url:GET|/api/v1/courses/:course_id/students/submissions",
    "url:GET|/api/v1/sections/:section_id/students/submissions",
    "url:GET|/api/v1/courses/:course_id/assignments/:assignment_id/submissions/:user_id",
    "url:PUT|/api/v1/courses/:course_id/assignments/:assignment_id/submissions/:user_id",
    "url:POST|/api/v1/courses/:course_id/assignments/:assignment_id/submissions",
    "url:GET|/api/v1/courses/:course_id/grading_standards",
    "url:GET|/api/v1/courses/:course_id/grading_standards/:grading_standard_id",
    "url:POST|/api/v1/courses/:course_id/grading_standards",
    "url:GET|/api/v1/accounts/:account_id/grading_standards",
    "url:GET|/api/v1/accounts/:account_id/grading_standards/:grading_standard_id",
    "url:POST|/api/v1/accounts/:account_id/grading_standards",
])


@pytest.fixture
def client(sim_app, simulation):
    simulation.configure(enforce_scopes=True)
    return sim_app.test_client()


def ask(client, scope=None, state="xyz"):
    query = {"client_id": CLIENT_ID, "response_type": "code", "redirect_uri": REDIRECT, "state": state}
    if scope is not None:
        query["scope"] = scope
    return client.get("/login/oauth2/auth", query_string=query)


def token_for(client, scope, user_id=1):
    page = ask(client, scope)
    assert page.status_code == 200
    back = client.post("/login/oauth2/accept", data={"client_id": CLIENT_ID, "redirect_uri": REDIRECT, "state": "xyz",
                                                     "scope": scope, "user_id": user_id})
    code = parse_qs(urlsplit(back.location).query)["code"][0]
    granted = client.post("/login/oauth2/token", data={"client_id": CLIENT_ID, "client_secret": SECRET,
                                                       "grant_type": "authorization_code", "code": code}).json
    return granted


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_every_route_has_its_canvas_scope(sim_app):
    assert all_scopes(sim_app) == EXPECTED_SCOPES


@pytest.mark.parametrize("scope", [None, "", "url:GET|/api/v1/courses/:course_id/quizzes",
                                   f"{MODULES} url:GET|/api/v1/nonsense", "modules"])
def test_enforcing_key_refuses_missing_or_unknown_scopes(client, scope):
    back = ask(client, scope)
    assert back.status_code == 302 and back.location.startswith(REDIRECT + "?")
    assert parse_qs(urlsplit(back.location).query) == {
        "error": ["invalid_scope"], "error_description": [INVALID_SCOPE], "state": ["xyz"]}


def test_the_confirm_page_lists_the_requested_scopes(client):
    page = ask(client, f"{MODULES} {USER}")
    assert page.status_code == 200
    assert f"<li><code>{MODULES}</code></li>".encode() in page.data
    assert f"<li><code>{USER}</code></li>".encode() in page.data


def test_a_scoped_token_calls_only_its_routes(client, simulation):
    granted = token_for(client, f"{MODULES} {USER}")
    assert simulation.state.tokens[granted["access_token"]].scopes == (MODULES, USER)
    headers = bearer(granted["access_token"])
    assert client.get("/api/v1/courses/55/modules", headers=headers).status_code == 200
    assert client.get("/api/v1/users/self", headers=headers).status_code == 200  # users/self is users/:id
    refused = client.get("/api/v1/courses/55/modules/901", headers=headers)
    assert (refused.status_code, refused.json) == (401, INSUFFICIENT)
    assert "WWW-Authenticate" not in refused.headers  # not a token problem: refreshing will not help
    assert client.get("/api/v1/sections/87", headers=headers).json == INSUFFICIENT


def test_a_refreshed_token_keeps_its_scopes(client):
    granted = token_for(client, MODULES)
    refreshed = client.post("/login/oauth2/token", data={"client_id": CLIENT_ID, "client_secret": SECRET,
                                                         "grant_type": "refresh_token",
                                                         "refresh_token": granted["refresh_token"]}).json
    headers = bearer(refreshed["access_token"])
    assert client.get("/api/v1/courses/55/modules", headers=headers).status_code == 200
    assert client.get("/api/v1/users/self", headers=headers).json == INSUFFICIENT


def test_accept_checks_the_scopes_again(client):
    back = client.post("/login/oauth2/accept", data={"client_id": CLIENT_ID, "redirect_uri": REDIRECT,
                                                     "state": "s", "user_id": 1})
    assert parse_qs(urlsplit(back.location).query)["error"] == ["invalid_scope"]


def test_includes_are_stripped_unless_the_key_allows_them(client, simulation):
    scope = f"{MODULES} {USER}"
    headers = bearer(token_for(client, scope)["access_token"])
    assert "items" in client.get("/api/v1/courses/55/modules?include[]=items", headers=headers).json[0]
    simulation.configure(allow_includes=False)
    modules = client.get("/api/v1/courses/55/modules?include[]=items&per_page=100", headers=headers).json
    assert len(modules) == 11 and not any("items" in m for m in modules)
    me = client.get("/api/v1/users/self?include[]=uuid&include[]=last_login", headers=headers).json
    assert "uuid" in me and "last_login" not in me  # uuid survives, as in Canvas


def test_manual_tokens_are_never_scoped(client, simulation):
    simulation.configure(allow_includes=False)
    headers = bearer("7~canvaslink-demo-admin-token")
    assert client.get("/api/v1/sections/87", headers=headers).status_code == 200
    assert "items" in client.get("/api/v1/courses/55/modules?include[]=items", headers=headers).json[0]


def test_without_enforcement_scope_is_ignored(sim_app, simulation):
    client = sim_app.test_client()
    assert ask(client).status_code == 200  # no scope needed
    simulation.configure(allow_includes=False)
    headers = bearer(token_for(client, "nonsense")["access_token"])
    assert client.get("/api/v1/sections/87", headers=headers).status_code == 200
    assert "items" in client.get("/api/v1/courses/55/modules?include[]=items", headers=headers).json[0]


def test_turning_enforcement_on_limits_tokens_issued_without_scopes(sim_app, simulation):
    """Canvas checks the key's setting on every call, so an unscoped token stops working."""
    client = sim_app.test_client()
    headers = bearer(token_for(client, "")["access_token"])
    simulation.configure(enforce_scopes=True)
    assert client.get("/api/v1/users/self", headers=headers).json == INSUFFICIENT


def test_flags():
    args = parse_args(["--enforce-scopes", "--no-allow-includes"])
    assert (args.enforce_scopes, args.allow_includes) == (True, False)
    defaults = parse_args([])
    assert (defaults.enforce_scopes, defaults.allow_includes, defaults.unauthorized_status) == (False, True, 403)
