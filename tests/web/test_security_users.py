"""Manage › Security › users over HTTP: nobody changes the account of someone who holds rights they
do not (issue 22, H1), and the page offers no change the server would refuse."""

import pytest

from tests.helpers import PASSWORD, sign_in
from webapp.extensions import db
from webapp.models import AuditEntry, Role, RolePermission, User

NEW_PASSWORD = "taken over at last"


def _role_with(name, rights):
    db.session.add(Role(name=name, permissions=[RolePermission(entity=e, action=a) for e, a in rights]))
    db.session.commit()


def _form(user, **changes):
    """The edit form as a browser posts it: the user's current values, with `changes`."""
    data = {"display_name": user.display_name, "email": user.email or "", "password": "", "active": "y"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _signs_in(app, username, password) -> bool:
    """Whether a new browser signs in with these (in its own app context, as a server request has)."""
    with app.app_context():
        return sign_in(app.test_client(), username, password).status_code == 302


@pytest.fixture
def desk(client, make_user):
    """Signed in as a user whose only role may view and edit users; the Administrator and a user with
    fewer rights (none) exist."""
    _role_with("User desk", [("user", "view"), ("user", "edit")])
    admin = make_user("admin", ("Administrator",))
    admin.email = "admin@rto.example"
    clerk = make_user("clerk", ())
    db.session.commit()
    make_user("desk", ("User desk",))
    sign_in(client, "desk")
    return admin, clerk


@pytest.mark.parametrize("changes", [
    {"password": NEW_PASSWORD},
    {"active": None},  # an unticked box is not posted
    {"display_name": "Owned"},
    {"email": "desk@attacker.example"},
], ids=["password", "deactivate", "name", "email"])
def test_user_edit_cannot_change_the_administrator(app, client, desk, changes):
    admin, _ = desk
    before = (admin.password_hash, admin.display_name, admin.email, admin.active, admin.session_version)
    response = client.post(f"/manage/security/users/{admin.id}/edit", data=_form(admin, **changes))
    assert response.status_code == 422
    assert ("You cannot change the account of Admin (admin): they hold rights your own roles do not have"
            in response.get_data(as_text=True))
    db.session.expire_all()
    admin = db.session.get(User, admin.id)
    assert (admin.password_hash, admin.display_name, admin.email, admin.active, admin.session_version) == before
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.entity == "user")) is None
    assert _signs_in(app, "admin", PASSWORD) and not _signs_in(app, "admin", NEW_PASSWORD)


def test_the_edit_page_of_the_administrator_says_why_and_offers_no_save(client, desk):
    admin, _ = desk
    page = client.get(f"/manage/security/users/{admin.id}/edit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "they hold rights your own roles do not have" in html
    assert '<button type="submit" class="primary">Save' not in html and "<fieldset class=\"plain\" disabled>" in html


def test_user_edit_still_changes_a_user_with_fewer_rights(app, client, desk):
    _, clerk = desk
    response = client.post(f"/manage/security/users/{clerk.id}/edit",
                           data=_form(clerk, display_name="Clerk Two", email="clerk@rto.example",
                                      password=NEW_PASSWORD))
    assert response.status_code == 302
    db.session.expire_all()
    clerk = db.session.get(User, clerk.id)
    assert (clerk.display_name, clerk.email) == ("Clerk Two", "clerk@rto.example")
    assert _signs_in(app, "clerk", NEW_PASSWORD)
    response = client.post(f"/manage/security/users/{clerk.id}/edit", data=_form(clerk, active=None))
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, clerk.id).active


def test_the_security_page_offers_changes_only_to_users_with_no_more_rights(client, make_user):
    _role_with("Security desk", [("role", "view"), ("role", "edit"), ("user", "view"), ("user", "edit"),
                                 ("user", "delete")])
    admin = make_user("admin", ("Administrator",))
    clerk = make_user("clerk", ())
    make_user("desk", ("Security desk",))
    sign_in(client, "desk")
    html = client.get("/manage/security/").get_data(as_text=True)
    assert f"/manage/security/users/{clerk.id}/edit" in html and f"/manage/security/users/{clerk.id}/delete" in html
    assert f"/manage/security/users/{admin.id}/edit" not in html
    assert f"/manage/security/users/{admin.id}/delete" not in html
    admin_role = db.session.scalar(db.select(Role).where(Role.name == "Administrator"))
    checkbox = html.split(f'id="member-{admin.id}-{admin_role.id}"')[1].split(">")[0]
    assert "disabled" in checkbox
    response = client.post(f"/manage/security/users/{admin.id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin.id) is not None
    response = client.post(f"/manage/security/users/{admin.id}/roles", headers={"HX-Request": "true"},
                           data={"role_id": admin_role.id})
    assert response.status_code == 422 and "they hold rights" in response.get_data(as_text=True)
    db.session.expire_all()
    assert admin_role in db.session.get(User, admin.id).roles
