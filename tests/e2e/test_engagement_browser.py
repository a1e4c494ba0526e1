"""Engagement in a browser (issue 25): a student works in the simulator; after Refresh from Canvas the
occurrence shows their last activity in the RTO's time zone; a student quiet for 15 days is a Canvas
exception until they are active again; withdrawing a student offers their last activity as the finish
date, and the saved result says so."""

import os
from datetime import timedelta

from playwright.sync_api import expect

from tests.e2e.axe import axe_violations, describe

from webapp.rto_time import format_rto_date, to_rto_time
from webapp.services.clock import aware_utc, utcnow

SHOTS = os.environ.get("CANVASLINK_SHOTS")  # a folder: also save screenshots there
ZONE = "Australia/Sydney"


def _shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def _view_a_page_in_canvas(page, canvas, student: str, seconds: int, at) -> None:
    """Play the student on the simulator's own page."""
    page.goto(f"{canvas.url}/sim/")
    form = page.locator("form", has=page.get_by_role("button", name="View a page"))
    form.get_by_label("Student").select_option(label=student)
    form.get_by_label("Seconds").fill(str(seconds))
    form.get_by_label("At (UTC, blank = now)").fill(at.strftime("%Y-%m-%dT%H:%M") if at else "")
    form.get_by_role("button", name="View a page").click()
    expect(page.locator(".message")).to_contain_text("Page view recorded on 1 active enrolment")


def _refresh(page) -> None:
    page.goto("/occurrences/121")
    page.get_by_role("button", name="Refresh from Canvas").click()
    page.wait_for_load_state()


def _row(page, code: str):
    return page.locator("table.enrolments tbody tr", has=page.get_by_role("link", name=code, exact=True))


def test_last_activity_gone_quiet_and_a_withdrawal_from_canvas_evidence(page, browser_sign_in, transferred_121,
                                                                          canvas):
    browser_sign_in("admin", "x" * 12)
    # 1. Ella works in Canvas at 15:30 UTC two days ago: already the next day in Sydney.
    worked = (utcnow() - timedelta(days=2)).replace(hour=15, minute=30, second=0, microsecond=0)
    _view_a_page_in_canvas(page, canvas, "Ella Wright (1001)", 5400, worked)
    _refresh(page)
    page.goto("/occurrences/121")
    sydney_day = to_rto_time(aware_utc(worked), ZONE).date()
    assert sydney_day != worked.date()
    ella = _row(page, "C0025")
    expect(ella.locator("td.last-active")).to_contain_text(f"{sydney_day:%d/%m/%Y}")
    expect(ella.locator("td.activity-time")).to_have_text("1:30")
    page.set_viewport_size({"width": 1280, "height": 800})
    _shot(page, "occurrence-1280.png")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "occurrence-390.png")
    page.set_viewport_size({"width": 1280, "height": 800})

    # 2. Matilda last did something 15 days ago: gone quiet, until she is active again.
    _view_a_page_in_canvas(page, canvas, "Matilda Scott (1003)", 600, utcnow() - timedelta(days=15))
    _refresh(page)
    page.goto("/canvas-exceptions")
    page.get_by_label("Kind").select_option(label="Not active in Canvas")
    page.get_by_role("button", name="Show").click()
    table = page.locator("#exceptions")
    expect(table).to_contain_text("Matilda Scott (C0027)")
    expect(table).to_contain_text("Not active in Canvas for 15 days")
    _shot(page, "exceptions-1280.png")
    _view_a_page_in_canvas(page, canvas, "Matilda Scott (1003)", 60, None)
    _refresh(page)
    page.goto("/canvas-exceptions?kind=not_active")
    expect(page.get_by_text("Matilda Scott (C0027)")).to_have_count(0)

    # 3. Archie (the demo's student who stopped three weeks ago) withdraws.
    page.goto("/occurrences/121")
    _row(page, "C0026").get_by_role("link", name="C0026").click()
    page.get_by_role("link", name="Edit").click()
    expect(page.locator("#canvas-activity")).to_contain_text("(21 days ago)")
    page.get_by_label("Status").select_option(label="Withdrawn (Withdrawn)")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Withdrawn results: Archie Clarke C0026")).to_be_visible()
    last_day = format_rto_date(utcnow() - timedelta(days=21), ZONE)
    canvas_choice = page.get_by_label(f"Last active in Canvas, {last_day}")
    expect(canvas_choice).to_be_checked()
    expect(page.locator("#withdrawal-evidence")).to_contain_text("4:15")
    _shot(page, "withdrawal-1280.png")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "withdrawal-390.png")
    problems = describe("the Withdrawn results offer", axe_violations(page))
    page.goto(f"{page.url.rsplit('/withdrawal', 1)[0]}/edit")
    problems += describe("the enrolment's Edit form with its Canvas activity", axe_violations(page))
    assert not problems, "\n".join(problems)
    page.go_back()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Record Withdrawn results").click()
    expect(page.locator(".flash-success")).to_contain_text("Recorded Withdrawn for")
    plan = page.locator(".provenance").first
    expect(plan).to_contain_text("Finish date: the last activity in Canvas")
    first_unit = page.locator("select[name=result_type_id]").first
    expect(first_unit.locator("option:checked")).to_have_text("40 Withdrawn")
    expect(page.locator("input[name=result_end]").first).to_have_value(last_day)
    _shot(page, "enrolment-1280.png")

    # The Progress picture shows each student's activity under their name.
    from webapp.extensions import db
    from webapp.services.result_transfer.download import run_download, start_download

    run, _ = start_download(transferred_121, None)
    db.session.commit()
    run_download(run)
    page.goto("/occurrences/121/progress")
    ella = page.locator("tr", has=page.get_by_role("link", name="Ella Wright"))
    expect(ella.locator(".last-active")).to_contain_text(f"Last active in Canvas: {sydney_day:%d/%m/%Y}")
    expect(ella.locator(".last-active")).to_contain_text("1:30 in total")
    _shot(page, "progress-1280.png")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "progress-390.png")
