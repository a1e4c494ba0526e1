"""Manage › Security in a browser for a role that may edit users but holds fewer rights than the
Administrator (issue 22, H1): the page offers no change the server would refuse, says why, and
passes axe, on a desktop and a phone."""

import os

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import axe_violations, describe
from webapp.extensions import db
from webapp.models import Role, RolePermission

SHOTS = os.environ.get("CANVASLINK_SHOTS")  # a folder: also save screenshots there
SCREENS = {"1280": {"width": 1280, "height": 800}, "390": {"width": 390, "height": 844}}


def _shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def _row(page, username):
    return page.locator("tbody tr").filter(has=page.get_by_role("cell", name=username, exact=True))


@pytest.mark.parametrize("screen", SCREENS)
def test_a_user_desk_is_offered_changes_only_to_users_with_no_more_rights(page, browser_sign_in, make_user, screen):
    db.session.add(Role(name="Security desk", permissions=[
        RolePermission(entity=e, action=a) for e, a in (("role", "view"), ("user", "view"), ("user", "edit"))]))
    db.session.commit()
    admin = make_user("admin", ("Administrator",))
    clerk = make_user("clerk", ())
    make_user("desk", ("Security desk",))
    page.set_viewport_size(SCREENS[screen])
    browser_sign_in("desk")
    page.goto("/manage/security/")
    admin_row, clerk_row = _row(page, "admin"), _row(page, "clerk")
    expect(admin_row).to_contain_text("Holds rights you lack")
    expect(admin_row.get_by_role("link", name="Edit")).to_have_count(0)
    expect(clerk_row.get_by_role("link", name="Edit")).to_be_visible()
    _shot(page, f"security-desk-{screen}.png")
    problems = describe("/manage/security/", axe_violations(page))

    page.goto(f"/manage/security/users/{admin.id}/edit")
    expect(page.get_by_role("alert")).to_contain_text(
        "they hold rights your own roles do not have")
    expect(page.get_by_label("Password")).to_be_disabled()
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    _shot(page, f"security-locked-user-{screen}.png")
    problems += describe("locked user form", axe_violations(page))

    page.goto(f"/manage/security/users/{clerk.id}/edit")
    page.get_by_label("Name").fill("Clerk Two")
    page.get_by_role("button", name="Save").click()
    expect(_row(page, "clerk")).to_contain_text("Clerk Two")
    assert not problems, "\n".join(problems)
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREENS[screen]["width"]
