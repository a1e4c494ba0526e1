"""Security changes are audited with who, when and what (issue 22, M4): users added, edited,
deactivated, deleted and their passwords reset (never the password or its hash), roles added and
deleted, role members added and removed; and the audit log shows them readably."""

import json

from webapp.extensions import db
from webapp.models import AuditEntry, Role, User

FIRST_PASSWORD = "first secret password"
SECOND_PASSWORD = "second secret password"


def _entries(entity):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.entity == entity)
                              .order_by(AuditEntry.id)).all()


def _role(name):
    return db.session.scalar(db.select(Role).where(Role.name == name))


def _assert_no_password_anywhere(*secrets):
    """No audit entry carries a password or a password hash, in any field."""
    hashes = [u.password_hash for u in db.session.scalars(db.select(User))]
    for entry in db.session.scalars(db.select(AuditEntry)):
        text = json.dumps([entry.summary, entry.changes, entry.action], ensure_ascii=False)
        for secret in (*secrets, *hashes):
            assert secret not in text
        assert "scrypt:" not in text and "pbkdf2:" not in text


def test_a_user_s_life_is_audited_without_any_password(client, login):
    admin = login()
    trainer = _role("Trainer")
    client.post("/manage/security/users/new", data={
        "username": "kim", "display_name": "Kim", "email": "kim@rto.example", "password": FIRST_PASSWORD,
        "active": "y", "role_ids": [trainer.id]})
    kim = db.session.scalar(db.select(User).where(User.username == "kim"))
    edit = f"/manage/security/users/{kim.id}/edit"
    form = {"display_name": "Kim", "email": "kim@rto.example", "active": "y"}
    assert client.post(edit, data={**form, "display_name": "Kim Lee"}).status_code == 302
    assert client.post(edit, data={**form, "display_name": "Kim Lee", "password": SECOND_PASSWORD}).status_code == 302
    assert client.post(edit, data={"display_name": "Kim Lee", "email": "kim@rto.example"}).status_code == 302
    assert client.post(edit, data={"display_name": "Kim Lee", "email": "kim@rto.example"}).status_code == 302
    assert client.post(f"/manage/security/users/{kim.id}/delete").status_code == 302

    entries = _entries("user")
    assert [(e.action, e.entity_id, e.user_id) for e in entries] == [
        ("create", kim.id, admin.id), ("edit", kim.id, admin.id), ("password_reset", kim.id, admin.id),
        ("deactivate", kim.id, admin.id), ("delete", kim.id, admin.id)]  # saving unchanged records nothing
    created, edited, reset, deactivated, deleted = entries
    assert created.summary == "Added user kim"
    assert created.changes == {"username": [None, "kim"], "display_name": [None, "Kim"],
                               "email": [None, "kim@rto.example"], "active": [None, True],
                               "roles": [None, "Trainer"]}
    assert edited.changes == {"display_name": ["Kim", "Kim Lee"]}
    assert reset.summary == "Reset the password of user kim" and reset.changes == {"password": "reset"}
    assert deactivated.summary == "Deactivated user kim" and deactivated.changes == {"active": [True, False]}
    assert deleted.summary == "Deleted user kim" and deleted.changes["username"] == ["kim", None]
    _assert_no_password_anywhere(FIRST_PASSWORD, SECOND_PASSWORD)

    page = client.get("/manage/audit?what=user").get_data(as_text=True)
    for text in ("Reset the password of user kim", "Password: reset", "Deactivated user kim", "Active: Yes → No",
                 "Name: Kim → Kim Lee", "E-mail: — → kim@rto.example", "Deleted user kim"):
        assert text in page
    assert FIRST_PASSWORD not in page and SECOND_PASSWORD not in page


def test_roles_and_their_members_are_audited(client, login, make_user, htmx_headers):
    admin = login()
    robin = make_user("robin", ())
    client.post("/manage/security/roles", data={"name": "Enrolment officers", "description": "Front desk"})
    role = _role("Enrolment officers")
    member = f"/manage/security/users/{robin.id}/roles"
    assert client.post(member, headers=htmx_headers, data={"role_id": role.id, "member": "on"}).status_code == 200
    assert client.post(member, headers=htmx_headers, data={"role_id": role.id}).status_code == 200
    assert client.post(f"/manage/security/roles/{role.id}/delete").status_code == 302

    roles = _entries("role")
    assert [(e.action, e.summary, e.user_id) for e in roles] == [
        ("create", "Added role Enrolment officers", admin.id), ("delete", "Deleted role Enrolment officers", admin.id)]
    assert roles[0].changes == {"name": [None, "Enrolment officers"], "description": [None, "Front desk"]}
    members = _entries("user")
    assert [(e.entity_id, e.summary, e.changes) for e in members] == [
        (robin.id, "Gave the role Enrolment officers to Robin", {"roles": [None, "Enrolment officers"]}),
        (robin.id, "Took the role Enrolment officers from Robin", {"roles": ["Enrolment officers", None]})]
    page = client.get("/manage/audit?what=user").get_data(as_text=True)
    assert "Roles: — → Enrolment officers" in page and "Roles: Enrolment officers → —" in page
