"""Manage › Security: the permission grid, users and roles, and the lock-out guard."""

from webapp.extensions import db
from webapp.models import Role, RolePermission, User
from webapp.services.permissions import can


def _role(name):
    return db.session.scalar(db.select(Role).where(Role.name == name))


def test_seeded_roles(app):
    trainer, read_only, admin = _role("Trainer"), _role("Read only"), _role("Administrator")
    trainer_grants = {(p.entity, p.action) for p in trainer.permissions}
    assert ("enrolment", "edit") in trainer_grants and ("client", "view") in trainer_grants
    assert ("client", "edit") not in trainer_grants and ("role", "edit") not in trainer_grants
    assert all(p.action == "view" for p in read_only.permissions)
    assert len(admin.permissions) == 14 * 4


def test_ticking_a_box_grants_the_right_at_once(client, login, make_user, htmx_headers):
    login()
    trainer = _role("Trainer")
    response = client.post(f"/manage/security/roles/{trainer.id}/permissions", headers=htmx_headers,
                           data={"entity": "client", "action": "add", "granted": "on"})
    assert response.status_code == 200 and "checked" in response.get_data(as_text=True)
    someone = make_user("terry", ("Trainer",))
    assert can(db.session.get(User, someone.id), "client", "add")
    client.post(f"/manage/security/roles/{trainer.id}/permissions", headers=htmx_headers,
                data={"entity": "client", "action": "add"})
    assert db.session.scalar(db.select(RolePermission).where(
        RolePermission.role_id == trainer.id, RolePermission.entity == "client",
        RolePermission.action == "add")) is None


def test_nobody_can_remove_the_last_way_to_manage_security(client, login, htmx_headers):
    admin_user = login()
    admin = _role("Administrator")
    response = client.post(f"/manage/security/roles/{admin.id}/permissions", headers=htmx_headers,
                           data={"entity": "role", "action": "edit"})
    assert response.status_code == 422
    assert "nobody able to change security" in response.get_data(as_text=True)
    response = client.post(f"/manage/security/users/{admin_user.id}/roles", headers=htmx_headers,
                           data={"role_id": admin.id})
    assert response.status_code == 422
    db.session.expire_all()
    assert admin in db.session.get(User, admin_user.id).roles


def test_give_a_user_a_role(client, login, make_user, htmx_headers):
    login()
    viewer = make_user("robin", ("Read only",))
    trainer = _role("Trainer")
    response = client.post(f"/manage/security/users/{viewer.id}/roles", headers=htmx_headers,
                           data={"role_id": trainer.id, "member": "on"})
    assert response.status_code == 200
    db.session.expire_all()
    assert {r.name for r in db.session.get(User, viewer.id).roles} == {"Read only", "Trainer"}


def test_add_a_role_and_a_user(client, login):
    login()
    response = client.post("/manage/security/roles", data={"name": "Compliance", "description": "Audits"})
    assert response.status_code == 302
    compliance = _role("Compliance")
    response = client.post("/manage/security/users/new", data={
        "username": "Casey", "display_name": "Casey Compliance", "password": "long enough password",
        "active": "y", "role_ids": [compliance.id]})
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).where(User.username == "casey"))
    assert [r.name for r in user.roles] == ["Compliance"]
    assert user.password_hash != "long enough password"


def test_a_role_name_taken_already_is_refused_with_a_reason_also_with_accents(client, login):
    login()
    assert client.post("/manage/security/roles", data={"name": "Évaluateur"}).status_code == 302

    again = client.post("/manage/security/roles", data={"name": "Évaluateur"})

    assert again.status_code == 422
    assert "There is already a role named “Évaluateur”." in again.get_data(as_text=True)


def test_short_passwords_are_refused(client, login):
    login()
    response = client.post("/manage/security/users/new", data={
        "username": "shorty", "display_name": "Shorty", "password": "short", "active": "y"})
    assert response.status_code == 422
    assert "at least 10 characters" in response.get_data(as_text=True)


def test_read_only_sees_the_grid_but_cannot_change_it(client, login):
    login("Read only")
    page = client.get(f"/manage/security/roles/{_role('Trainer').id}").get_data(as_text=True)
    assert 'id="perm-client-view"' in page and "disabled" in page
    assert "Add role" not in client.get("/manage/security/").get_data(as_text=True)


def test_nobody_deletes_themselves(client, login):
    me = login()
    response = client.post(f"/manage/security/users/{me.id}/delete", follow_redirects=True)
    assert "You cannot delete your own account." in response.get_data(as_text=True)


def _role_with(name, rights):
    role = Role(name=name, permissions=[RolePermission(entity=e, action=a) for e, a in rights])
    db.session.add(role)
    db.session.commit()
    return role


def test_a_role_that_may_only_edit_users_cannot_give_itself_administrator(client, make_user, htmx_headers):
    from tests.helpers import sign_in

    _role_with("User desk", [("user", "view"), ("user", "add"), ("user", "edit"), ("role", "view")])
    me = make_user("desk", ("User desk",))
    sign_in(client, "desk")
    admin = _role("Administrator")
    response = client.post(f"/manage/security/users/{me.id}/roles", headers=htmx_headers,
                           data={"role_id": admin.id, "member": "on"})
    assert response.status_code == 403
    assert 'name="role_ids"' not in client.get("/manage/security/users/new").get_data(as_text=True)
    response = client.post("/manage/security/users/new", data={
        "username": "sidekick", "display_name": "Sidekick", "password": "long enough password", "active": "y",
        "role_ids": [admin.id]})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, me.id).roles == [_role("User desk")]
    assert db.session.scalar(db.select(User).where(User.username == "sidekick")).roles == []


def test_nobody_grants_a_role_more_rights_than_their_own(client, make_user, htmx_headers):
    from tests.helpers import sign_in

    officer = _role_with("Officer", [("role", "view"), ("role", "edit"), ("user", "view"), ("user", "add"),
                                     ("user", "edit"), ("client", "view")])
    me = make_user("officer", ("Officer",))
    sign_in(client, "officer")
    response = client.post(f"/manage/security/users/{me.id}/roles", headers=htmx_headers,
                           data={"role_id": _role("Administrator").id, "member": "on"})
    assert response.status_code == 422
    assert "rights your own roles do not have" in response.get_data(as_text=True)
    response = client.post(f"/manage/security/roles/{officer.id}/permissions", headers=htmx_headers,
                           data={"entity": "client", "action": "delete", "granted": "on"})
    assert response.status_code == 422 and "delete clients" in response.get_data(as_text=True)
    response = client.post("/manage/security/users/new", data={
        "username": "crony", "display_name": "Crony", "password": "long enough password", "active": "y",
        "role_ids": [_role("Administrator").id]})
    assert response.status_code == 422
    db.session.expire_all()
    assert [r.name for r in db.session.get(User, me.id).roles] == ["Officer"]
    assert ("client", "delete") not in {(p.entity, p.action) for p in db.session.get(Role, officer.id).permissions}
    assert db.session.scalar(db.select(User).where(User.username == "crony")) is None
    within_own = _role_with("Client viewer", [("client", "view")])
    response = client.post(f"/manage/security/users/{me.id}/roles", headers=htmx_headers,
                           data={"role_id": within_own.id, "member": "on"})
    assert response.status_code == 200
