"""Deleted logins keep their SIS id (reference §11.2), and what a login id may be (§11.8)."""

import pytest

ADMIN_TOKEN = "7~canvaslink-demo-admin-token"
ACCOUNT_USERS = "/api/v1/accounts/1/users"
ELLA_LOGIN = "ella.wright@student.example.edu.au"


def ella_login_id(simulation):
    return next(x.id for x in simulation.state.logins.values() if x.unique_id == ELLA_LOGIN)


@pytest.fixture
def deleted(sim_app, simulation):
    """Ella's (C0025) only login deleted in Canvas, through the admin API."""
    login_id = ella_login_id(simulation)
    answer = sim_app.test_client().post(f"/sim/api/logins/{login_id}/delete", json={})
    assert answer.json == {"id": login_id, "workflow_state": "deleted"}
    return login_id


def create(sim_api, unique_id, sis_user_id="C0025", **extra):
    return sim_api.post(ACCOUNT_USERS, data={"user[name]": "Ella Wright", "pseudonym[unique_id]": unique_id,
                                             "pseudonym[sis_user_id]": sis_user_id, **extra})


def test_lookups_skip_a_deleted_login(sim_api, deleted):
    assert sim_api.get("/api/v1/users/sis_user_id:C0025").status_code == 404
    assert sim_api.get(f"/api/v1/users/sis_login_id:{ELLA_LOGIN.replace('.', '%2E')}").status_code == 404
    assert sim_api.get("/api/v1/users/1001/logins").json == []


def test_its_sis_id_stays_taken(sim_api, deleted):
    response = create(sim_api, "ella.new@example.edu")
    assert response.status_code == 400
    assert response.json["errors"]["pseudonym"] == {"sis_user_id": [
        {"attribute": "sis_user_id", "type": "taken", "message": 'SIS ID "C0025" is already in use'}]}


def test_enable_sis_reactivation_revives_the_login_and_user(sim_api, simulation, sim_clock, deleted):
    sim_clock.advance(86400)
    revived = create(sim_api, "ella.new@example.edu", enable_sis_reactivation="true")
    assert revived.status_code == 200
    assert {k: revived.json[k] for k in ("id", "created_at", "sis_user_id", "login_id")} == {
        "id": 1001, "created_at": "2026-11-26T00:00:00Z", "sis_user_id": "C0025", "login_id": "ella.new@example.edu"}
    assert simulation.state.logins[deleted].workflow_state == "active"
    assert sim_api.get("/api/v1/users/sis_user_id:C0025").json["id"] == 1001
    assert len(simulation.state.users) == 4


def test_revival_refused_when_the_login_id_is_taken(sim_api, simulation, deleted):
    taken = create(sim_api, "Matilda.Scott@student.example.edu.au", enable_sis_reactivation="true")
    assert taken.status_code == 400
    assert taken.json["errors"]["pseudonym"] == {"unique_id": [
        {"attribute": "unique_id", "type": "taken",
         "message": "ID already in use for this account and authentication provider"}]}
    assert (simulation.state.logins[deleted].workflow_state, simulation.state.logins[deleted].unique_id) == ("deleted", ELLA_LOGIN)


def test_revival_may_keep_the_old_login_id(sim_api, deleted):
    assert create(sim_api, ELLA_LOGIN, enable_sis_reactivation="true").json["id"] == 1001


def test_without_manage_sis_the_flag_does_nothing(make_sim_app, sim_api_for):
    seed = {"users": [{"id": 1, "name": "Admin", "login_id": "admin", "admin": True, "tokens": ["t"],
                       "without_permissions": ["manage_sis"]},
                      {"id": 5, "name": "Gone", "login_id": "gone@example.edu", "sis_user_id": "C1",
                       "login_deleted": True}]}
    api = sim_api_for(make_sim_app(seed), "t")
    created = create(api, "gone@example.edu", sis_user_id="C1", enable_sis_reactivation="true")
    assert created.status_code == 200 and created.json["id"] != 5  # a new user, without the SIS id


def test_api_delete_of_a_login(sim_api, simulation):
    login_id = ella_login_id(simulation)
    path = f"/api/v1/users/1001/logins/{login_id}"
    last = sim_api.delete(path)
    assert (last.status_code, last.json) == (400, {"errors": {"base": [
        {"attribute": "base", "type": "Users must have at least one login",
         "message": "Users must have at least one login"}]}})
    second = simulation.state.add_login(simulation.state.users[1001], "ella.other@example.edu")
    deleted = sim_api.delete(path)
    assert deleted.status_code == 200
    assert (deleted.json["id"], deleted.json["workflow_state"], deleted.json["sis_user_id"]) == (
        login_id, "deleted", "C0025")
    assert sim_api.delete(path).status_code == 404
    assert sim_api.delete(f"/api/v1/users/1002/logins/{second.id}").status_code == 404  # not that user's
    assert create(sim_api, "ella.again@example.edu").json["errors"]["pseudonym"]["sis_user_id"][0]["type"] == "taken"


def test_api_delete_needs_manage_user_logins(make_sim_app, sim_api_for):
    seed = {"users": [{"id": 1, "name": "Admin", "login_id": "admin", "admin": True, "tokens": ["t"],
                       "without_permissions": ["manage_user_logins"]}]}
    api = sim_api_for(make_sim_app(seed), "t")
    assert api.delete("/api/v1/users/1/logins/1").status_code == 403


def test_a_deleted_login_replays_from_the_state_dump(sim_app, make_sim_app, deleted):
    dump = sim_app.test_client().get("/sim/api/state").json
    replayed = make_sim_app(dump).extensions["canvas_sim"].state
    assert [(x.sis_user_id, x.workflow_state) for x in replayed.logins.values() if x.user_id == 1001] == [
        ("C0025", "deleted")]


def nested(entry):
    return {"errors": {"user": {}, "pseudonym": {"unique_id": [entry]}, "observee": {}, "pairing_code": {},
                       "recaptcha": None}}


TOO_LONG = {"attribute": "unique_id", "type": "too_long", "message": "is too long (maximum is 100 characters)"}
INVALID = {"attribute": "unique_id", "type": "invalid", "message": "is invalid"}


@pytest.mark.parametrize(("unique_id", "entry"), [
    ("a" * 89 + "@example.edu", TOO_LONG),
    ("tab\there@example.edu", INVALID),
    ("bell\x07@example.edu", INVALID),
])
def test_unique_id_rules_on_create(sim_api, unique_id, entry):
    response = sim_api.post(ACCOUNT_USERS, data={"user[name]": "X", "pseudonym[unique_id]": unique_id})
    assert (response.status_code, response.json) == (400, nested(entry))


def test_a_100_character_unique_id_is_fine_after_strip(sim_api):
    unique_id = "a" * 88 + "@example.edu"
    response = sim_api.post(ACCOUNT_USERS, data={"user[name]": "X", "pseudonym[unique_id]": f"  {unique_id} "})
    assert (response.status_code, response.json["login_id"]) == (200, unique_id)


def test_unique_id_rules_on_login_update(sim_api, simulation):
    path = f"/api/v1/accounts/1/logins/{ella_login_id(simulation)}"
    too_long = sim_api.put(path, data={"login[unique_id]": "b" * 101})
    assert (too_long.status_code, too_long.json) == (400, {"errors": {"unique_id": [TOO_LONG]}})
    assert sim_api.put(path, data={"login[unique_id]": "new\nline"}).json == {"errors": {"unique_id": [INVALID]}}
    assert sim_api.put(path, data={"login[unique_id]": "ella@new.example"}).json["unique_id"] == "ella@new.example"
