"""Occurrences: the page, its units, tasks, task matrix and the enrolments section."""

from datetime import date

from webapp.extensions import db
from webapp.models import Occurrence, OccurrenceStatus, TaskUnit, TrainingPlanUnit, Unit


def _status_id(name="In progress"):
    return db.session.scalar(db.select(OccurrenceStatus.id).where(OccurrenceStatus.name == name))


def test_add_occurrence_with_its_own_id_then_the_next_id_follows(client, login):
    login()
    response = client.post("/occurrences/new", data={
        "id": "121", "name": "WHS online", "program_name": "BSB41419", "start_date": "2026-10-05",
        "end_date": "2027-09-24", "status_id": _status_id(),
    })
    assert response.status_code == 302 and response.headers["Location"] == "/occurrences/121"
    response = client.post("/occurrences/new", data={"name": "Next one", "status_id": _status_id()})
    assert response.headers["Location"] == "/occurrences/122"


def test_occurrence_id_already_used_is_refused(client, login, make_occurrence):
    login()
    make_occurrence(121)
    response = client.post("/occurrences/new", data={"id": "121", "name": "Clash", "status_id": _status_id()})
    assert response.status_code == 422
    assert "Occurrence ID 121 is already used." in response.get_data(as_text=True)


def test_end_before_start_is_refused(client, login):
    login()
    response = client.post("/occurrences/new", data={
        "name": "Backwards", "start_date": "2026-10-05", "end_date": "2026-01-01", "status_id": _status_id()})
    assert response.status_code == 422
    assert "The end date is before the start date." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Occurrence)) == 0


def test_list_filters_by_status_type(client, login, make_occurrence):
    login()
    make_occurrence(name="Running class")
    make_occurrence(name="Old class", status="Finished")
    active = client.get("/occurrences/?status_type=ACTIVE").get_data(as_text=True)
    assert "Running class" in active and "Old class" not in active


def test_adding_a_unit_reaches_existing_training_plans(client, login, make_occurrence, make_client, enrol_client,
                                                     htmx_headers):
    login()
    occurrence = make_occurrence(units=("BSBWHS411",))
    enrolment = enrol_client(occurrence, make_client())
    db.session.add(Unit(code="BSBWHS414", name="Contribute to WHS risk management"))
    db.session.commit()
    response = client.post(f"/occurrences/{occurrence.id}/units", data={"unit_code": "bsbwhs414"},
                           headers=htmx_headers)
    assert response.status_code == 200
    assert "Contribute to WHS risk management" in response.get_data(as_text=True)
    codes = db.session.scalars(db.select(Unit.code).join(TrainingPlanUnit.unit)
                               .where(TrainingPlanUnit.enrolment_id == enrolment.id)).all()
    assert sorted(codes) == ["BSBWHS411", "BSBWHS414"]


def test_unknown_unit_code_is_explained(client, login, make_occurrence, htmx_headers):
    login()
    occurrence = make_occurrence()
    response = client.post(f"/occurrences/{occurrence.id}/units", data={"unit_code": "NOPE999"}, headers=htmx_headers)
    assert response.status_code == 422
    assert "There is no unit with code “NOPE999”" in response.get_data(as_text=True)


def test_a_unit_with_results_cannot_be_removed(client, login, make_occurrence, make_client, enrol_client,
                                              htmx_headers):
    from webapp.models import ResultType

    login()
    occurrence = make_occurrence(units=("BSBWHS411",))
    enrolment = enrol_client(occurrence, make_client())
    plan_unit = enrolment.plan_units[0]
    plan_unit.result_type = db.session.scalar(db.select(ResultType).where(ResultType.name == "Competent"))
    plan_unit.result_start = date(2026, 3, 1)
    db.session.commit()
    unit_id = plan_unit.unit_id
    response = client.post(f"/occurrences/{occurrence.id}/units/{unit_id}/remove", headers=htmx_headers)
    assert response.status_code == 422
    assert "has results recorded for 1 enrolment(s)" in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(Occurrence, occurrence.id).occurrence_units) == 1


def test_tasks_and_the_task_matrix(client, login, make_occurrence, htmx_headers):
    login()
    occurrence = make_occurrence(units=("BSBWHS411", "BSBWHS412"), tasks=())
    response = client.post(f"/occurrences/{occurrence.id}/tasks", data={"name": "Assessment 1 - Written questions"},
                           headers=htmx_headers)
    assert "Assessment 1 - Written questions" in response.get_data(as_text=True)
    db.session.expire_all()
    task = db.session.get(Occurrence, occurrence.id).tasks[0]
    unit = db.session.scalar(db.select(Unit).where(Unit.code == "BSBWHS412"))
    response = client.post(f"/occurrences/{occurrence.id}/matrix", headers=htmx_headers,
                           data={"task_id": task.id, "unit_id": unit.id, "kind": "completes", "value": "on"})
    assert response.status_code == 200 and "checked" in response.get_data(as_text=True)
    cell = db.session.scalar(db.select(TaskUnit).where(TaskUnit.task_id == task.id))
    assert (cell.unit_id, cell.starts, cell.completes) == (unit.id, False, True)
    client.post(f"/occurrences/{occurrence.id}/matrix", headers=htmx_headers,
                data={"task_id": task.id, "unit_id": unit.id, "kind": "completes"})
    db.session.refresh(cell)
    assert cell.completes is False


def test_duplicate_task_name_is_refused(client, login, make_occurrence, htmx_headers):
    login()
    occurrence = make_occurrence(tasks=("Assessment 1",))
    response = client.post(f"/occurrences/{occurrence.id}/tasks", data={"name": "assessment 1"}, headers=htmx_headers)
    assert response.status_code == 422
    assert "already has a task named" in response.get_data(as_text=True)


def test_enrolments_section_lists_students_with_their_results(client, login, make_occurrence, make_client,
                                                              enrol_client):
    login("Read only")
    occurrence = make_occurrence(121, units=("BSBWHS411",))
    enrol_client(occurrence, make_client(first_name="Ada", last_name="Lovelace"))
    page = client.get("/occurrences/121").get_data(as_text=True)
    assert 'id="enrolments"' in page and "Ada Lovelace" in page and "BSBWHS411" in page
    assert "Enrol a client" not in page  # read only may not enrol


def test_an_occurrence_with_enrolments_cannot_be_deleted(client, login, make_occurrence, make_client, enrol_client):
    login()
    occurrence = make_occurrence()
    enrol_client(occurrence, make_client())
    page = client.post(f"/occurrences/{occurrence.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "has 1 enrolment(s)" in page
    db.session.expire_all()
    assert db.session.get(Occurrence, occurrence.id) is not None


def test_delete_occurrence_after_confirmation(client, login, make_occurrence):
    login()
    occurrence = make_occurrence()
    assert "cannot be undone" in client.get(f"/occurrences/{occurrence.id}/delete").get_data(as_text=True)
    client.post(f"/occurrences/{occurrence.id}/delete")
    db.session.expire_all()
    assert db.session.get(Occurrence, occurrence.id) is None
