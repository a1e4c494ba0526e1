"""Every CSV export goes through one writer (blueprints/common/exports.py csv_response): a cell that a
spreadsheet would run as a formula is shown as typed, and the file opens in Excel as UTF-8."""

import csv
import io

from webapp.extensions import db
from webapp.models import OccurrenceLink
from webapp.services import audit
from webapp.services.clock import utcnow

BOM = "\ufeff"


def _read(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith(BOM), "without a byte-order mark Excel reads UTF-8 as another encoding"
    return list(csv.reader(io.StringIO(text.removeprefix(BOM))))


def test_the_audit_export_shows_a_formula_in_a_name_as_typed(client, login, make_user):
    login()
    staff = make_user("mallory")
    staff.display_name = '=HYPERLINK("http://x","who")'
    for summary in ("+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTabbed", "\rReturned", "Renamed Zoë → Zoé"):
        audit.record(staff.id, "client", 7, "edit", summary, {"name": ["Zoë", "Zoé"]})
    db.session.commit()
    rows = _read(client.get(f"/manage/audit.csv?user={staff.id}"))
    assert rows[0] == ["When", "Who", "What", "Record", "Action", "Summary", "Changes"]
    assert {row[1] for row in rows[1:]} == {"'=HYPERLINK(\"http://x\",\"who\")"}
    assert sorted(row[5] for row in rows[1:]) == sorted(
        ["'+cmd|' /C calc'!A0", "'-2+3", "'@SUM(A1)", "'\tTabbed", "'\rReturned", "Renamed Zoë → Zoé"])
    # A number stays a number; text that merely holds one is left alone unless it starts a formula.
    assert {row[3] for row in rows[1:]} == {"7"} and {row[6] for row in rows[1:]} == {"Name: Zoë → Zoé"}


def test_the_canvas_exceptions_export_shows_a_formula_in_a_student_name_as_typed(
        client, login, make_occurrence, make_client, enrol_client):
    staff = login()
    occurrence = make_occurrence(occurrence_id=4242)
    db.session.add(OccurrenceLink(occurrence_id=occurrence.id, canvas_course_id=1, canvas_course_name="Course",
                                  canvas_section_id=4242, canvas_section_name="4242", linked_at=utcnow(),
                                  linked_by_id=staff.id))
    enrol_client(occurrence, make_client(code="C4242", first_name="+cmd|' /C calc'!A0", last_name="Ngô"))
    rows = _read(client.get("/canvas-exceptions.csv?occurrence=4242"))
    assert rows[1][:4] == ["Not transferred", "4242", "'+cmd|' /C calc'!A0 Ngô (C4242)",
                           "Not transferred to Canvas yet."]
