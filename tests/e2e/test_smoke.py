"""Staff paths through a real browser: sign in, find and add clients, the role hides what it may not do."""

import re

import pytest
from playwright.sync_api import expect

from webapp.extensions import db
from webapp.models import Client, TaskUnit

pytestmark = pytest.mark.browser


def test_sign_in_search_and_add_a_client(page, browser_sign_in, make_user, make_client):
    make_user("alex")
    make_client(code="C8001", first_name="Ada", last_name="Lovelace")
    make_client(code="C8002", first_name="Alan", last_name="Turing")
    browser_sign_in("alex")

    page.get_by_role("link", name="Clients").click()
    page.wait_for_load_state()  # htmx (a deferred script) must be listening before we type
    page.get_by_label("Search").fill("lovel")  # search as you type: no Enter pressed
    expect(page.locator("#results")).to_contain_text("Lovelace")
    expect(page.locator("#results")).not_to_contain_text("Turing")
    expect(page).to_have_url(re.compile(r"/clients/\?q=lovel"))

    page.get_by_role("link", name="Add client").click()
    page.get_by_label("Client code").fill("C8003")
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Email").fill("grace.hopper@example.edu.au")
    page.get_by_label("Date of birth").fill("09/12/1990")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("Saved client Grace Hopper (C8003)")

    page.get_by_role("link", name="All clients").click()
    expect(page.locator("#results")).to_contain_text("Hopper")
    assert db.session.scalar(db.select(Client.email).where(Client.code == "C8003")) == "grace.hopper@example.edu.au"


def test_read_only_finds_no_add_button(page, browser_sign_in, make_user, make_client):
    make_user("robin", ("Read only",))
    make_client(last_name="Visible")
    browser_sign_in("robin")
    page.get_by_role("link", name="Clients").click()
    expect(page.locator("#results")).to_contain_text("Visible")
    expect(page.get_by_role("link", name="Add client")).to_have_count(0)
    page.get_by_role("link", name="Occurrences").click()
    expect(page.get_by_role("link", name="Add occurrence")).to_have_count(0)


def test_task_matrix_ticks_save_through_htmx(page, browser_sign_in, make_user, make_occurrence):
    make_user("alex")
    occurrence = make_occurrence(units=("BSBWHS411", "BSBWHS412"), tasks=("Assessment 1",))
    browser_sign_in("alex")
    page.goto(f"/occurrences/{occurrence.id}")
    box = page.get_by_label("Assessment 1 completes BSBWHS412")
    with page.expect_response(lambda response: response.url.endswith("/matrix")):
        box.check()
    expect(page.get_by_label("Assessment 1 completes BSBWHS412")).to_be_checked()
    page.reload()
    expect(page.get_by_label("Assessment 1 completes BSBWHS412")).to_be_checked()
    cells = db.session.scalars(db.select(TaskUnit).where(TaskUnit.completes.is_(True))).all()
    assert [c.unit_id for c in cells] == [occurrence.occurrence_units[1].unit_id]


def test_record_a_result_from_the_keyboard(page, browser_sign_in, make_user, make_occurrence, make_client,
                                           enrol_client):
    make_user("terry", ("Trainer",))
    enrolment = enrol_client(make_occurrence(units=("BSBWHS411",)), make_client())
    browser_sign_in("terry")
    page.goto(f"/enrolments/{enrolment.id}")
    page.get_by_label("Result for BSBWHS411").select_option(label="20 Competent")
    page.get_by_label("Result start for BSBWHS411").fill("02/03/2026")
    page.get_by_label("Result end for BSBWHS411").fill("30/06/2026")
    page.get_by_label("Result end for BSBWHS411").press("Enter")
    expect(page.locator(f"#pu-{enrolment.plan_units[0].id}")).to_contain_text("Saved")
    db.session.expire_all()
    assert enrolment.plan_units[0].result_type.name == "Competent"
    page.reload()
    expect(page.get_by_label("Result for BSBWHS411")).to_have_value(str(enrolment.plan_units[0].result_type_id))
    expect(page.get_by_label("Result end for BSBWHS411")).to_have_value("30/06/2026")
