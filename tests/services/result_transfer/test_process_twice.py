"""Process all sent twice with the same decisions (a double-click that got through): the second
says the rows were saved before, instead of skipping them as waiting for a person."""

import re
from datetime import date

from sqlalchemy import select

from tests.services.result_transfer.test_result_transfer import (
    _download, _play_the_students, _plan_unit, _review_form,
)
from webapp.extensions import db
from webapp.models import ResultProvenance, TaskStatus


def _outcome(page: str) -> str:
    return re.sub(r"\s+", " ", re.search(r'<section class="outcome".*?</section>', page, re.S).group(0))


def test_a_second_process_all_of_the_same_rows_says_they_were_saved_before(client, login, transferred_121, sim):
    login()
    _play_the_students(sim)
    run_url = _download(client)
    page = client.get(run_url + "?start_rule=enrolment").get_data(as_text=True)
    form = _review_form(page) | {"start_rule": "enrolment", "start_date": ""}
    competent = _plan_unit("C0027", "BSBWHS413")
    unit_end = f"{competent.enrolment_id}:u{competent.unit_id}:end"
    form[unit_end] = "03/11/2026"  # a person corrects the completion date Canvas gave (04/11)
    task = next(name for name in form if name.startswith(f"{competent.enrolment_id}:t") and name.endswith(":outcome"))
    form[task] = str(db.session.scalar(select(TaskStatus.id).where(TaskStatus.name == "Submitted")))  # and the status

    first = client.post(run_url, data=form)
    assert "Saved 4 row(s)." in _outcome(first.get_data(as_text=True))
    saved = db.session.scalar(select(db.func.count()).select_from(ResultProvenance))

    second = client.post(run_url, data=form)
    said = _outcome(second.get_data(as_text=True))
    assert second.status_code == 200
    assert "Already saved: 4 row(s) were saved as shown before; nothing was saved twice." in said
    assert "Skipped" not in said and "waiting for a person" not in said and "press Replace" not in said
    assert "Competent 05/10/2026 – 03/11/2026" in said  # each row says what it holds
    assert 'name="replace"' not in second.get_data(as_text=True)  # no row left open for replacing
    assert db.session.scalar(select(db.func.count()).select_from(ResultProvenance)) == saved
    assert _plan_unit("C0027", "BSBWHS413").result_end == date(2026, 11, 3)


def test_typing_something_else_on_a_saved_row_still_asks_for_replace(client, login, transferred_121, sim):
    login()
    _play_the_students(sim)
    run_url = _download(client)
    form = _review_form(client.get(run_url + "?start_rule=enrolment").get_data(as_text=True)) | {
        "start_rule": "enrolment"}
    competent = _plan_unit("C0027", "BSBWHS413")
    unit_end = f"{competent.enrolment_id}:u{competent.unit_id}:end"
    form[unit_end] = "03/11/2026"
    client.post(run_url, data=form)
    form[unit_end] = "02/11/2026"  # a new decision over a final outcome: only Replace saves it
    said = _outcome(client.post(run_url, data=form).get_data(as_text=True))
    assert "Skipped 1" in said and "press Replace on the row" in said and "Already saved: 3 row(s)" in said
    assert _plan_unit("C0027", "BSBWHS413").result_end == date(2026, 11, 3)
