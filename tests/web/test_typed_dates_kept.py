"""A date that does not exist (31/02/2026) is named on the page and stays in its box as typed: the
review's "This date", the review's rows and the training plan's rows. Nothing is saved meanwhile."""

import re

from tests.canvas_fixtures import canvas_user_of
from tests.services.result_transfer.test_result_transfer import _download, _plan_unit, _review_form
from webapp.extensions import db
from webapp.models import EnrolmentTask, ResultType, TaskStatus, TrainingPlanUnit

NO_SUCH_DATE = "There is no such date as 31/02/2026."


def _value_of(page: str, name: str) -> str:
    match = re.search(rf'<input type="text" name="{re.escape(name)}"[^>]* value="([^"]*)"', page)
    assert match, f"no box named {name}"
    return match.group(1)


def test_a_training_plan_row_keeps_what_was_typed_beside_the_message(client, login, make_occurrence, make_client,
                                                                       enrol_client, htmx_headers):
    login("Trainer")
    enrolment = enrol_client(make_occurrence(), make_client())
    plan_unit = enrolment.plan_units[0]
    competent = db.session.scalar(db.select(ResultType.id).where(ResultType.name == "Competent"))
    response = client.post(f"/enrolments/{enrolment.id}/units/{plan_unit.id}", headers=htmx_headers,
                           data={"result_type_id": competent, "result_start": "31/02/2026",
                                 "result_end": "30/06/2026"})
    row = response.get_data(as_text=True)
    assert response.status_code == 422 and NO_SUCH_DATE in row
    assert _value_of(row, "result_start") == "31/02/2026" and _value_of(row, "result_end") == "30/06/2026"
    assert re.search(rf'<option value="{competent}" selected>', row), "the result chosen is still chosen"
    assert f'aria-describedby="pu-error-{plan_unit.id}"' in row  # the boxes point at the message
    db.session.expire_all()
    assert db.session.get(TrainingPlanUnit, plan_unit.id).result_type_id is None


def test_a_task_row_keeps_what_was_typed_beside_the_message(client, login, make_occurrence, make_client,
                                                             enrol_client, htmx_headers):
    login("Trainer")
    enrolment = enrol_client(make_occurrence(), make_client())
    enrolment_task = enrolment.enrolment_tasks[0]
    before = enrolment_task.task_status_id
    submitted = db.session.scalar(db.select(TaskStatus.id).where(TaskStatus.name == "Submitted"))
    response = client.post(f"/enrolments/{enrolment.id}/tasks/{enrolment_task.id}", headers=htmx_headers,
                           data={"task_status_id": submitted, "status_date": "31/02/2026"})
    row = response.get_data(as_text=True)
    assert response.status_code == 422 and NO_SUCH_DATE in row
    assert _value_of(row, "status_date") == "31/02/2026"
    assert re.search(rf'<option value="{submitted}" selected>', row)
    db.session.expire_all()
    assert db.session.get(EnrolmentTask, enrolment_task.id).task_status_id == before != submitted


def test_the_reviews_this_date_keeps_what_was_typed_and_process_all_says_so_again(
        client, login, transferred_121, sim):
    login()
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")
    run_url = _download(client)
    page = client.get(run_url + "?start_rule=date&start_date=31/02/2026")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and NO_SUCH_DATE in html
    assert _value_of(html, "start_date") == "31/02/2026"
    # Process all posts the page as it stands: the date goes with it, and is refused again by name
    # rather than read as no date at all.
    hidden = re.search(r'<input type="hidden" name="start_date" value="([^"]*)"', html).group(1)
    refused = client.post(run_url, data=_review_form(html) | {"start_rule": "date", "start_date": hidden})
    again = refused.get_data(as_text=True)
    assert refused.status_code == 422 and NO_SUCH_DATE in again and "No start date typed" not in again
    assert _value_of(again, "start_date") == "31/02/2026"
    assert _plan_unit("C0025", "BSBWHS414").result_type is None


def test_a_review_row_keeps_the_date_typed_on_it(client, login, transferred_121, sim):
    login()
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")
    run_url = _download(client)
    html = client.get(run_url + "?start_rule=enrolment").get_data(as_text=True)
    form = _review_form(html) | {"start_rule": "enrolment"}
    start = next(name for name in form if name.endswith(":start"))
    form[start] = "31/02/2026"
    done = client.post(run_url, data=form).get_data(as_text=True)
    assert NO_SUCH_DATE in done and _value_of(done, start) == "31/02/2026"
    assert _value_of(done, start.replace(":start", ":end")) == form[start.replace(":start", ":end")]
    assert _plan_unit("C0025", "BSBWHS414").result_type is None


def test_bulk_process_all_refuses_a_page_with_a_date_that_does_not_exist(client, login, transferred_121, sim):
    from webapp.models import JobRun
    from webapp.services.result_transfer import bulk
    from webapp.services.result_transfer.download import run_download

    staff = login()
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")
    download, _ = bulk.start_bulk_download(staff.id)
    db.session.commit()
    run_download(download)
    url = f"/utilities/canvas-results/runs/{download.id}"
    html = client.get(f"{url}/review?start_rule=enrolment").get_data(as_text=True)
    form = _review_form(html) | {"start_rule": "enrolment"}
    start = next(name for name in form if name.endswith(":start"))
    form[start] = "31/02/2026"
    refused = client.post(f"{url}/process", data=form)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Nothing was processed: a date typed on this page cannot be read." in page
    assert NO_SUCH_DATE in page and _value_of(page, start) == "31/02/2026"
    assert db.session.scalar(db.select(JobRun).where(JobRun.kind == bulk.PROCESS_KIND)) is None
