"""Utilities › Transfer results from Canvas LMS in the browser: a real worker process runs the
bulk download while the page's progress bar advances, then Process all, then the training plan."""

import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import Client, Enrolment

pytestmark = pytest.mark.browser
UTC = timezone.utc


def test_watch_the_bulk_download_then_process_and_see_the_training_plan(
        page, browser_sign_in, transferred_121, canvas, worker):
    canvas.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    canvas.set_module_state(canvas_user_of("C0027"), 906, "completed", datetime(2026, 11, 3, 23, 30, tzinfo=UTC))
    canvas.set_module_state(canvas_user_of("C0025"), 907, "started")
    canvas.configure(latency_ms=1500)  # two waves of requests, ~3 s: the page (polling every second) sees the bar move

    browser_sign_in("admin", "x" * 12)
    page.get_by_text("Utilities").click()
    page.get_by_role("link", name="Transfer results from Canvas LMS").click()
    page.get_by_role("button", name="Full download").click()
    status = page.get_by_role("status").first
    expect(status).to_contain_text(re.compile(r"\b([1-9]|1[0-5]) of 16 enrolments"), timeout=20_000)  # part-way
    expect(status).to_contain_text("16 of 16 enrolments", timeout=30_000)
    expect(status).to_contain_text("1 of 1 occurrences")
    expect(status).to_contain_text("finished")

    page.get_by_role("link", name="Review the results").click()
    page.get_by_label("Start date of started units").select_option(label="Enrolment start date")
    page.get_by_role("button", name="Apply to all rows").click()
    expect(page.get_by_role("link", name="To save")).to_have_text("To save 3")
    page.get_by_role("button", name="Process all").first.click()
    expect(page.locator(".flash-success")).to_contain_text("Processing every row")
    processing = page.locator("section.run").nth(1).get_by_role("status")
    expect(processing).to_contain_text("16 of 16", timeout=30_000)
    expect(processing).to_contain_text("finished")

    enrolment_id = db.session.scalar(db.select(Enrolment.id).join(Client).where(
        Client.code == "C0027", Enrolment.occurrence_id == 121))
    page.goto(f"/enrolments/{enrolment_id}")
    expect(page.get_by_label("Result end for BSBWHS413")).to_have_value("04/11/2026")
    expect(page.locator("table.plan").first).to_contain_text("From Canvas (Demo Canvas)")
