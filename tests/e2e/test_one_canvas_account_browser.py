"""One Canvas account, one student, in a browser (issue 21 §1): the client form says who a typed
Canvas user id is before anyone saves, and refuses another student's account."""

import os

from playwright.sync_api import expect

from tests.canvas_fixtures import canvas_user_of

SHOTS = os.environ.get("CANVASLINK_SHOTS")  # a folder: also save screenshots there


def _shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def test_the_client_form_names_the_canvas_account_and_refuses_another_students(
        page, browser_sign_in, transferred_121, canvas):
    from webapp.extensions import db
    from webapp.models import Client

    archie = db.session.scalar(db.select(Client).where(Client.code == "C0026"))
    ella_id = canvas_user_of("C0025")
    browser_sign_in("admin", "x" * 12)

    for size, suffix in (({"width": 1280, "height": 800}, "1280"), ({"width": 390, "height": 844}, "390")):
        page.set_viewport_size(size)
        page.goto(f"/clients/{archie.id}/edit")
        # The form opens saying whose account the saved id is: Archie's own, with its login and SIS ID.
        said = page.locator("#canvas-account")
        expect(said.locator(".ok")).to_contain_text(f"Canvas user {canvas_user_of('C0026')} in Demo Canvas: “Archie Clarke”")
        expect(said.locator(".ok")).to_contain_text("SIS ID C0026")

        box = page.get_by_label("Canvas user id")
        box.fill(str(ella_id))
        box.press("Tab")  # leaving the box asks Canvas who it is
        expect(said).to_contain_text(f"Canvas user {ella_id} is already Ella Wright (C0025)'s Canvas account")
        _shot(page, f"client-canvas-account-typed-{suffix}.png")

        page.get_by_role("button", name="Save").click()
        expect(page.get_by_label("Canvas user id")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(".field.has-error")).to_contain_text("already Ella Wright (C0025)'s Canvas account")
        _shot(page, f"client-canvas-account-refused-{suffix}.png")
    db.session.expire_all()
    assert db.session.get(Client, archie.id).canvas_user_id == canvas_user_of("C0026")
