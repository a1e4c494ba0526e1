"""Change status… on an occurrence's Enrolments (issue 21 §6): staff select several students and give them one
new status at once. Each change is saved and audited as a single edit; the Canvas sync and its mass-change
guard act on the whole batch, as one run."""

from datetime import date

from sqlalchemy import func, select

from tests.helpers import run_queued_jobs
from webapp.extensions import db
from webapp.models import AuditEntry, Client, Enrolment, EnrolmentStatus, JobRun
from webapp.services.canvas_sync.standing import held_changes


def _status_id(name) -> int:
    return db.session.scalar(select(EnrolmentStatus.id).where(EnrolmentStatus.name == name))


def _ids(codes, occurrence_id=121) -> list[int]:
    return list(db.session.scalars(select(Enrolment.id).join(Client).where(
        Client.code.in_(codes), Enrolment.occurrence_id == occurrence_id)))


def _words(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


URL = "/occurrences/121/enrolments/status"


def test_twelve_students_withdrawn_at_once_are_audited_one_by_one_and_meet_the_guard_as_one_sync(
        client, login, app, redis_url, transferred_121, sim):
    trainer = login("Trainer")  # the right to edit enrolments is the right to change several at once
    page = client.get("/occurrences/121").get_data(as_text=True)
    assert "Change status…" in page and 'aria-label="Select every student"' in page
    assert page.count('<input type="checkbox" name="enrolment"') == 16
    chosen = _ids([f"C00{n}" for n in range(25, 37)])
    choice = {"enrolment": chosen, "status_id": _status_id("Withdrawn"), "end_date": "06/11/2026"}

    form = client.get(URL, query_string={"enrolment": chosen})
    assert form.status_code == 200 and "Change status: 12 students in #121" in _words(form)
    confirm = client.post(URL, data=choice)
    assert confirm.status_code == 200
    assert "Change the status of 12 students to Withdrawn?" in _words(confirm)
    assert "Their enrolments end on <strong>06/11/2026</strong>." in _words(confirm)
    assert {e.status.name for e in db.session.scalars(select(Enrolment).where(Enrolment.occurrence_id == 121))} == {
        "Enrolled"}  # not yet

    done = client.post(URL, data={**choice, "confirmed": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/occurrences/121#enrolments")
    assert "Changed the status of 12 students to Withdrawn." in _words(client.get("/occurrences/121"))
    withdrawn = db.session.scalars(select(Enrolment).where(Enrolment.id.in_(chosen))).all()
    assert {(e.status.name, e.end_date) for e in withdrawn} == {("Withdrawn", date(2026, 11, 6))}
    audited = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "enrolment",
                                                          AuditEntry.action == "edit")).all()
    assert sorted(e.entity_id for e in audited) == sorted(chosen)
    assert {(e.user_id, tuple(e.changes["status"]), tuple(e.changes["end_date"])) for e in audited} == {
        (trainer.id, ("Enrolled", "Withdrawn"), ("24/09/2027", "06/11/2026"))}
    runs = db.session.scalars(select(JobRun).where(JobRun.kind == "canvas_sync")).all()
    assert len(runs) == 1 and len(runs[0].params["triggers"]) == 12  # one sync for the batch
    assert runs[0].params["trigger"].endswith("from Enrolled to Withdrawn; and 11 more changes")

    run_queued_jobs(app, redis_url)

    assert len(held_changes(121)) == 12  # twelve at once is more than the guard lets through
    with sim.state.lock:
        assert {e.workflow_state for e in sim.state.enrollments.values() if e.section_id == 87} == {"active"}


def test_change_status_asks_for_what_it_needs_and_saves_nothing_it_cannot(
        client, login, make_occurrence, make_client, enrol_client):
    login()
    occurrence = make_occurrence()
    early, late = make_client(first_name="Ada", last_name="Early"), make_client(first_name="Lin", last_name="Late")
    first = enrol_client(occurrence, early)
    second = enrol_client(occurrence, late)
    second.start_date = date(2026, 5, 4)
    other = enrol_client(make_occurrence(), make_client())
    db.session.commit()
    url = f"/occurrences/{occurrence.id}/enrolments/status"

    nothing = client.get(url)
    assert nothing.status_code == 302 and "Select the students whose status changes first" in _words(
        client.get(f"/occurrences/{occurrence.id}"))
    no_status = client.post(url, data={"enrolment": [first.id, second.id], "status_id": 0, "end_date": "01/04/2026"})
    assert no_status.status_code == 422 and "Choose the new status." in _words(no_status)
    no_date = client.post(url, data={"enrolment": [first.id, second.id], "status_id": _status_id("Cancelled")})
    assert no_date.status_code == 422
    assert "Cancelled ends the enrolment: type the day it ends, as dd/mm/yyyy." in _words(no_date)
    before_start = client.post(url, data={"enrolment": [first.id, second.id], "status_id": _status_id("Withdrawn"),
                                          "end_date": "01/04/2026", "confirmed": "1"})
    assert before_start.status_code == 422
    assert ("01/04/2026 is before the start date of Lin Late (04/05/2026). Type a later end date, or leave those "
            "students out.") in _words(before_start)
    db.session.expire_all()
    assert {e.status.name for e in db.session.scalars(select(Enrolment))} == {"Enrolled"}  # none of them
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.entity == "enrolment", AuditEntry.action == "edit")) == 0

    # Another occurrence's enrolment in the list is not this page's to change.
    back_to_enrolled = client.post(url, data={"enrolment": [first.id, other.id], "status_id": _status_id("Completed"),
                                              "end_date": "30/06/2026", "confirmed": "1"})
    assert back_to_enrolled.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enrolment, first.id).status.name == "Completed"
    assert db.session.get(Enrolment, other.id).status.name == "Enrolled"


def test_change_status_takes_the_right_to_edit_enrolments(client, login, make_occurrence, make_client, enrol_client):
    occurrence = make_occurrence()
    enrolment = enrol_client(occurrence, make_client())
    login("Read only")
    page = client.get(f"/occurrences/{occurrence.id}").get_data(as_text=True)
    assert "Change status…" not in page and 'name="enrolment"' not in page
    url = f"/occurrences/{occurrence.id}/enrolments/status"
    assert client.get(url, query_string={"enrolment": enrolment.id}).status_code == 403
    assert client.post(url, data={"enrolment": enrolment.id, "status_id": _status_id("Withdrawn"),
                                  "end_date": "01/04/2026", "confirmed": "1"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status.name == "Enrolled"
