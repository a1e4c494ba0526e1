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
