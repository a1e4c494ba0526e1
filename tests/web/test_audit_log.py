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


def test_history_and_audit_show_labels_names_yes_no_and_actions_in_words(client, login, integration):
    from webapp.models import ResultType
    from webapp.services.integrations import wizard

    admin = login()
    competent = db.session.scalar(db.select(ResultType).where(ResultType.name == "Competent"))
    draft = wizard.start_draft(admin.id, integration)
    wizard.save_step(draft, 1, dict(draft.data, transfer_units=False))
    wizard.save_step(draft, 3, dict(draft.data, result_on_start_type_id=competent.id))
    wizard.finish(draft, admin.id)
    audit.record(admin.id, "client", 7, "canvas_update", "Name in Canvas: Ada → Adah (done)",
                 {"trigger": "pushed from the client's page", "call": "PUT /api/v1/users/5", "outcome": "done"})
    db.session.commit()
    said = ("Result on start: Continuing enrolment → Competent", "Transfer units: Yes → No")
    history = client.get(f"/manage/lms-integrations/{integration.id}").get_data(as_text=True)
    audit_page = client.get("/manage/audit").get_data(as_text=True)
    exported = client.get("/manage/audit.csv").get_data(as_text=True)
    for shown in (history, audit_page, exported):
        assert all(words in shown for words in said)
        assert "type id" not in shown and "True" not in shown and "transfer units" not in shown
    listed = audit_page.split('id="audit"')[1]
    for shown in (listed, exported):
        assert "LMS integration" in shown and "lms_integration" not in shown
        assert "Changed in Canvas" in shown and "canvas_update" not in shown
        assert "Triggered by: pushed from the client" in shown
    assert '<option value="lms_integration" >LMS integration</option>' in audit_page


def test_every_audited_field_and_kind_of_record_has_words():
    """A field added to an audited record without a label would show its column name again."""
    from webapp.services.integrations.drafts import SECRETS
    from webapp.services.integrations.wizard import SETTINGS
    from webapp.services.oversight.audit_words import ENTITIES, FIELDS
    from webapp.services.permissions import ENTITY_NAMES
    from webapp.services.sms import enrolments, occurrences
    from webapp.services.staff.security import ROLE_AUDITED, USER_AUDITED

    from webapp.blueprints import clients, result_types, task_statuses, units

    audited = {*SETTINGS, *SECRETS, *enrolments.AUDITED, *occurrences.AUDITED, *ROLE_AUDITED, *USER_AUDITED,
               *(name for crud in (clients, result_types, task_statuses, units) for name in crud.crud.form.record_fields)}
    assert audited - FIELDS.keys() == set()
    assert {"client", "unit", "occurrence", "enrolment", "lms_integration", "user", "role"} <= ENTITIES.keys()
    assert ENTITIES.keys() <= set(ENTITY_NAMES)
