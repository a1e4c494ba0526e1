"""Issue 11, points 1–4 in the browser, against the Canvas simulator over HTTP: staff decisions
are never silently overwritten, and what is saved is what the page shows."""

import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from canvas_sim import specs
from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import AuditEntry, CanvasModule, Client, Enrolment, ResultType, TrainingPlanUnit, Unit
from webapp.services.result_transfer.bulk import start_bulk_download
from webapp.services.result_transfer.download import run_download

pytestmark = pytest.mark.browser
UTC = timezone.utc
ADMIN = ("admin", "x" * 12)
WHS414 = "BSBWHS414 Contribute to WHS risk management"
WHS415 = "BSBWHS415 Contribute to implementing WHS management systems"


def _plan_unit(code: str, unit_code: str) -> TrainingPlanUnit:
    db.session.expire_all()
    return db.session.scalar(db.select(TrainingPlanUnit).join(Enrolment).join(Client).join(Unit)
                             .where(Client.code == code, Unit.code == unit_code, Enrolment.occurrence_id == 121))


def _today_in_sydney() -> str:
    return datetime.now(ZoneInfo("Australia/Sydney")).strftime("%d/%m/%Y")


def _review_of_121(page):
    page.goto("/occurrences/121")
    page.get_by_role("button", name="Transfer results from Canvas LMS…").click()
    expect(page.get_by_text("Downloaded")).to_contain_text("for 16 students")


def test_1_updating_the_module_list_keeps_modules_staff_left_unmapped(page, browser_sign_in, transferred_121,
                                                                      canvas):
    browser_sign_in(*ADMIN)
    page.goto("/occurrences/121/canvas/modules")
    for name in (WHS414, WHS415):
        page.get_by_label(f"Unit for {name}").select_option(label="— not mapped —")
    page.get_by_role("button", name="Save mappings").click()
    expect(page.locator(".flash-success")).to_contain_text("Saved the module mappings (2 changed)")
    with canvas.state.lock:  # someone adds a module in Canvas
        specs.add_module(canvas.state, canvas.state.courses[55],
                         {"name": "BSBWHS416 Incident response workshop", "items": ["Workshop notes"]})

    page.get_by_role("button", name="Update Canvas module list").click()

    expect(page.locator(".flash-success")).to_contain_text("Canvas has 12 modules: 1 new, 0 removed")
    expect(page.get_by_label(f"Unit for {WHS414}")).to_have_value("")
    expect(page.get_by_label(f"Unit for {WHS415}")).to_have_value("")
    whs416 = db.session.scalar(db.select(Unit.id).where(Unit.code == "BSBWHS416"))
    expect(page.get_by_label("Unit for BSBWHS416 Incident response workshop")).to_have_value(str(whs416))
    page.get_by_role("link", name="Link", exact=True).click()
    history = page.locator("table").last
    expect(history).to_contain_text("Updated the Canvas module list: 12 modules, 1 new, 0 removed; mappings kept")
    expect(history).to_contain_text("BSBWHS416 Incident response workshop: new → matched to BSBWHS416")
    expect(history).to_contain_text(f"{WHS414}: BSBWHS414 → unmapped")
    unmapped = db.session.scalars(db.select(CanvasModule.unit_id).where(CanvasModule.canvas_module_id.in_((907, 908))))
    assert list(unmapped) == [None, None]


def test_2_a_result_typed_by_staff_stands_until_a_person_chooses_to_replace_it(page, browser_sign_in,
                                                                                transferred_121, canvas):
    canvas.set_module_state(canvas_user_of("C0025"), 907, "started")  # BSBWHS414 in Canvas
    canvas.set_module_state(canvas_user_of("C0028"), 903, "started")  # another student's row to process
    browser_sign_in(*ADMIN)
    plan_unit = _plan_unit("C0025", "BSBWHS414")
    page.goto(f"/enrolments/{plan_unit.enrolment_id}")
    page.get_by_label("Result for BSBWHS414").select_option(label="30 Not yet competent")
    page.get_by_label("Result start for BSBWHS414").fill("05/10/2026")
    page.get_by_label("Result end for BSBWHS414").fill("20/11/2026")
    page.get_by_label("Result end for BSBWHS414").press("Enter")
    expect(page.locator(f"#pu-{plan_unit.id}")).to_contain_text(f"Entered by Alex Admin on {_today_in_sydney()}")

    _review_of_121(page)
    row = page.locator(f"#row-{plan_unit.enrolment_id}-u{plan_unit.unit_id}")
    expect(row).to_contain_text(f"Kept: entered by Alex Admin on {_today_in_sydney()}.")
    expect(page.get_by_role("link", name="Kept")).to_have_text("Kept 1")
    page.get_by_role("button", name="Process all").first.click()
    expect(page.get_by_role("status")).to_contain_text("Saved 1 row(s).")
    expect(page.get_by_role("status")).to_contain_text("Kept 1 as staff decisions or final outcomes.")
    assert _plan_unit("C0025", "BSBWHS414").result_type.name == "Not yet competent"
    assert _plan_unit("C0028", "BSBWHS412").result_type.name == "Continuing enrolment"

    row.get_by_role("button", name=re.compile("^Replace…")).click()
    expect(row).to_contain_text("Replacing it is recorded in the audit log.")
    expect(row.get_by_label(f"Proposed for C0025 {WHS414}")).to_have_value(
        str(db.session.scalar(db.select(ResultType.id).where(ResultType.name == "Continuing enrolment"))))
    row.get_by_role("button", name="Replace", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Saved 1 row(s).")
    replaced = _plan_unit("C0025", "BSBWHS414")
    assert (replaced.result_type.name, replaced.result_start) == ("Continuing enrolment", date(2026, 10, 5))
    assert db.session.scalar(db.select(AuditEntry.user_id).where(AuditEntry.action == "replace")) is not None
    page.goto(f"/enrolments/{plan_unit.enrolment_id}")
    expect(page.locator(f"#pu-{plan_unit.id}")).to_contain_text("who chose to replace a kept result")


def test_3_bulk_process_all_saves_what_was_typed_on_the_rows(page, browser_sign_in, transferred_121, canvas,
                                                             worker):
    canvas.set_module_state(canvas_user_of("C0025"), 907, "started")
    canvas.set_module_state(canvas_user_of("C0028"), 903, "started")
    run, _ = start_bulk_download(None)
    db.session.commit()
    run_download(run)
    browser_sign_in(*ADMIN)
    page.goto(f"/utilities/canvas-results/runs/{run.id}/review?start_rule=enrolment")
    page.get_by_label(f"Start for C0025 {WHS414}").fill("19/10/2026")
    expect(page.get_by_label(f"End for C0025 {WHS414}")).to_have_value("19/10/2027")
    page.get_by_label(f"Proposed for C0025 {WHS414}").select_option(label="Not yet started")

    page.get_by_role("button", name="Process all").first.click()

    expect(page.locator(".flash-success")).to_contain_text("the 1 row(s) you edited as you typed them")
    processing = page.locator("section.run").nth(1)
    expect(processing.get_by_role("status")).to_contain_text("16 of 16", timeout=30_000)
    expect(processing).to_contain_text("2 saved")
    typed = _plan_unit("C0025", "BSBWHS414")
    assert (typed.result_type.name, typed.result_start, typed.result_end) == (
        "Not yet started", date(2026, 10, 19), date(2027, 10, 19))
    assert _plan_unit("C0028", "BSBWHS412").result_start == date(2026, 10, 5)  # not typed over: the proposal


def test_4_the_end_follows_the_start_on_the_page_and_add_saves_what_is_shown(page, browser_sign_in,
                                                                              transferred_121, canvas):
    canvas.set_module_state(canvas_user_of("C0025"), 907, "started")
    browser_sign_in(*ADMIN)
    _review_of_121(page)
    start, end = page.get_by_label(f"Start for C0025 {WHS414}"), page.get_by_label(f"End for C0025 {WHS414}")
    expect(end).to_have_value("05/10/2027")
    start.fill("31/10/2026")
    expect(end).to_have_value("31/10/2027")
    start.fill("31/01/2027")  # a month's last day stays within the month: 12 months on is 31 January
    expect(end).to_have_value("31/01/2028")
    start.fill("30/11/2026")
    start.press("Enter")  # Enter in a row saves that row, as its Add does
    expect(page.get_by_role("status")).to_contain_text("Saved 1 row(s).")
    saved = _plan_unit("C0025", "BSBWHS414")
    assert (saved.result_start, saved.result_end) == (date(2026, 11, 30), date(2027, 11, 30))
