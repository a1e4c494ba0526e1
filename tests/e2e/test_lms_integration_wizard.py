"""Configure an LMS integration in the browser against the Canvas simulator over real HTTP."""

import re

import pytest
from playwright.sync_api import expect

from webapp.extensions import db
from webapp.models import LmsIntegration

pytestmark = pytest.mark.browser


def test_add_authorise_test_and_edit_an_integration(page, browser_sign_in, make_user, canvas):
    client_id, client_secret = canvas.developer_key

    def next_page(title):
        page.get_by_role("button", name="Next ›").click()
        expect(page.get_by_role("heading", name=title)).to_be_visible()

    make_user("alex")
    browser_sign_in("alex")
    page.get_by_text("Manage").click()
    page.get_by_role("link", name="LMS integrations").click()
    page.get_by_role("button", name="Add LMS integration…").click()

    # Page 1: a Next without a name stays on the page and says why.
    page.get_by_role("button", name="Next ›").click()
    expect(page.get_by_text("Give the integration a name.")).to_be_visible()
    page.get_by_label("Name").fill("Demo Canvas")
    page.get_by_label("Tasks").check()
    next_page("Canvas connection")

    # Page 2: a plain-http public address is refused with its reason.
    page.get_by_label("Canvas address").fill("http://canvas.example.edu.au")
    page.get_by_role("button", name="Next ›").click()
    expect(page.get_by_text("Canvas must be reached over https")).to_be_visible()
    page.get_by_label("Canvas address").fill(canvas.url + "/")
    page.get_by_label("Client ID").fill(client_id)
    page.get_by_label("Client Secret").fill(client_secret)
    page.get_by_role("button", name="Authorise with Canvas").click()

    # Canvas's own page: the admin approves.
    expect(page).to_have_url(re.compile(re.escape(canvas.url) + r"/login/oauth2/auth"))
    page.get_by_label("Signed in as").select_option(label="Integration Admin (account admin)")
    page.get_by_role("button", name="Approve").click()

    expect(page.locator(".flash-success")).to_contain_text("Authorised. Connected and ready. The token acts as Integration Admin")
    expect(page.get_by_label("Client Secret")).to_have_value("")  # the secret is never sent back
    expect(page.get_by_label("Client Secret")).to_have_attribute("placeholder", "set — type to replace")
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-result")).to_contain_text("Connected and ready. The token acts as Integration Admin")
    next_page("Unit results")
    expect(page.get_by_label("Result on completion")).to_have_value(
        str(db.session.scalar(db.select(db.text("id FROM result_type WHERE name = 'Competent'")))))
    next_page("Task statuses")
    page.get_by_role("button", name="Finish").click()

    expect(page.locator(".flash-success")).to_contain_text("Saved LMS integration Demo Canvas")
    expect(page.locator(".details").first).to_contain_text("Authorised with OAuth")
    expect(page.locator(".details").first).to_contain_text("Enrol immediately")

    # Edit: switch to invitations.
    page.get_by_role("button", name="Edit LMS integration…").click()
    expect(page.get_by_label("Name")).to_have_value("Demo Canvas")
    next_page("Canvas connection")
    page.get_by_label("Send an invitation the student must accept").check()
    next_page("Unit results")
    next_page("Task statuses")
    page.get_by_role("button", name="Finish").click()
    expect(page.locator(".details").first).to_contain_text("Send an invitation")
    expect(page.locator("table")).to_contain_text("Enrolment: active → invited")
    expect(page.locator("table")).to_contain_text("active → invited")

    integration = db.session.scalar(db.select(LmsIntegration))
    assert integration.base_url == canvas.url and integration.enrol_mode == "invited"
    assert integration.refresh_token_enc and client_secret not in (integration.client_secret_enc or "")


def test_trainer_sees_no_add_edit_or_delete(page, browser_sign_in, make_user):
    db.session.add(LmsIntegration(name="Existing", base_url="https://canvas.example.edu.au"))
    db.session.commit()
    make_user("terry", ("Trainer",))
    browser_sign_in("terry")
    page.goto("/manage/lms-integrations/")
    expect(page.get_by_role("link", name="Existing")).to_be_visible()
    expect(page.get_by_role("button", name="Add LMS integration…")).to_have_count(0)
    expect(page.get_by_role("button", name="Edit LMS integration…")).to_have_count(0)
    expect(page.get_by_role("link", name="Delete…")).to_have_count(0)
    page.get_by_role("link", name="Existing").click()
    expect(page.get_by_role("button", name="Edit LMS integration…")).to_have_count(0)
    for method, path in (("post", "/manage/lms-integrations/new"), ("post", "/manage/lms-integrations/1/edit"),
                         ("get", "/manage/lms-integrations/1/delete")):
        response = getattr(page.request, method)(path, headers={"X-CSRFToken": page.evaluate(
            "JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")})
        assert response.status == 403, path
