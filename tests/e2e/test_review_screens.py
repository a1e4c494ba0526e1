"""The review of results from Canvas as staff see it on a laptop (1280×800), per occurrence and in
bulk: one row per student and unit with a chip per module, every kind of row, no sideways
scrolling. It leaves screenshots in test-results/ for a person to look at."""

from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import Client, Enrolment, TrainingPlanUnit, Unit
from webapp.services.result_transfer.bulk import start_bulk_download
from webapp.services.result_transfer.download import run_download

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results"
UTC = timezone.utc
NO_SIDEWAYS_SCROLLING = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def _a_class_under_way(canvas):
    for n in range(25, 41):
        canvas.set_module_state(canvas_user_of(f"C00{n}"), 902, "completed", datetime(2026, 10, 20, 3, n, tzinfo=UTC))
    for n in range(25, 31):
        canvas.set_module_state(canvas_user_of(f"C00{n}"), 904, "completed", datetime(2026, 11, 1, 22, n, tzinfo=UTC))
    for n in range(31, 36):
        canvas.set_module_state(canvas_user_of(f"C00{n}"), 904, "started")
    canvas.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    canvas.set_module_state(canvas_user_of("C0027"), 906, "started")
    canvas.set_module_state(canvas_user_of("C0030"), 903, "started")  # no unlock date in Canvas: needs a date


def _enter_on_the_plan(page, code, unit_code, result, start):
    enrolment_id = db.session.scalar(db.select(TrainingPlanUnit.enrolment_id).join(Enrolment).join(Client).join(Unit)
                                     .where(Client.code == code, Unit.code == unit_code,
                                            Enrolment.occurrence_id == 121))
    page.goto(f"/enrolments/{enrolment_id}")
    page.get_by_label(f"Result for {unit_code}").select_option(label=result)
    page.get_by_label(f"Result start for {unit_code}").fill(start)
    page.get_by_label(f"Result start for {unit_code}").press("Enter")
    expect(page.get_by_text("Entered by Alex Admin").first).to_be_visible()


def test_the_review_reads_well_on_a_laptop(page, browser_sign_in, transferred_121, canvas):
    page.set_viewport_size({"width": 1280, "height": 800})
    browser_sign_in("admin", "x" * 12)
    _enter_on_the_plan(page, "C0026", "BSBWHS414", "85 Not yet started", "2026-10-05")
    _enter_on_the_plan(page, "C0031", "BSBWHS411", "30 Not yet competent", "2026-10-05")
    canvas.set_module_state(canvas_user_of("C0026"), 907, "started")
    for n in range(25, 33):
        canvas.set_module_state(canvas_user_of(f"C00{n}"), 902, "started")
    page.goto("/occurrences/121")
    page.get_by_role("button", name="Transfer results from Canvas LMS…").click()
    page.get_by_role("button", name="Process all").first.click()  # an earlier transfer: those rows are up to date
    _a_class_under_way(canvas)

    page.goto("/occurrences/121")
    page.get_by_role("button", name="Transfer results from Canvas LMS…").click()
    page.get_by_label("Start date of started units").select_option(label="Canvas module unlock date")
    page.get_by_role("button", name="Apply to all rows").click()
    for kind in ("To save", "Need a date", "Kept", "Up to date"):
        assert int(page.get_by_role("link", name=kind).locator(".count").inner_text()) > 0, kind
    assert page.evaluate(NO_SIDEWAYS_SCROLLING)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / "review-per-occurrence.png")
    page.screenshot(path=SHOTS / "review-per-occurrence-full.png", full_page=True)
    page.locator(".chip").first.focus()  # the full name on focus, as on hover
    page.screenshot(path=SHOTS / "review-chip-focused.png", clip={"x": 0, "y": 380, "width": 1280, "height": 300})

    run, _ = start_bulk_download(None)
    db.session.commit()
    run_download(run)
    page.goto(f"/utilities/canvas-results/runs/{run.id}/review?start_rule=unlock")
    expect(page.locator("tbody.student")).to_have_count(16)
    assert page.evaluate(NO_SIDEWAYS_SCROLLING)
    page.screenshot(path=SHOTS / "review-bulk.png")
    page.screenshot(path=SHOTS / "review-bulk-full.png", full_page=True)

    page.go_back()
    page.get_by_role("button", name="Process all").first.click()
    expect(page.get_by_role("status")).to_contain_text("Kept 2 as staff decisions or final outcomes.")
    assert page.evaluate(NO_SIDEWAYS_SCROLLING)
    page.screenshot(path=SHOTS / "review-per-occurrence-processed.png")

