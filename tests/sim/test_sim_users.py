"""Users and logins (reference §4): lookups by SIS and login id, creation, `taken` errors."""

import pytest

ACCOUNT_USERS = "/api/v1/accounts/1/users"


def create(sim_api, unique_id, sis_user_id=None, name="New Student"):
    data = {"user[name]": name, "pseudonym[unique_id]": unique_id, "user[skip_registration]": "true",
            "pseudonym[send_confirmation]": "true"}
    if sis_user_id:
        data["pseudonym[sis_user_id]"] = sis_user_id
    return sim_api.post(ACCOUNT_USERS, data=data)


@pytest.mark.parametrize("ref", ["1001", "sis_user_id:C0025",
                                 "sis_login_id:ella%2Ewright%40student%2Eexample%2Eedu%2Eau",
                                 "sis_login_id:ELLA%2EWRIGHT%40student%2Eexample%2Eedu%2Eau"])
def test_user_by_id_sis_id_or_login(sim_api, ref):
    assert sim_api.get(f"/api/v1/users/{ref}").json == {
        "id": 1001, "name": "Ella Wright", "created_at": "2026-11-26T00:00:00Z", "sortable_name": "Wright, Ella",
        "short_name": "Ella Wright", "sis_user_id": "C0025", "integration_id": None, "sis_import_id": None,
        "login_id": "ella.wright@student.example.edu.au", "locale": None}


def test_the_demo_has_a_user_with_the_email_but_no_sis_id(sim_api):
    assert sim_api.get("/api/v1/users/sis_user_id:C0026").status_code == 404
    archie = sim_api.get("/api/v1/users/sis_login_id:archie%2Eclarke%40student%2Eexample%2Eedu%2Eau").json
    assert (archie["id"], archie["sis_user_id"]) == (1002, None)


def test_self_tells_who_the_token_acts_as(sim_api):
    assert sim_api.get("/api/v1/users/self").json["name"] == "Integration Admin"
    profile = sim_api.get("/api/v1/users/self/profile").json
    assert profile["primary_email"] == "canvas.admin@rto.example.edu.au" and profile["id"] == 1


def test_create_user_returns_user_json(sim_api):
    response = create(sim_api, " new.student@example.edu ", "C0099")
    assert response.status_code == 200
    body = response.json
    assert (body["name"], body["sis_user_id"], body["login_id"], body["locale"]) == (
        "New Student", "C0099", "new.student@example.edu", None)
    assert sim_api.get("/api/v1/users/sis_user_id:C0099").json["id"] == body["id"]


def test_taken_login_is_canvas_nested_error(sim_api):
    response = create(sim_api, "Archie.Clarke@student.example.edu.au", "C0026")
    assert response.status_code == 400
    taken = {"attribute": "unique_id", "type": "taken",
             "message": "ID already in use for this account and authentication provider"}
    # Beside the login's error, the user's for the login it could not save (reference §12.5).
    invalid = {"attribute": "pseudonyms", "type": "invalid", "message": "is invalid"}
    assert response.json == {"errors": {"user": {"pseudonyms": [invalid]}, "pseudonym": {"unique_id": [taken]},
                                        "observee": {}, "pairing_code": {}, "recaptcha": None}}


def test_taken_sis_id_is_checked_after_the_login(sim_api):
    response = create(sim_api, "someone.new@example.edu", "C0025")
    assert response.json["errors"]["pseudonym"] == {
        "sis_user_id": [{"attribute": "sis_user_id", "type": "taken", "message": 'SIS ID "C0025" is already in use'}]}


def test_logins_list_and_update_sets_a_sis_id(sim_api):
    logins = sim_api.get("/api/v1/users/1002/logins").json
    assert [(login["unique_id"], login["sis_user_id"]) for login in logins] == [
        ("archie.clarke@student.example.edu.au", None)]
    updated = sim_api.put(f"/api/v1/accounts/1/logins/{logins[0]['id']}", data={"login[sis_user_id]": "C0026"})
    assert updated.json["sis_user_id"] == "C0026"
    assert sim_api.get("/api/v1/users/sis_user_id:C0026").json["id"] == 1002


def test_login_update_errors(sim_api):
    login_id = sim_api.get("/api/v1/users/1002/logins").json[0]["id"]
    path = f"/api/v1/accounts/1/logins/{login_id}"
    taken = sim_api.put(path, data={"login[sis_user_id]": "C0025"})
    assert taken.status_code == 400
    assert taken.json == {"errors": {"sis_user_id": [
        {"attribute": "sis_user_id", "type": "taken", "message": 'SIS ID "C0025" is already in use'}]}}
    nothing = sim_api.put(path, data={"other": "x"})
    assert (nothing.status_code, nothing.data.strip()) == (400, b"null")
    assert sim_api.put("/api/v1/accounts/1/logins/999", data={"login[sis_user_id]": "X"}).status_code == 404


def test_empty_sis_id_clears_it(sim_api):
    login_id = sim_api.get("/api/v1/users/1001/logins").json[0]["id"]
    assert sim_api.put(f"/api/v1/accounts/1/logins/{login_id}", data={"login[sis_user_id]": ""}).json[
        "sis_user_id"] is None


def test_account_user_search(sim_api):
    def names(term):
        return [u["name"] for u in sim_api.get(f"{ACCOUNT_USERS}?search_term={term}").json]

    assert names("clarke@student") == ["Archie Clarke"]
    assert names("C0027") == ["Matilda Scott"]
    assert names("1001") == ["Ella Wright"]
    assert names("student.example") == ["Archie Clarke", "Matilda Scott", "Ella Wright"]  # by sortable name
    short = sim_api.get(f"{ACCOUNT_USERS}?search_term=ab")
    assert short.status_code == 400
    assert short.json == {"errors": [{"field": "search_term", "code": "invalid",
                                      "message": "3 or more characters is required"}]}


def test_a_student_may_read_only_themself(sim_api_for, sim_app, simulation):
    token = sim_app.test_client().post("/sim/api/tokens", json={"user_id": 1001}).json["access_token"]
    student = sim_api_for(sim_app, token)
    assert student.get("/api/v1/users/self").json["id"] == 1001
    # users#api_show hides a user the caller may not see: 404, not "not authorized" (reference §12.5).
    hidden = student.get("/api/v1/users/1002")
    assert (hidden.status_code, hidden.json) == (404, {"errors": [{"message": "The specified resource does not exist."}]})
    refused = student.get("/api/v1/users/1002/profile")
    assert refused.status_code == 403  # current hosted Canvas (api_auth_error_updates)
    assert refused.json == {"status": "unauthorized",
                            "errors": [{"message": "user not authorized to perform that action"}]}
    assert "WWW-Authenticate" not in refused.headers
    simulation.configure(unauthorized_status=401)
    assert student.get(ACCOUNT_USERS).status_code == 401
