"""Transfer results from Canvas LMS for occurrence 121 in the browser, against the simulator over HTTP."""

from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import Client, Enrolment

pytestmark = pytest.mark.browser
UTC = timezone.utc


def test_download_process_all_and_download_again(page, browser_sign_in, transferred_121, canvas):
    canvas.set_module_state(canvas_user_of("C0025"), 907, "started")
    canvas.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    canvas.set_module_state(canvas_user_of("C0027"), 906, "completed", datetime(2026, 11, 3, 23, 30, tzinfo=UTC))
    canvas.set_module_state(canvas_user_of("C0028"), 902, "completed", datetime(2026, 10, 20, 3, 0, tzinfo=UTC))

    browser_sign_in("admin", "x" * 12)
    page.goto("/occurrences/121")
    page.get_by_role("button", name="Transfer results from Canvas LMS…").click()
    expect(page.get_by_text("Downloaded")).to_contain_text("for 16 students")  # a class this size: no waiting
    page.get_by_label("Start date of started units").select_option(label="Enrolment start date")
    page.get_by_role("button", name="Apply to all rows").click()
    expect(page.get_by_role("link", name="To save")).to_have_text("To save 4")
    expect(page.get_by_label("Start for C0025 BSBWHS414 Contribute to WHS risk management")).to_have_value("05/10/2026")
    expect(page.get_by_label("End for C0025 BSBWHS414 Contribute to WHS risk management")).to_have_value("05/10/2027")
    page.get_by_role("button", name="Process all").first.click()
    expect(page.get_by_role("status")).to_contain_text("Saved 4 row(s).")

    def plan_page(code):
        enrolment_id = db.session.scalar(db.select(Enrolment.id).join(Client).where(
            Client.code == code, Enrolment.occurrence_id == 121))
        page.goto(f"/enrolments/{enrolment_id}")

    plan_page("C0025")
    expect(page.get_by_label("Result for BSBWHS414")).to_have_value(
        str(db.session.scalar(db.text("SELECT id FROM result_type WHERE name = 'Continuing enrolment'"))))
    expect(page.get_by_label("Result start for BSBWHS414")).to_have_value("05/10/2026")
    expect(page.get_by_label("Result end for BSBWHS414")).to_have_value("05/10/2027")
    plan_page("C0027")
    expect(page.get_by_label("Result end for BSBWHS413")).to_have_value("04/11/2026")  # 23:30 UTC → next day in Sydney
    expect(page.locator("#enrolments, table.plan").first).to_contain_text("From Canvas (Demo Canvas)")
    plan_page("C0028")
    expect(page.get_by_label("Result for BSBWHS411")).to_have_value(
        str(db.session.scalar(db.text("SELECT id FROM result_type WHERE name = 'Continuing enrolment'"))))

    page.goto("/occurrences/121")
    page.get_by_role("button", name="Transfer results from Canvas LMS…").click()
    expect(page.get_by_role("link", name="To save")).to_have_text("To save 0")
    expect(page.locator("td.status").get_by_text("Up to date", exact=True)).to_have_count(4)
    expect(page.get_by_role("button", name="Process all")).to_have_count(0)
