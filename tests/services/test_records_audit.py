"""Edits of the SMS records are audited with who, when and what changed, before → after (issue 22,
M4): clients and units (services/records.py), occurrences and enrolments (services/sms)."""

import pytest

from webapp.extensions import db
from webapp.models import AuditEntry, EnrolmentStatus, Occurrence, OccurrenceStatus
from webapp.services.oversight.audit_words import field_label


def _entries(entity):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.entity == entity)
                              .order_by(AuditEntry.id)).all()


def _id(model, **where):
    return db.session.scalar(db.select(model.id).filter_by(**where))


@pytest.mark.parametrize("path, created, edited, changed, label", [
    ("/clients", {"code": "C7001", "first_name": "Ada", "last_name": "King", "date_of_birth": "02/03/2001"},
     {"first_name": "+cmd|' /C calc'!A0", "date_of_birth": "03/03/2001"},
     {"first_name": ["Ada", "+cmd|' /C calc'!A0"], "date_of_birth": ["02/03/2001", "03/03/2001"]}, "client"),
    ("/units", {"code": "BSBXYZ101", "name": "Do things"}, {"name": "Do things well"},
     {"name": ["Do things", "Do things well"]}, "unit"),
], ids=["client", "unit"])
def test_a_record_s_add_edit_and_delete_are_audited(client, login, path, created, edited, changed, label):
    admin = login()
    assert client.post(f"{path}/new", data=created).status_code == 302
    entry = _entries(label)[0]
    ident = entry.entity_id
    assert client.post(f"{path}/{ident}/edit", data=created).status_code == 302  # unchanged: nothing recorded
    assert client.post(f"{path}/{ident}/edit", data={**created, **edited}).status_code == 302
    assert client.post(f"{path}/{ident}/delete").status_code == 302
    add, edit, delete = _entries(label)
    assert [(e.action, e.user_id, e.entity_id) for e in (add, edit, delete)] == [
        ("create", admin.id, ident), ("edit", admin.id, ident), ("delete", admin.id, ident)]
    assert add.summary.startswith(f"Added {label} ") and add.changes["code"] == [None, created["code"]]
    assert edit.changes == changed
    assert delete.summary.startswith(f"Deleted {label} ") and delete.changes["code"] == [created["code"], None]
    page = client.get(f"/manage/audit?what={label}").get_data(as_text=True)
    before, after = next(iter(changed.values()))
    assert f"{field_label(next(iter(changed)))}: {before} → {after}".replace("'", "&#39;") in page


def test_an_occurrence_and_an_enrolment_are_audited(client, login, make_client):
    admin = login()
    status = _id(OccurrenceStatus, name="In progress")
    form = {"id": "777", "name": "Evening class", "program_name": "Cert IV", "start_date": "02/02/2026",
            "end_date": "11/12/2026", "status_id": status}
    assert client.post("/occurrences/new", data=form).status_code == 302
    del form["id"]
    assert client.post("/occurrences/777/edit", data={**form, "end_date": "18/12/2026"}).status_code == 302
    student = make_client(code="C8001", first_name="Grace", last_name="Hopper")
    enrolled, withdrawn = _id(EnrolmentStatus, name="Enrolled"), _id(EnrolmentStatus, name="Withdrawn")
    response = client.post("/occurrences/777/enrol", data={"client_code": "C8001", "status_id": enrolled})
    assert response.status_code == 302
    enrolment_id = db.session.get(Occurrence, 777).enrolments[0].id
    assert client.post(f"/enrolments/{enrolment_id}/edit", data={
        "start_date": "02/02/2026", "end_date": "19/12/2026", "status_id": withdrawn}).status_code == 302
    assert client.post(f"/enrolments/{enrolment_id}/delete").status_code == 302
    assert client.post("/occurrences/777/delete").status_code == 302

    occurrence = _entries("occurrence")
    assert [(e.action, e.entity_id, e.user_id) for e in occurrence] == [
        ("create", 777, admin.id), ("edit", 777, admin.id), ("delete", 777, admin.id)]
    assert occurrence[0].changes["status"] == [None, "In progress"]
    assert occurrence[1].changes == {"end_date": ["11/12/2026", "18/12/2026"]}
    enrolment = _entries("enrolment")
    assert [(e.action, e.entity_id, e.user_id) for e in enrolment] == [
        ("create", enrolment_id, admin.id), ("edit", enrolment_id, admin.id), ("delete", enrolment_id, admin.id)]
    assert enrolment[0].summary == f"Added the enrolment of {student} in occurrence 777"
    assert enrolment[0].changes["client"] == [None, "Grace Hopper (C8001)"]
    assert enrolment[1].changes == {"end_date": ["18/12/2026", "19/12/2026"], "status": ["Enrolled", "Withdrawn"]}
    page = client.get("/manage/audit?what=enrolment").get_data(as_text=True)
    assert "Status: Enrolled → Withdrawn" in page
