"""Issue 21 §2 in the browser: the same record open in two tabs of one browser. The second save is
refused, says who changed the record, when and what, keeps what was typed and saves nothing; on a
client's Edit and in the LMS integration wizard. With CANVASLINK_SHOTS set to a folder, the refusals
are saved there at 1280×800 and 390×844 for a person to look at."""

import os

import pytest
from playwright.sync_api import expect

from webapp.extensions import db
from webapp.models import Client, LmsIntegration
from webapp.services.integrations.secrets import encrypt
from webapp.services.integrations.wizard import defaults

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("CANVASLINK_SHOTS")
SIZES = {"laptop": (1280, 800), "phone": (390, 844)}
NO_SIDEWAYS_SCROLLING = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def _shots(page, name: str) -> None:
    """The page at both sizes: the refusal must be in view and nothing may scroll sideways."""
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        expect(page.get_by_role("alert").first).to_be_in_viewport()
        assert page.evaluate(NO_SIDEWAYS_SCROLLING), f"{name} scrolls sideways at {width}px"
        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
            # caret="initial": hiding the caret would inject a style, which the CSP refuses.
            page.screenshot(path=os.path.join(SHOTS, f"{name}-{size}.png"), caret="initial")


def test_two_tabs_on_a_client(page, browser_sign_in, make_user, make_client):
    me = make_user("alex")
    record = make_client(first_name="Ann", last_name="Lee", email="ann@old.edu.au")
    browser_sign_in("alex")
    other = page.context.new_page()  # a second tab of the same browser
    for tab in (page, other):
        tab.goto(f"/clients/{record.id}/edit")

    other.get_by_label("Email").fill("ann@new.edu.au")
    other.get_by_role("button", name="Save").click()
    expect(other.get_by_text("Saved client Ann Lee")).to_be_visible()

    page.get_by_label("First name").fill("Anna")
    page.get_by_role("button", name="Save").click()

    refusal = page.get_by_role("alert").first
    expect(refusal).to_contain_text(f"This client was changed after you opened it, by {me.display_name} on ")
    expect(refusal).to_contain_text("Australia/Sydney time (Email: ann@old.edu.au → ann@new.edu.au). Nothing was saved")
    expect(page.get_by_label("First name")).to_have_value("Anna")  # what was typed stays
    _shots(page, "client-refused")
    db.session.expire_all()
    saved = db.session.get(Client, record.id)
    assert (saved.first_name, saved.email) == ("Ann", "ann@new.edu.au")

    # Taking the other tab's e-mail in and saving again saves both changes.
    page.get_by_label("Email").fill("ann@new.edu.au")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved client Anna Lee")).to_be_visible()
    db.session.expire_all()
    saved = db.session.get(Client, record.id)
    assert (saved.first_name, saved.email) == ("Anna", "ann@new.edu.au")


def test_two_tabs_on_the_integration_wizard(page, browser_sign_in, make_user, canvas):
    me = make_user("alex")
    integration = LmsIntegration(**(defaults() | {"name": "Demo Canvas", "base_url": canvas.url}),
                                 access_token_enc=encrypt(canvas.admin_token))
    db.session.add(integration)
    db.session.commit()
    browser_sign_in("alex")
    other = page.context.new_page()

    def next_page(tab, title):
        tab.get_by_role("button", name="Next ›").click()
        expect(tab.get_by_role("heading", name=title)).to_be_visible()

    for tab in (page, other):
        tab.goto(f"/manage/lms-integrations/{integration.id}")
        tab.get_by_role("button", name="Edit LMS integration…").click()
        expect(tab.get_by_label("Name")).to_have_value("Demo Canvas")

    other.get_by_label("Name").fill("Demo Canvas (live)")
    for title in ("Canvas connection", "Unit results", "Task statuses"):
        next_page(other, title)
    other.get_by_role("button", name="Finish").click()
    expect(other.locator(".flash-success")).to_contain_text("Saved LMS integration Demo Canvas (live)")

    next_page(page, "Canvas connection")
    page.get_by_label("Mass-change guard: students").fill("25")
    next_page(page, "Unit results")
    next_page(page, "Task statuses")
    page.get_by_role("button", name="Finish").click()

    refusal = page.get_by_role("alert").first
    expect(refusal).to_contain_text(f"This LMS integration was changed after you opened it, by {me.display_name} on ")
    expect(refusal).to_contain_text("(Name: Demo Canvas → Demo Canvas (live)). Nothing was saved")
    expect(refusal).to_contain_text("press Finish again")
    expect(page.get_by_role("heading", name="Task statuses")).to_be_visible()  # still on its page
    _shots(page, "wizard-refused")
    db.session.expire_all()
    assert db.session.get(LmsIntegration, integration.id).guard_students == 10

    # What was typed on an earlier page is kept in the draft.
    page.get_by_role("button", name="‹ Back").click()
    expect(page.get_by_role("heading", name="Unit results")).to_be_visible()
    page.get_by_role("button", name="‹ Back").click()
    expect(page.get_by_label("Mass-change guard: students")).to_have_value("25")
