"""Result types and task statuses: seeded with the national outcomes, editable."""

from webapp.extensions import db
from webapp.models import ResultType, TaskStatus


def test_result_types_are_seeded_with_national_outcome_ids(client, login):
    login("Read only")
    seeded = {(r.national_outcome_id, r.name) for r in db.session.scalars(db.select(ResultType))}
    assert seeded == {(20, "Competent"), (30, "Not yet competent"), (40, "Withdrawn"), (51, "RPL granted"),
                      (60, "Credit transfer"), (70, "Continuing enrolment"), (85, "Not yet started"),
                      (90, "Not yet reported")}
    assert "Continuing enrolment" in client.get("/manage/result-types/").get_data(as_text=True)


def test_task_statuses_are_seeded_in_order(app):
    names = db.session.scalars(db.select(TaskStatus.name).order_by(TaskStatus.position)).all()
    assert names == ["Not started", "In progress", "Submitted", "Completed"]


def test_rename_a_result_type(client, login):
    login()
    competent = db.session.scalar(db.select(ResultType).where(ResultType.name == "Competent"))
    response = client.post(f"/manage/result-types/{competent.id}/edit", data={
        "name": "Competency achieved", "national_outcome_id": "20", "is_final": "y"})
    assert response.status_code == 302
    db.session.refresh(competent)
    assert competent.name == "Competency achieved" and competent.is_final


def test_a_result_type_in_use_cannot_be_deleted(client, login, make_occurrence, make_client, enrol_client):
    login()
    enrolment = enrol_client(make_occurrence(), make_client())
    competent = db.session.scalar(db.select(ResultType).where(ResultType.name == "Competent"))
    enrolment.plan_units[0].result_type = competent
    enrolment.plan_units[0].result_start = enrolment.start_date
    db.session.commit()
    page = client.post(f"/manage/result-types/{competent.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "1 unit result(s) are recorded with it" in page


def test_add_a_task_status(client, login):
    login()
    response = client.post("/manage/task-statuses/new", data={"name": "Resubmission required", "position": "2"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(TaskStatus).where(TaskStatus.name == "Resubmission required")) is not None
