"""Keyboard only: sign in, open the Manage menu, and complete the LMS integration wizard, checking
at every step where the focus is. Nothing here clicks."""

import pytest
from playwright.sync_api import expect

from tests.helpers import PASSWORD
from webapp.extensions import db
from webapp.models import LmsIntegration

pytestmark = pytest.mark.browser


def tab_to(page, target, limit: int = 40):
    """Press Tab until `target` has the focus, as a keyboard user would; fail if it never does.
    A person starts once the page has loaded, so its scripts (htmx, app.js) are running."""
    page.wait_for_load_state()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} never got the focus in {limit} presses of Tab")


def test_sign_in_and_the_whole_wizard_from_the_keyboard(page, make_user, canvas):
    make_user("kim")
    page.goto("/login")
    expect(page.get_by_label("Username")).to_be_focused()  # the page starts where there is typing to do
    page.keyboard.type("kim")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()

    # The Manage menu opens with Enter and closes with Escape, focus back on its summary.
    manage = page.locator("summary", has_text="Manage")
    tab_to(page, manage)
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="LMS integrations")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="LMS integrations")).to_be_hidden()
    expect(manage).to_be_focused()
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="LMS integrations"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name="Add LMS integration…"))
    page.keyboard.press("Enter")

    # Page 1: Enter with no name stays, and the focus goes to the field in error.
    tab_to(page, page.get_by_label("Name"))
    page.keyboard.press("Enter")
    expect(page.get_by_label("Name")).to_be_focused()
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Name")).to_have_accessible_description("Give the integration a name.")
    page.keyboard.type("Keyboard Canvas")
    page.keyboard.press("Enter")

    # Page 2: the focus is on the new step's heading, which names the step. Enter in a field is
    # Next, not "Authorise with Canvas" (the first button, which leaves for Canvas).
    expect(page.get_by_role("heading", name="Step 2 of 4: Canvas connection")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Canvas address")).to_be_focused()
    page.keyboard.type(canvas.url)
    tab_to(page, page.get_by_label("Or paste an access token"))
    page.keyboard.type(canvas.admin_token)
    test_connection = page.get_by_role("button", name="Test connection")
    tab_to(page, test_connection)
    page.keyboard.press("Enter")
    expect(page.locator("#connection-result")).to_contain_text("Connected and ready. The token acts as Integration Admin")
    expect(test_connection).to_be_focused()  # still there to press again
    tab_to(page, page.get_by_label("Or paste an access token"))
    page.keyboard.press("Enter")

    # Page 3: Enter is Next, not Back (the first button of the page).
    expect(page.get_by_role("heading", name="Step 3 of 4: Unit results")).to_be_focused()
    tab_to(page, page.get_by_label("End date of started units"))
    page.keyboard.press("Enter")

    # Page 4: Finish.
    expect(page.get_by_role("heading", name="Step 4 of 4: Task statuses")).to_be_focused()
    tab_to(page, page.get_by_role("button", name="Finish"))
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_contain_text("Saved LMS integration Keyboard Canvas")

    integration = db.session.scalar(db.select(LmsIntegration))
    assert (integration.name, integration.base_url) == ("Keyboard Canvas", canvas.url)
    assert integration.access_token_enc


def test_skip_link_and_a_matrix_tick_keep_the_keyboard_in_place(page, browser_sign_in, make_user, make_occurrence):
    make_user("alex")
    occurrence = make_occurrence(units=("BSBWHS411", "BSBWHS412"), tasks=("Assessment 1",))
    browser_sign_in("alex")
    page.goto(f"/occurrences/{occurrence.id}")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # shown when focused, hidden otherwise
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    box = page.get_by_label("Assessment 1 completes BSBWHS412")
    tab_to(page, box)
    size = box.bounding_box()
    assert size["width"] >= 24 and size["height"] >= 24  # a target a finger or a shaky hand can hit
    with page.expect_response(lambda response: response.url.endswith("/matrix")):
        page.keyboard.press("Space")
    expect(page.get_by_label("Assessment 1 completes BSBWHS412")).to_be_checked()
    expect(page.get_by_label("Assessment 1 completes BSBWHS412")).to_be_focused()  # the saved tick, not <body>
