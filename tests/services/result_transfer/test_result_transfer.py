"""Transfer results from Canvas LMS for occurrence 121: download, review, Process all, Add, provenance."""

from datetime import date, datetime, timezone

from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import ModuleStateDownload, ResultProvenance, TrainingPlanUnit, Unit

UTC = timezone.utc


def _plan_unit(code: str, unit_code: str) -> TrainingPlanUnit:
    from webapp.models import Client, Enrolment

    return db.session.scalar(select(TrainingPlanUnit).join(Enrolment).join(Client).join(Unit)
                             .where(Client.code == code, Unit.code == unit_code, Enrolment.occurrence_id == 121))


def _play_the_students(sim):
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")  # BSBWHS414 started
    sim.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    sim.set_module_state(canvas_user_of("C0027"), 906, "completed",  # 23:30 UTC = 10:30 next day in Sydney
                         datetime(2026, 11, 3, 23, 30, tzinfo=UTC))
    sim.set_module_state(canvas_user_of("C0028"), 902, "completed", datetime(2026, 10, 20, 3, 0, tzinfo=UTC))


def _download(client):
    response = client.post("/occurrences/121/canvas/results/download")
    assert response.status_code == 302
    return response.headers["Location"]


def counts(page_html: str) -> dict:
    """The review's row counts by kind, as its filters show them."""
    import re

    return {label: int(n) for label, n in re.findall(r'>([A-Z][a-z ]+) <span class="count">(\d+)</span>', page_html)}


def _review_form(page_html: str) -> dict:
    """The inputs of the review form, as a browser would post them."""
    import re

    form = {}
    for name, value in re.findall(r'<input type="text" name="([^"]+:(?:start|end))"(?: id="[^"]*")? value="([^"]*)"', page_html):
        form[name] = value
    for name, body in re.findall(r'<select name="([^"]+:outcome)"[^>]*>(.*?)</select>', page_html, re.S):
        form[name] = re.search(r'<option value="(\d+)" selected', body).group(1)
    return form


def test_download_review_process_all_then_everything_is_up_to_date(client, login, transferred_121, sim):
    login()
    _play_the_students(sim)
    run_url = _download(client)
    assert db.session.scalar(select(db.func.count()).select_from(ModuleStateDownload)) == 16
    page = client.get(run_url + "?start_rule=enrolment").get_data(as_text=True)
    assert counts(page)["To save"] == 4  # 414 started; 413 and its task done; 411 half done

    form = _review_form(page) | {"start_rule": "enrolment", "start_date": ""}
    done = client.post(run_url, data=form).get_data(as_text=True)
    assert "Saved 4 row(s)." in done and "Skipped" not in done

    continuing = _plan_unit("C0025", "BSBWHS414")
    assert (continuing.result_type.name, continuing.result_start, continuing.result_end) == (
        "Continuing enrolment", date(2026, 10, 5), date(2027, 10, 5))
    competent = _plan_unit("C0027", "BSBWHS413")
    assert (competent.result_type.name, competent.result_end) == ("Competent", date(2026, 11, 4))
    half_done = _plan_unit("C0028", "BSBWHS411")
    assert half_done.result_type.name == "Continuing enrolment"
    task = next(t for t in competent.enrolment.enrolment_tasks if t.task.name.startswith("Assessment 2"))
    assert (task.task_status.name, task.status_date) == ("Completed", date(2026, 11, 4))

    provenance = db.session.scalar(select(ResultProvenance).where(ResultProvenance.plan_unit_id == competent.id))
    assert provenance.canvas_state == "completed" and provenance.previous == "—"
    assert "Competent 05/10/2026 – 04/11/2026" == provenance.saved
    enrolment_page = client.get(f"/enrolments/{competent.enrolment_id}").get_data(as_text=True)
    assert "From Canvas (Demo Canvas)" in enrolment_page and "Before: —." in enrolment_page

    second_run = _download(client)
    again = client.get(second_run + "?start_rule=enrolment").get_data(as_text=True)
    assert counts(again)["To save"] == 0 and "Process all" not in again
    assert counts(again)["Up to date"] == 4 and again.count('<span class="badge status-active">Up to date</span>') == 4
    saved_rows = db.session.scalar(select(db.func.count()).select_from(ResultProvenance))
    nothing = client.post(second_run, data=_review_form(again) | {"start_rule": "enrolment"}).get_data(as_text=True)
    assert "Saved 0 row(s)." in nothing
    assert db.session.scalar(select(db.func.count()).select_from(ResultProvenance)) == saved_rows


def test_a_row_without_a_start_date_is_flagged_and_skipped_then_added_with_a_typed_date(
        client, login, transferred_121, sim):
    login()
    sim.set_module_state(canvas_user_of("C0030"), 901, "started")  # unmapped: no row
    sim.set_module_state(canvas_user_of("C0030"), 903, "started")  # BSBWHS412: no unlock date in Canvas
    run_url = _download(client)
    page = client.get(run_url + "?start_rule=unlock").get_data(as_text=True)
    assert "No unlock date in Canvas" in page
    form = _review_form(page) | {"start_rule": "unlock"}
    skipped = client.post(run_url, data=form)
    assert skipped.status_code == 422 and "Skipped 1" in skipped.get_data(as_text=True)
    assert _plan_unit("C0030", "BSBWHS412").result_type is None

    enrolment_id = _plan_unit("C0030", "BSBWHS412").enrolment_id
    key = f"u{_plan_unit('C0030', 'BSBWHS412').unit_id}"
    form[f"{enrolment_id}:{key}:start"] = "10/13/2026"  # month first, as a US browser would: refused, not guessed
    refused = client.post(run_url, data=form | {"add": f"{enrolment_id}:{key}"}).get_data(as_text=True)
    assert "There is no such date as 10/13/2026. Enter the date as dd/mm/yyyy" in refused
    assert _plan_unit("C0030", "BSBWHS412").result_type is None
    form[f"{enrolment_id}:{key}:start"] = "12/10/2026"
    form[f"{enrolment_id}:{key}:end"] = "12/10/2027"  # as the page shows it: the end follows the start typed
    added = client.post(run_url, data=form | {"add": f"{enrolment_id}:{key}"}).get_data(as_text=True)
    assert "Saved 1 row(s)." in added
    saved = _plan_unit("C0030", "BSBWHS412")
    assert (saved.result_start, saved.result_end) == (date(2026, 10, 12), date(2027, 10, 12))


def test_a_final_result_is_never_replaced(client, login, transferred_121, sim):
    from webapp.models import ResultType

    login()
    rpl = _plan_unit("C0025", "BSBWHS414")
    rpl.result_type = db.session.scalar(select(ResultType).where(ResultType.name == "RPL granted"))
    rpl.result_start = date(2026, 10, 5)
    db.session.commit()
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")
    page = client.get(_download(client)).get_data(as_text=True)
    # Typed before canvaslink recorded who enters results: a person's, and kept like any final outcome.
    assert "Kept: entered by a person" in page and "RPL granted" in page and counts(page)["To save"] == 0


def test_trainers_may_process_but_read_only_may_not(client, login, transferred_121, sim):
    login("Read only")
    assert client.post("/occurrences/121/canvas/results/download").status_code == 403
    assert client.post("/occurrences/121/canvas/results/runs/1").status_code == 403


def test_a_start_date_at_the_edge_of_the_calendar_is_a_form_error_and_nothing_is_saved(
        client, login, transferred_121, sim):
    login()
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")  # a started unit: its end is a year after the date
    run_url = _download(client)
    page = client.get(run_url + "?start_rule=date&start_date=31/12/9999")
    said = ("31/12/9999 is outside the dates canvaslink keeps: enter a date from 01/01/1900 to 31/12/2999. "
            "Nothing is saved until it is put right.")
    assert page.status_code == 422 and said in page.get_data(as_text=True)
    assert 'aria-invalid="true" aria-describedby="start_date-error"' in page.get_data(as_text=True)
    form = _review_form(page.get_data(as_text=True)) | {"start_rule": "date", "start_date": "31/12/9999"}
    refused = client.post(run_url, data=form)
    assert refused.status_code == 422 and said in refused.get_data(as_text=True)
    assert _plan_unit("C0025", "BSBWHS414").result_type is None
    last = client.get(run_url + "?start_rule=date&start_date=12/10/2026").get_data(as_text=True)
    form = _review_form(last) | {"start_rule": "date", "start_date": "12/10/2026"}
    assert "Saved 1 row(s)." in client.post(run_url, data=form).get_data(as_text=True)
    assert _plan_unit("C0025", "BSBWHS414").result_end == date(2027, 10, 12)
