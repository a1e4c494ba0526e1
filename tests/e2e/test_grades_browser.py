"""Assessment grades end to end in the browser (issue 24, Done when): an assessor grades a task
Satisfactory and releases it in Canvas; staff map the assessments and process the review; the task is
Completed and the unit Competent with the grade's provenance; a later resubmission shows as awaiting
marking, and a Not Yet Satisfactory grade leaves its unit in progress."""

import pytest
from playwright.sync_api import expect

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import Client, Enrolment

pytestmark = pytest.mark.browser
A1 = "Assessment 1 - WHS policies and compliance"
A2 = "Assessment 2 - Consultation and participation"


def _in_canvas(page, canvas, code, assignment, action, grade=""):
    """The assessor (or the student handing in) on the simulator's grades page."""
    page.goto(canvas.url + "/sim/grades")
    page.get_by_label("Student").select_option(str(canvas_user_of(code)))
    page.get_by_label("Assignment").select_option(label=assignment)
    page.get_by_label("Action").select_option(action)
    page.get_by_role("textbox", name="Grade").fill(grade)
    page.get_by_role("button", name="Do it").click()
    expect(page.locator(".message")).to_contain_text(action.capitalize())


def _review(page):
    page.goto("/occurrences/121")
    page.get_by_role("button", name="Transfer results from Canvas LMS…").click()
    expect(page.get_by_text("Downloaded")).to_contain_text("for 16 students")


def test_a_released_grade_becomes_a_competent_unit_with_its_provenance(page, browser_sign_in, transferred_121,
                                                                       canvas):
    browser_sign_in("admin", "x" * 12)
    page.goto("/occurrences/121/canvas/assessments")
    page.get_by_role("button", name="Update Canvas assessment list").click()
    expect(page.get_by_label(f"Task for {A2}")).to_have_value(
        str(db.session.scalar(db.text(f"SELECT id FROM task WHERE occurrence_id = 121 AND name = '{A2}'"))))
    expect(page.get_by_text("Unpublished in Canvas: never evidence")).to_be_visible()
    page.get_by_role("button", name="Save mappings").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the assessment mappings")

    # Assessment 2 is released by hand: graded, then posted.
    _in_canvas(page, canvas, "C0025", A2, "submit")
    _in_canvas(page, canvas, "C0025", A2, "grade", "Satisfactory")
    page.locator("th", has_text=A2).get_by_role("button", name="Post graded").click()
    expect(page.locator(".message")).to_contain_text("1 grade(s) posted")

    _review(page)
    expect(page.locator(".chip-grade-satisfactory").first).to_contain_text("Satisfactory")
    expect(page.get_by_text("Decided by the assessor’s grade").first).to_be_visible()
    page.get_by_label("Start date of started units").select_option(label="Enrolment start date")
    page.get_by_role("button", name="Apply to all rows").click()
    page.get_by_role("button", name="Process all").first.click()
    expect(page.get_by_role("status")).to_contain_text("Saved")

    enrolment_id = db.session.scalar(db.select(Enrolment.id).join(Client).where(
        Client.code == "C0025", Enrolment.occurrence_id == 121))
    page.goto(f"/enrolments/{enrolment_id}")
    competent = str(db.session.scalar(db.text("SELECT id FROM result_type WHERE name = 'Competent'")))
    expect(page.get_by_label("Result for BSBWHS413")).to_have_value(competent)
    row = page.locator("tr", has=page.get_by_label("Result for BSBWHS413"))
    expect(row).to_contain_text(f"assessed in {A2}: Satisfactory (attempt 1) by Integration Admin")
    row.get_by_role("link", name="Where did this come from?").click()
    expect(page.locator("#provenance")).to_contain_text(f"{A2}: Satisfactory, attempt 1; assessor Integration Admin")
    expect(page.locator("#provenance")).to_contain_text("released")

    # Later: a resubmission awaits marking; a Not Yet Satisfactory grade leaves its unit in progress.
    _in_canvas(page, canvas, "C0025", A2, "submit")
    _in_canvas(page, canvas, "C0025", A1, "submit")
    _in_canvas(page, canvas, "C0025", A1, "grade", "Not Yet Satisfactory")
    _review(page)
    expect(page.get_by_text("awaiting marking").first).to_be_visible()
    page.get_by_label("Start date of started units").select_option(label="Enrolment start date")
    page.get_by_role("button", name="Apply to all rows").click()
    page.get_by_role("button", name="Process all").first.click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    page.goto(f"/enrolments/{enrolment_id}")
    continuing = str(db.session.scalar(db.text("SELECT id FROM result_type WHERE name = 'Continuing enrolment'")))
    expect(page.get_by_label("Result for BSBWHS411")).to_have_value(continuing)
    expect(page.get_by_label("Result for BSBWHS413")).to_have_value(competent)  # a final outcome is kept
