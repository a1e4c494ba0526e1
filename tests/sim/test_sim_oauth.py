"""Tokens (reference §8): 401s that say "refresh", the OAuth2 flow, expiry and refresh."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from canvas_sim.testing import running_simulator

CLIENT_ID, SECRET = "10000000000001", "canvaslink-demo-secret"
REDIRECT = "http://localhost:5000/integrations/canvas/callback"
CHALLENGE = 'Bearer realm="canvas-lms"'


def authorize(client, user_id=1):
    page = client.get(f"/login/oauth2/auth?client_id={CLIENT_ID}&response_type=code&redirect_uri={REDIRECT}&state=xyz")
    assert page.status_code == 200 and b">Approve</button>" in page.data
    back = client.post("/login/oauth2/accept", data={"client_id": CLIENT_ID, "redirect_uri": REDIRECT,
                                                     "state": "xyz", "user_id": user_id})
    assert back.status_code == 302
    query = parse_qs(urlsplit(back.location).query)
    assert back.location.startswith(REDIRECT + "?") and query["state"] == ["xyz"]
    return query["code"][0]


def exchange(client, **data):
    return client.post("/login/oauth2/token", data={"client_id": CLIENT_ID, "client_secret": SECRET, **data})


@pytest.fixture
def client(sim_app):
    return sim_app.test_client()


def test_no_token_and_bad_token_are_401_with_www_authenticate(client):
    missing = client.get("/api/v1/users/self")
    assert (missing.status_code, missing.headers["WWW-Authenticate"]) == (401, CHALLENGE)
    assert missing.json == {"status": "unauthenticated", "errors": [{"message": "user authorization required"}]}
    bad = client.get("/api/v1/users/self", headers={"Authorization": "Bearer nope"})
    assert (bad.status_code, bad.headers["WWW-Authenticate"]) == (401, CHALLENGE)
    assert bad.json == {"errors": [{"message": "Invalid access token."}]}


def test_access_token_parameter_also_works(client):
    assert client.get("/api/v1/users/self?access_token=7~canvaslink-demo-admin-token").json["id"] == 1


def test_code_for_token_then_expiry_then_refresh(client, sim_clock):
    granted = exchange(client, grant_type="authorization_code", code=authorize(client), redirect_uri=REDIRECT).json
    assert granted["token_type"] == "Bearer" and granted["expires_in"] == 3600
    assert granted["user"] == {"id": 1, "name": "Integration Admin", "global_id": "10000000000001",
                               "effective_locale": "en"}
    headers = {"Authorization": f"Bearer {granted['access_token']}"}
    assert client.get("/api/v1/users/self", headers=headers).status_code == 200

    sim_clock.advance(3600)
    expired = client.get("/api/v1/users/self", headers=headers)
    assert (expired.status_code, expired.headers["WWW-Authenticate"]) == (401, CHALLENGE)

    refreshed = exchange(client, grant_type="refresh_token", refresh_token=granted["refresh_token"]).json
    assert "refresh_token" not in refreshed and refreshed["expires_in"] == 3600
    assert client.get("/api/v1/users/self", headers={"Authorization": f"Bearer {refreshed['access_token']}"}).json[
        "id"] == 1
    # Canvas regenerates the access token; the refresh token keeps working.
    assert exchange(client, grant_type="refresh_token", refresh_token=granted["refresh_token"]).status_code == 200


def test_token_lifetime_is_settable(client, simulation):
    simulation.configure(token_ttl=0)
    granted = exchange(client, code=authorize(client)).json  # grant_type defaults when a code is given
    assert "expires_in" not in granted and granted["refresh_token"]


def test_client_credentials_in_http_basic(client):
    response = client.post("/login/oauth2/token", data={"grant_type": "authorization_code", "code": authorize(client)},
                           auth=(CLIENT_ID, SECRET))
    assert response.status_code == 200


@pytest.mark.parametrize(("data", "status", "error", "description"), [
    ({"client_id": "999"}, 401, "invalid_client", "unknown client"),
    ({"client_secret": "wrong"}, 401, "invalid_client", "invalid client"),
    ({"code": "nope"}, 400, "invalid_grant", "authorization_code not found"),
    ({"grant_type": "password"}, 400, "unsupported_grant_type",
     "The grant_type you requested is not currently supported"),
    ({"grant_type": "refresh_token", "refresh_token": "nope"}, 400, "invalid_request", "refresh_token not found"),
    ({"grant_type": "refresh_token"}, 400, "invalid_request",
     "You must provide the refresh_token parameter when using the refresh_token grant type"),
])
def test_token_endpoint_errors(client, data, status, error, description):
    response = exchange(client, **{"grant_type": "authorization_code", **data})
    assert response.status_code == status
    assert response.json == {"error": error, "error_description": description}
    assert (response.headers.get("WWW-Authenticate") == "Canvas OAuth 2.0") == (status == 401)


def test_a_code_works_once(client):
    code = authorize(client)
    assert exchange(client, code=code).status_code == 200
    assert exchange(client, code=code).json["error"] == "invalid_grant"


def test_authorize_refuses_unknown_client_and_foreign_redirect(client):
    unknown = client.get(f"/login/oauth2/auth?client_id=1&response_type=code&redirect_uri={REDIRECT}")
    assert (unknown.status_code, unknown.json["error"]) == (401, "invalid_client")
    foreign = client.get(f"/login/oauth2/auth?client_id={CLIENT_ID}&response_type=code&redirect_uri=https://evil.test/")
    assert foreign.json == {"error": "invalid_request",
                            "error_description": "redirect_uri does not match client settings"}


def test_cancel_and_wrong_response_type_go_back_with_an_error(client):
    denied = client.get(f"/login/oauth2/deny?client_id={CLIENT_ID}&redirect_uri={REDIRECT}&state=s")
    assert parse_qs(urlsplit(denied.location).query) == {"error": ["access_denied"], "state": ["s"]}
    wrong = client.get(f"/login/oauth2/auth?client_id={CLIENT_ID}&response_type=token&redirect_uri={REDIRECT}")
    assert parse_qs(urlsplit(wrong.location).query)["error"] == ["unsupported_response_type"]


def test_deleting_a_token_logs_it_out(client):
    token = exchange(client, code=authorize(client)).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/login/oauth2/token", headers=headers).json == {}
    assert client.get("/api/v1/users/self", headers=headers).status_code == 401
    manual = client.delete("/login/oauth2/token", headers={"Authorization": "Bearer 7~canvaslink-demo-admin-token"})
    assert manual.json == {"message": "can't delete OAuth access token when not using an OAuth access token"}


def test_the_whole_flow_over_http():
    with running_simulator() as sim:
        client_id, secret = sim.developer_key
        page = requests.get(f"{sim.url}/login/oauth2/auth", timeout=5, params={
            "client_id": client_id, "response_type": "code", "redirect_uri": REDIRECT, "state": "s1"})
        assert "Approve" in page.text
        back = requests.post(f"{sim.url}/login/oauth2/accept", allow_redirects=False, timeout=5, data={
            "client_id": client_id, "redirect_uri": REDIRECT, "state": "s1", "user_id": "1"})
        code = parse_qs(urlsplit(back.headers["Location"]).query)["code"][0]
        token = requests.post(f"{sim.url}/login/oauth2/token", timeout=5, data={
            "grant_type": "authorization_code", "client_id": client_id, "client_secret": secret,
            "redirect_uri": REDIRECT, "code": code}).json()["access_token"]
        me = requests.get(f"{sim.url}/api/v1/users/self", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert me.json()["name"] == "Integration Admin"
