"""Accounts and admin rights (reference §11.3, §11.4): who may do what, and what they see."""

import pytest

from canvas_sim.seeds import load_seed

NOT_AUTHORIZED = {"status": "unauthorized", "errors": [{"message": "user not authorized to perform that action"}]}
# The keys of user JSON that only rights reveal.
GUARDED = {"sis_user_id", "integration_id", "sis_import_id", "login_id"}


@pytest.fixture
def rights_app(make_sim_app):
    """The demo plus a sub-account (2) with its own course (66), and admins with fewer rights."""
    seed = load_seed("demo")
    seed = {**seed, "sub_accounts": [{"id": 2, "name": "Short courses"}],
            "users": seed["users"] + [
                {"id": 20, "name": "Sub Admin", "login_id": "sub.admin", "admin_account_id": 2, "tokens": ["sub"]},
                {"id": 21, "name": "No SIS", "login_id": "no.sis", "admin": True, "tokens": ["nosis"],
                 "without_permissions": ["manage_sis", "read_sis"]},
                {"id": 22, "name": "Reads SIS", "login_id": "reads.sis", "admin": True, "tokens": ["readsis"],
                 "without_permissions": ["manage_sis", "view_user_logins"]},
                {"id": 23, "name": "Reader", "login_id": "reader", "admin": True, "tokens": ["reader"],
                 "without_permissions": ["manage_user_logins", "manage_students", "view_all_grades"]},
                {"id": 24, "name": "Student", "login_id": "student", "tokens": ["student"]}],
            "courses": seed["courses"] + [{"id": 66, "name": "First aid", "account_id": 2,
                                           "sections": [{"id": 660, "name": "FA", "sis_section_id": "FA1"}]}],
            "enrollments": [{"user_id": 1001, "section_id": 87, "state": "active"},
                            {"user_id": 1001, "section_id": 660, "state": "active"}]}
    return make_sim_app(seed)


@pytest.fixture
def as_(rights_app, sim_api_for):
    return lambda token: sim_api_for(rights_app, token)


def test_account_json_for_admins(as_):
    root = as_("7~canvaslink-demo-admin-token")
    assert root.get("/api/v1/accounts/1").json == {
        "id": 1, "name": "Demo RTO", "uuid": root.get("/api/v1/accounts/1").json["uuid"], "parent_account_id": None,
        "root_account_id": None, "workflow_state": "active", "default_time_zone": "Australia/Sydney",
        "sis_account_id": None, "integration_id": None, "sis_import_id": None}
    assert root.get("/api/v1/accounts/self").json["id"] == 1
    assert root.get("/api/v1/accounts/default").json["id"] == 1
    sub = root.get("/api/v1/accounts/2").json  # a root admin administers sub-accounts too
    assert (sub["name"], sub["parent_account_id"], sub["root_account_id"]) == ("Short courses", 1, 1)
    assert as_("sub").get("/api/v1/accounts/2").status_code == 200
    assert root.get("/api/v1/accounts/3").status_code == 404


@pytest.mark.parametrize(("token", "account"), [("student", "1"), ("student", "self"), ("sub", "1"), ("sub", "self")])
def test_account_refused_to_non_admins_and_admins_below(as_, token, account):
    refused = as_(token).get(f"/api/v1/accounts/{account}")
    assert (refused.status_code, refused.json) == (403, NOT_AUTHORIZED)


def test_permissions_for_admins_only(as_):
    """accounts#permissions needs the account's :read: a non-admin, or an admin of a sub-account asking
    about the root, is refused (reference §12.5); an admin gets a truthful answer for each name."""
    query = "permissions[]=manage_sis&permissions[]=read_sis&permissions[]=view_user_logins&permissions[]=nonsense"
    assert as_("7~canvaslink-demo-admin-token").get(f"/api/v1/accounts/self/permissions?{query}").json == {
        "manage_sis": True, "read_sis": True, "view_user_logins": True, "nonsense": False}
    assert as_("readsis").get(f"/api/v1/accounts/1/permissions?{query}").json == {
        "manage_sis": False, "read_sis": True, "view_user_logins": False, "nonsense": False}
    refused = as_("student").get(f"/api/v1/accounts/1/permissions?{query}")
    assert (refused.status_code, refused.json) == (403, NOT_AUTHORIZED)
    sub = as_("sub")
    assert sub.get("/api/v1/accounts/1/permissions?permissions[]=manage_user_logins").status_code == 403
    assert sub.get("/api/v1/accounts/2/permissions?permissions[]=manage_user_logins").json == {
        "manage_user_logins": True}


def new_user(api, account="1", **extra):
    return api.post(f"/api/v1/accounts/{account}/users", data={
        "user[name]": "Kai Rossi", "pseudonym[unique_id]": "kai@example.edu", **extra})


def test_users_are_created_in_the_root_account_whatever_the_path(as_, rights_app):
    created = new_user(as_("7~canvaslink-demo-admin-token"), account="2", **{"pseudonym[sis_user_id]": "C0040"})
    assert created.status_code == 200 and created.json["sis_user_id"] == "C0040"
    login = next(x for x in rights_app.extensions["canvas_sim"].state.logins.values() if x.unique_id == "kai@example.edu")
    assert login.account_id == 1


@pytest.mark.parametrize("account", ["1", "2"])
def test_a_sub_account_admin_gets_403_with_an_empty_body(as_, account):
    refused = new_user(as_("sub"), account=account)
    assert (refused.status_code, refused.json) == (403, {})


@pytest.mark.parametrize("token", ["student", "reader"])
def test_creating_users_needs_an_admin_with_manage_user_logins(as_, token):
    refused = new_user(as_(token))
    assert (refused.status_code, refused.json) == (403, NOT_AUTHORIZED)


def test_without_manage_sis_the_sis_ids_are_silently_dropped(as_):
    created = new_user(as_("nosis"), **{"pseudonym[sis_user_id]": "C0040", "pseudonym[integration_id]": "I40"})
    assert created.status_code == 200
    assert not GUARDED & {"sis_user_id", "integration_id"} & set(created.json)
    found = as_("7~canvaslink-demo-admin-token").get(f"/api/v1/users/{created.json['id']}").json
    assert (found["sis_user_id"], found["integration_id"]) == (None, None)
    assert as_("7~canvaslink-demo-admin-token").get("/api/v1/users/sis_user_id:C0040").status_code == 404


def test_user_json_shows_only_what_the_rights_allow(as_):
    def keys(token, path="/api/v1/users/1001"):
        return GUARDED & set(as_(token).get(path).json)

    assert keys("7~canvaslink-demo-admin-token") == GUARDED
    assert keys("readsis") == {"sis_user_id", "integration_id"}  # read_sis without manage_sis or logins
    assert keys("nosis") == {"login_id"}
    assert keys("sub") == set()  # SIS rights count on the root account; logins on the root for users
    profile = as_("nosis").get("/api/v1/users/1001/profile").json
    assert "sis_user_id" not in profile and "integration_id" not in profile and profile["login_id"]
    logins = as_("nosis").get("/api/v1/users/1001/logins").json
    assert "sis_user_id" not in logins[0] and "integration_id" not in logins[0] and logins[0]["unique_id"]
    assert as_("readsis").get("/api/v1/users/1001/logins").json[0]["sis_user_id"] == "C0025"


def test_enrollment_user_follows_the_same_rights(as_):
    listed = as_("nosis").get("/api/v1/courses/55/enrollments").json[0]
    assert "sis_user_id" not in listed and "sis_user_id" not in listed["user"]
    assert listed["user"]["login_id"] == "ella.wright@student.example.edu.au"
    assert "login_id" not in as_("readsis").get("/api/v1/courses/55/enrollments").json[0]["user"]


def test_any_admin_finds_users_by_sis_and_login_id(as_):
    for token in ("sub", "nosis"):
        assert as_(token).get("/api/v1/users/sis_user_id:C0025").json["id"] == 1001
        assert as_(token).get("/api/v1/users/sis_login_id:reader").json["id"] == 23
    assert as_("student").get("/api/v1/users/sis_user_id:C0025").status_code == 404  # api_show hides (§12.5)


def test_enrolling_and_progress_need_their_permissions(as_):
    reader = as_("reader")
    refused = reader.post("/api/v1/sections/87/enrollments", data={"enrollment[user_id]": "1003"})
    assert (refused.status_code, refused.json) == (403, NOT_AUTHORIZED)
    assert reader.get("/api/v1/courses/55/modules?student_id=1001").json == NOT_AUTHORIZED
    assert reader.get("/api/v1/courses/55/modules").status_code == 200  # reading modules needs no grades right
    assert reader.delete("/api/v1/courses/55/enrollments/1").status_code == 403
    admin = as_("7~canvaslink-demo-admin-token")
    assert admin.post("/api/v1/sections/87/enrollments", data={"enrollment[user_id]": "1003"}).status_code == 200
    assert admin.get("/api/v1/courses/55/modules?student_id=1001").status_code == 200


def test_a_sub_account_admin_works_only_below_their_account(as_):
    sub = as_("sub")
    assert sub.get("/api/v1/courses/66").status_code == 200
    assert sub.get("/api/v1/sections/sis_section_id:FA1").status_code == 200
    assert sub.post("/api/v1/sections/660/enrollments", data={"enrollment[user_id]": "1003"}).status_code == 200
    assert sub.get("/api/v1/courses/66/modules?student_id=1001").status_code == 200
    for path in ("/api/v1/courses/55", "/api/v1/sections/87", "/api/v1/courses/55/sections",
                 "/api/v1/courses/55/enrollments", "/api/v1/accounts/1/users"):
        assert sub.get(path).json == NOT_AUTHORIZED, path
    assert sub.post("/api/v1/sections/87/enrollments", data={"enrollment[user_id]": "1003"}).json == NOT_AUTHORIZED
    assert sub.get("/api/v1/courses/55/modules?student_id=1001").json == NOT_AUTHORIZED


def login_of(api, user_id):
    return api.get(f"/api/v1/users/{user_id}/logins").json[0]["id"]


def test_changing_sis_ids_of_a_login_needs_manage_sis(as_):
    admin, nosis = as_("7~canvaslink-demo-admin-token"), as_("nosis")
    login_id = login_of(admin, 1002)
    assert nosis.put(f"/api/v1/accounts/1/logins/{login_id}", data={"login[sis_user_id]": "C0026"}).json == \
        NOT_AUTHORIZED
    assert nosis.put(f"/api/v1/accounts/1/logins/{login_id}", data={"login[integration_id]": "I26"}).json == \
        NOT_AUTHORIZED
    assert nosis.put(f"/api/v1/accounts/1/logins/{login_id}",
                     data={"login[declared_user_type]": "student"}).status_code == 200
    assert admin.put(f"/api/v1/accounts/1/logins/{login_id}", data={"login[sis_user_id]": "C0026"}).status_code == 200


@pytest.mark.parametrize("account", ["2", "sis_account_id:NOPE", "999"])
def test_login_update_ignores_the_account_in_the_path(as_, account):
    """pseudonyms#update never loads the path's account (reference §12.4): a sub-account or an SIS
    reference reaches the login all the same."""
    admin = as_("7~canvaslink-demo-admin-token")
    changed = admin.put(f"/api/v1/accounts/{account}/logins/{login_of(admin, 1002)}",
                        data={"login[sis_user_id]": "C0026"})
    assert (changed.status_code, changed.json["sis_user_id"]) == (200, "C0026")


def test_admin_api_sets_the_rights(rights_app):
    client = rights_app.test_client()
    user = client.post("/sim/api/users", json={"name": "Ops", "login_id": "ops", "admin_account_id": 2,
                                               "without_permissions": ["manage_sis"]}).json["id"]
    state = rights_app.extensions["canvas_sim"].state
    assert (state.users[user].admin_account_id, state.users[user].without_permissions) == (2, {"manage_sis"})
    form = client.post("/sim/api/users", data={"name": "Ops2", "login_id": "ops2", "admin": "true",
                                               "without_permissions": "read_sis, view_user_logins"})
    assert form.status_code == 302
    ops2 = next(u for u in state.users.values() if u.name == "Ops2")
    assert (ops2.admin_account_id, ops2.without_permissions) == (1, {"read_sis", "view_user_logins"})
    assert client.post("/sim/api/users", json={"name": "X", "without_permissions": ["fly"]}).json == {
        "error": "unknown permission(s): fly"}
    assert client.post("/sim/api/users", json={"name": "X", "admin_account_id": 9}).json == {"error": "no account 9"}
    assert client.post("/sim/api/accounts", json={"name": "Nested", "parent_account_id": 2}).json == {"id": 3}
