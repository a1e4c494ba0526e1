"""Manage › Audit: a filter that cannot be read is named on the page, and nothing is listed as if
it had not been typed."""

import pytest

from webapp.extensions import db
from webapp.services import audit

EDGE = "is outside the dates canvaslink keeps: enter a date from 01/01/1900 to 31/12/2999."


@pytest.fixture
def audited(login):
    admin = login()
    audit.record(admin.id, "client", 7, "edit", "Renamed a client")
    db.session.commit()
    return admin


@pytest.mark.parametrize("query, said", [
    ("date_to=31/12/9999", f"To: 31/12/9999 {EDGE}"),
    ("date_from=01/01/0001", f"From: 01/01/0001 {EDGE}"),
    ("date_from=0001-01-01&date_to=9999-12-31", f"From: 0001-01-01 {EDGE} To: 9999-12-31 {EDGE}"),
])
def test_a_date_at_the_edge_of_the_calendar_is_a_form_error(client, audited, query, said):
    page = client.get(f"/manage/audit?{query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and said in html and "Renamed a client" not in html
    export = client.get(f"/manage/audit.csv?{query}")
    assert export.status_code == 422 and export.mimetype == "text/html" and said in export.get_data(as_text=True)


@pytest.mark.parametrize("query, said", [
    ("user=abc", "Who: “abc” is not one of the staff listed. Choose someone from the list, or Anyone."),
    ("record=x7", "Record id: “x7” is not the id of a record. Enter its number (digits only), or leave it empty."),
    (f"user={2**40}", f"Who: “{2**40}” is not one of the staff listed."),
])
def test_an_unreadable_filter_is_named_and_nothing_is_listed(client, audited, query, said):
    page = client.get(f"/manage/audit?{query}")
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and said in html
    assert "Renamed a client" not in html and "Export CSV" not in html
    assert client.get(f"/manage/audit.csv?{query}").status_code == 422


def test_readable_filters_still_list_what_matches(client, audited):
    assert "Renamed a client" in client.get(f"/manage/audit?user={audited.id}&record=7&date_to=31/12/2999").get_data(
        as_text=True)
    assert "Renamed a client" not in client.get("/manage/audit?record=8").get_data(as_text=True)
