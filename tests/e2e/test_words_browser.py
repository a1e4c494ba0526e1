"""Issue 21 §5, §7 in a browser at 1280×800 and 390×844: the mapping page keeps choices across
*Update Canvas module list*, the review shows unit and module names whole, and the enrol form's
client suggestions stay inside its card. CANVASLINK_SHOTS (a folder) keeps screenshots."""

import os

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("CANVASLINK_SHOTS")
SIZES = {"1280": {"width": 1280, "height": 800}, "390": {"width": 390, "height": 844}}
NO_SIDEWAYS_SCROLLING = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def _shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


@pytest.mark.parametrize("size", SIZES)
def test_the_enrol_form_keeps_its_client_suggestions_inside_the_card(page, browser_sign_in, demo, size):
    page.set_viewport_size(SIZES[size])
    browser_sign_in("admin", "x" * 12)
    page.goto("/occurrences/121/enrol")
    page.get_by_label("Client code").fill("C00")
    expect(page.locator("datalist#client-suggestions option")).to_have_count(15)
    expect(page.get_by_text("Layla Ali · layla.ali@student.example.edu.au")).to_be_hidden()  # in the drop-down only
    assert page.evaluate(NO_SIDEWAYS_SCROLLING)
    _shot(page, f"enrol-{size}.png")


@pytest.mark.parametrize("size", SIZES)
def test_update_module_list_keeps_a_choice_not_saved_and_names_a_rename(
        page, browser_sign_in, transferred_121, canvas, size):
    page.set_viewport_size(SIZES[size])
    with canvas.state.lock:
        canvas.state.modules[902].name = "Week 2 - Policies"
    browser_sign_in("admin", "x" * 12)
    page.goto("/occurrences/121/canvas/modules")
    welcome = page.get_by_label("Unit for Welcome and orientation")
    welcome.select_option(label="BSBWHS416 Contribute to workplace incident response")
    page.get_by_role("button", name="Update Canvas module list").click()
    expect(page.locator(".flash-success").first).to_contain_text("Saved your 1 mapping change first.")
    expect(page.locator(".flash-success").nth(1)).to_contain_text("0 new, 0 removed, 1 renamed (mapping kept)")
    expect(page.get_by_label("Unit for Welcome and orientation")).to_have_value(
        page.get_by_label("Unit for Welcome and orientation").locator("option", has_text="BSBWHS416").get_attribute(
            "value"))
    assert page.evaluate(NO_SIDEWAYS_SCROLLING)
    _shot(page, f"modules-{size}.png")
    page.goto("/mapping-health?occurrence=121")
    expect(page.locator(".mapping-health")).to_contain_text("The mapping was kept: still mapped to BSBWHS411")
    _shot(page, f"mapping-health-{size}.png")


@pytest.mark.parametrize("size", SIZES)
def test_the_review_shows_unit_and_module_names_whole(page, browser_sign_in, transferred_121, canvas, size):
    from tests.canvas_fixtures import canvas_user_of

    page.set_viewport_size(SIZES[size])
    for code in ("C0025", "C0026"):
        canvas.set_module_state(canvas_user_of(code), 902, "started")
        canvas.set_module_state(canvas_user_of(code), 904, "started")
    browser_sign_in("admin", "x" * 12)
    page.goto("/occurrences/121")
    page.get_by_role("button", name="Transfer results from Canvas LMS…").click()
    expect(page.locator(".clip").first).to_be_visible()
    cut = page.evaluate("""[...document.querySelectorAll('.clip, .chip-name')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)""")
    assert cut == []
    expect(page.get_by_text("Implement and monitor WHS policies, procedures and programs").first).to_be_visible()
    _shot(page, f"review-{size}.png")


@pytest.mark.parametrize("size", SIZES)
def test_the_pages_whose_words_changed(page, browser_sign_in, transferred_121, canvas, size):
    page.set_viewport_size(SIZES[size])
    browser_sign_in("admin", "x" * 12)
    page.goto("/occurrences/121/canvas/enrolments")
    page.get_by_role("button", name="Refresh from Canvas").click()
    expect(page.get_by_text("The last refresh found nothing to change in Canvas.")).to_be_visible()
    expect(page.get_by_text("Started because Alex Admin pressed Refresh from Canvas.")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLLING)
    _shot(page, f"canvas-enrolments-{size}.png")
    page.goto("/manage/audit")
    expect(page.locator("#audit")).to_contain_text("Updated the Canvas module list")
    expect(page.locator("#audit")).not_to_contain_text("lms_integration")
    _shot(page, f"audit-{size}.png")
    page.goto("/manage/lms-integrations/")
    page.get_by_role("link", name="Demo Canvas").first.click()
    _shot(page, f"integration-{size}.png")
    page.goto("/occurrences/121/history")
    _shot(page, f"history-{size}.png")
    page.goto("/occurrences/121")
    _shot(page, f"occurrence-{size}.png")
