"""Enrolling creates the training plan; results and task statuses are recorded on it."""

from webapp.extensions import db
from webapp.models import Enrolment, EnrolmentTask, ResultProvenance, ResultType, TaskStatus, TrainingPlanUnit


def _enrolled_status_id():
    from webapp.models import EnrolmentStatus
    return db.session.scalar(db.select(EnrolmentStatus.id).where(EnrolmentStatus.name == "Enrolled"))


def test_enrolling_creates_the_training_plan_and_tasks(client, login, make_occurrence, make_client):
    login()
    occurrence = make_occurrence(units=("BSBWHS411", "BSBWHS412"), tasks=("Assessment 1", "Assessment 2"))
    student = make_client(code="C7000")
    response = client.post(f"/occurrences/{occurrence.id}/enrol",
                           data={"client_code": "c7000", "status_id": _enrolled_status_id()})
    assert response.status_code == 302
    enrolment = db.session.scalar(db.select(Enrolment).where(Enrolment.client_id == student.id))
    assert enrolment.start_date == occurrence.start_date and enrolment.end_date == occurrence.end_date
    plan = [(pu.unit.code, pu.planned_start, pu.result_type) for pu in enrolment.plan_units]
    assert plan == [("BSBWHS411", occurrence.start_date, None), ("BSBWHS412", occurrence.start_date, None)]
    assert [(t.task.name, t.task_status.name) for t in enrolment.enrolment_tasks] == [
        ("Assessment 1", "Not started"), ("Assessment 2", "Not started")]


def test_enrolling_twice_or_an_unknown_code_is_explained(client, login, make_occurrence, make_client, enrol_client):
    login()
    occurrence = make_occurrence()
    student = make_client(code="C7001")
    enrol_client(occurrence, student)
    twice = client.post(f"/occurrences/{occurrence.id}/enrol",
                        data={"client_code": "C7001", "status_id": _enrolled_status_id()})
    assert twice.status_code == 422 and "is already enrolled" in twice.get_data(as_text=True)
    unknown = client.post(f"/occurrences/{occurrence.id}/enrol",
                          data={"client_code": "ZZZ", "status_id": _enrolled_status_id()})
    assert unknown.status_code == 422 and "There is no client with code “ZZZ”" in unknown.get_data(as_text=True)


def test_client_suggestions_while_typing(client, login, make_occurrence, make_client, htmx_headers):
    login()
    occurrence = make_occurrence()
    make_client(code="C7002", first_name="Ada", last_name="Lovelace")
    fragment = client.get(f"/occurrences/{occurrence.id}/enrol/clients?client_code=love",
                          headers=htmx_headers).get_data(as_text=True)
    assert '<option value="C7002">Ada Lovelace' in fragment and "<html" not in fragment


def test_trainer_records_a_unit_result(client, login, make_occurrence, make_client, enrol_client, htmx_headers):
    login("Trainer")
    enrolment = enrol_client(make_occurrence(), make_client())
    plan_unit = enrolment.plan_units[0]
    competent = db.session.scalar(db.select(ResultType).where(ResultType.name == "Competent"))
    response = client.post(f"/enrolments/{enrolment.id}/units/{plan_unit.id}", headers=htmx_headers,
                           data={"result_type_id": competent.id, "result_start": "02/03/2026",
                                 "result_end": "30/06/2026"})
    assert response.status_code == 200 and "Saved" in response.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(TrainingPlanUnit, plan_unit.id)
    assert (saved.result_type.name, str(saved.result_start), str(saved.result_end)) == (
        "Competent", "2026-03-02", "2026-06-30")


def test_a_result_with_end_before_start_is_refused_and_nothing_changes(client, login, make_occurrence, make_client,
                                                                      enrol_client, htmx_headers):
    login()
    enrolment = enrol_client(make_occurrence(), make_client())
    plan_unit = enrolment.plan_units[0]
    competent = db.session.scalar(db.select(ResultType.id).where(ResultType.name == "Competent"))
    response = client.post(f"/enrolments/{enrolment.id}/units/{plan_unit.id}", headers=htmx_headers,
                           data={"result_type_id": competent, "result_start": "2026-06-30",
                                 "result_end": "2026-03-02"})
    assert response.status_code == 422
    assert "The end date is before the start date." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TrainingPlanUnit, plan_unit.id).result_type_id is None


def test_set_a_task_status(client, login, make_occurrence, make_client, enrol_client, htmx_headers):
    login("Trainer")
    enrolment = enrol_client(make_occurrence(), make_client())
    enrolment_task = enrolment.enrolment_tasks[0]
    submitted = db.session.scalar(db.select(TaskStatus.id).where(TaskStatus.name == "Submitted"))
    response = client.post(f"/enrolments/{enrolment.id}/tasks/{enrolment_task.id}", headers=htmx_headers,
                           data={"task_status_id": submitted, "status_date": "2026-04-01"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(EnrolmentTask, enrolment_task.id).task_status.name == "Submitted"


def test_a_person_who_records_a_result_or_status_is_recorded_and_an_unchanged_save_records_nothing(
        client, login, make_occurrence, make_client, enrol_client, htmx_headers):
    trainer = login("Trainer")
    enrolment = enrol_client(make_occurrence(), make_client())
    plan_unit, enrolment_task = enrolment.plan_units[0], enrolment.enrolment_tasks[0]
    nyc = db.session.scalar(db.select(ResultType.id).where(ResultType.name == "Not yet competent"))
    submitted = db.session.scalar(db.select(TaskStatus.id).where(TaskStatus.name == "Submitted"))
    result = {"result_type_id": nyc, "result_start": "2026-03-02", "result_end": "2026-06-30"}
    client.post(f"/enrolments/{enrolment.id}/units/{plan_unit.id}", headers=htmx_headers, data=result)
    client.post(f"/enrolments/{enrolment.id}/units/{plan_unit.id}", headers=htmx_headers, data=result)
    client.post(f"/enrolments/{enrolment.id}/tasks/{enrolment_task.id}", headers=htmx_headers,
                data={"task_status_id": submitted, "status_date": "2026-04-01"})
    recorded = db.session.scalars(db.select(ResultProvenance).order_by(ResultProvenance.id)).all()
    assert [(r.source, r.processed_by_id, r.previous, r.saved) for r in recorded] == [
        ("person", trainer.id, "—", "Not yet competent 02/03/2026 – 30/06/2026"),
        ("person", trainer.id, "Not started", "Submitted 01/04/2026")]
    page = client.get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert page.count(f"Entered by {trainer.display_name} on ") == 2


def test_a_row_of_another_enrolment_is_not_found(client, login, make_occurrence, make_client, enrol_client,
                                                htmx_headers):
    login()
    occurrence = make_occurrence()
    first = enrol_client(occurrence, make_client())
    second = enrol_client(occurrence, make_client())
    response = client.post(f"/enrolments/{first.id}/units/{second.plan_units[0].id}", headers=htmx_headers,
                           data={"result_type_id": "0"})
    assert response.status_code == 404


def test_read_only_sees_results_without_controls(client, login, make_occurrence, make_client, enrol_client):
    login("Read only")
    enrolment = enrol_client(make_occurrence(), make_client())
    page = client.get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert "Training plan" in page and "BSBWHS411" in page
    assert "<select" not in page and "data-submit-row" not in page


def test_delete_enrolment_removes_its_training_plan(client, login, make_occurrence, make_client, enrol_client):
    login()
    enrolment = enrol_client(make_occurrence(), make_client())
    assert "Its training plan" in client.get(f"/enrolments/{enrolment.id}/delete").get_data(as_text=True)
    client.post(f"/enrolments/{enrolment.id}/delete")
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(TrainingPlanUnit)) == 0
