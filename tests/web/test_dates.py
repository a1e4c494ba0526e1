"""Dates are typed and shown as dd/mm/yyyy, the RTO's format, whatever the browser's locale."""

from datetime import date

import pytest

from webapp.extensions import db
from webapp.models import Client
from webapp.services.clock import parse_day


@pytest.mark.parametrize("typed, day", [
    ("03/04/2026", date(2026, 4, 3)), ("3/4/2026", date(2026, 4, 3)), (" 31/12/2026 ", date(2026, 12, 31)),
    ("3.4.2026", date(2026, 4, 3)), ("2026-04-03", date(2026, 4, 3)), ("", None), (None, None),
    ("01/01/1900", date(1900, 1, 1)), ("31/12/2999", date(2999, 12, 31))])
def test_day_first_dates_are_read(typed, day):
    assert parse_day(typed) == day


@pytest.mark.parametrize("typed, message", [
    ("04/13/2026", "There is no such date as 04/13/2026."), ("31/02/2026", "There is no such date"),
    ("3/4/26", "Enter the date as dd/mm/yyyy"), ("April 3rd", "Enter the date as dd/mm/yyyy"),
    # The calendar's edges, where adding a day or a month or applying a time zone overflows.
    ("31/12/9999", "31/12/9999 is outside the dates canvaslink keeps: enter a date from 01/01/1900 to 31/12/2999."),
    ("0001-01-01", "0001-01-01 is outside the dates"), ("31/12/1899", "outside the dates"),
    ("01/01/3000", "outside the dates")])
def test_anything_else_is_refused_with_the_format(typed, message):
    with pytest.raises(ValueError, match=message):
        parse_day(typed)


def test_a_date_form_field_is_a_text_box_in_the_rto_format(client, login, make_client):
    login()
    grace = make_client(code="C5001", first_name="Grace")
    grace.date_of_birth = date(1990, 12, 9)
    db.session.commit()
    page = client.get(f"/clients/{grace.id}/edit").get_data(as_text=True)
    assert 'type="text"' in page and 'value="09/12/1990"' in page and 'placeholder="dd/mm/yyyy"' in page
    assert 'type="date"' not in page and '="None"' not in page  # no attribute printed from a Python None


def test_a_misread_date_is_refused_on_the_field_and_tied_to_it(client, login):
    login()
    response = client.post("/clients/new", data={"code": "C5002", "first_name": "Alan",
                                                  "last_name": "Turing", "date_of_birth": "06/23/1912"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in page and 'aria-describedby="date_of_birth-error"' in page
    assert '<p id="date_of_birth-error" class="error">There is no such date as 06/23/1912.' in page
    assert db.session.scalar(db.select(Client).where(Client.code == "C5002")) is None


def test_training_plan_dates_show_day_first(client, login, make_occurrence, make_client, enrol_client):
    login()
    enrolment = enrol_client(make_occurrence(), make_client())
    enrolment.plan_units[0].result_start = date(2026, 3, 2)
    db.session.commit()
    page = client.get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert 'name="result_start" id="rs-' in page and 'value="02/03/2026"' in page and 'type="date"' not in page
