"""Issue 21 §3 and §4 in the browser, against the Canvas simulator over HTTP: a double-click on
Process all sends it once and says what was saved; a date that does not exist is named where a
person at 1280 px sees it, and stays as typed. With CANVASLINK_SHOTS set, each page is also saved
as a screenshot at 1280×800 and 390×844."""

import os
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import Client, Enrolment, TrainingPlanUnit, Unit
from webapp.services.clock import utcnow
from webapp.services.integrations.secrets import encrypt

pytestmark = pytest.mark.browser
UTC = timezone.utc
ADMIN = ("admin", "x" * 12)
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
SHOTS = os.environ.get("CANVASLINK_SHOTS")  # a folder: also save screenshots there
NO_SUCH_DATE = "There is no such date as 31/02/2026."


def _shots(page, name, showing=None):
    """The page as it is, at both sizes (then back at 1280 px), scrolled to `showing` when given."""
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    for size, suffix in ((PHONE, "390"), (DESKTOP, "1280")):
        page.set_viewport_size(size)
        if showing is not None:
            showing.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{suffix}.png"))


def _play_the_students(canvas):
    canvas.set_module_state(canvas_user_of("C0025"), 907, "started")
    canvas.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    canvas.set_module_state(canvas_user_of("C0027"), 906, "completed", datetime(2026, 11, 3, 23, 30, tzinfo=UTC))
    canvas.set_module_state(canvas_user_of("C0028"), 902, "completed", datetime(2026, 10, 20, 3, 0, tzinfo=UTC))


def _review_of_121(page):
    page.goto("/occurrences/121")
    page.get_by_role("button", name="Transfer results from Canvas LMS…").click()
    expect(page.get_by_text("Downloaded")).to_contain_text("for 16 students")


def test_a_double_click_on_process_all_sends_it_once_and_says_what_was_saved(page, browser_sign_in,
                                                                              transferred_121, canvas):
    _play_the_students(canvas)
    page.set_viewport_size(DESKTOP)
    browser_sign_in(*ADMIN)
    _review_of_121(page)
    page.get_by_label("Start date of started units").select_option(label="Enrolment start date")
    page.get_by_role("button", name="Apply to all rows").click()
    expect(page.get_by_role("link", name="To save")).to_have_text("To save 4")
    _shots(page, "review-before-process")
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    box = page.get_by_role("button", name="Process all").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    # A double-click as a person makes it: the second press lands while the first is on its way.
    with page.expect_request(lambda request: request.method == "POST"):
        page.mouse.click(x, y)
    page.mouse.click(x, y)

    expect(page.locator("section.outcome")).to_contain_text("Saved 4 row(s).")
    expect(page.locator("section.outcome")).not_to_contain_text("Skipped")
    assert len(sent) == 1, f"Process all was sent {len(sent)} times"
    _shots(page, "review-processed", page.locator("section.outcome"))


def test_a_date_that_does_not_exist_is_named_where_it_is_seen_and_kept(page, browser_sign_in, transferred_121,
                                                                         canvas):
    canvas.set_module_state(canvas_user_of("C0025"), 907, "started")
    page.set_viewport_size(DESKTOP)
    browser_sign_in(*ADMIN)
    _review_of_121(page)
    page.get_by_label("Start date of started units").select_option(label="This date:")
    page.locator("#start_date").fill("31/02/2026")
    page.get_by_role("button", name="Apply to all rows").click()
    message = page.locator("#start_date-error")
    expect(message).to_contain_text(NO_SUCH_DATE)
    expect(message).to_be_in_viewport()
    expect(page.locator("#start_date")).to_have_value("31/02/2026")
    page.get_by_role("button", name="Process all").first.click()  # sent as it stands: refused by name again
    expect(page.locator("#start_date-error")).to_contain_text(NO_SUCH_DATE)
    expect(page.locator("#start_date")).to_have_value("31/02/2026")
    expect(page.get_by_text("No start date typed")).to_have_count(0)
    _shots(page, "review-no-such-date")

    plan_unit = db.session.scalar(db.select(TrainingPlanUnit).join(Enrolment).join(Client).join(Unit).where(
        Client.code == "C0025", Unit.code == "BSBWHS413", Enrolment.occurrence_id == 121))
    page.set_viewport_size(DESKTOP)
    page.goto(f"/enrolments/{plan_unit.enrolment_id}")
    page.get_by_label("Result for BSBWHS413").select_option(label="20 Competent")
    page.get_by_label("Result start for BSBWHS413").fill("31/02/2026")
    page.get_by_label("Result end for BSBWHS413").fill("30/06/2026")
    page.locator(f"#pu-{plan_unit.id}").get_by_role("button", name="Save").click()
    row_message = page.locator(f"#pu-error-{plan_unit.id}")
    expect(row_message).to_contain_text(NO_SUCH_DATE)
    expect(row_message).to_be_in_viewport(ratio=1)  # the whole message, not scrolled off to the right
    expect(page.get_by_label("Result start for BSBWHS413")).to_have_value("31/02/2026")
    expect(page.get_by_label("Result end for BSBWHS413")).to_have_value("30/06/2026")
    expect(page.get_by_label("Result for BSBWHS413")).to_have_value(
        page.get_by_label("Result for BSBWHS413").locator("option", has_text="20 Competent").get_attribute("value"))
    _shots(page, "training-plan-no-such-date", row_message)


def test_the_pages_that_say_what_happened(page, browser_sign_in, transferred_121, canvas, integration):
    """Screenshots of the other pages this issue changed, each checked for what it must say."""
    if not SHOTS:
        pytest.skip("set CANVASLINK_SHOTS to a folder to take the screenshots")
    from webapp.models import EnrolmentStatus
    from webapp.services.result_transfer import bulk
    from webapp.services.result_transfer.download import run_download
    from webapp.services.result_transfer.start_rules import start_rule

    _play_the_students(canvas)
    staff = transferred_121.linked_by_id
    download, _ = bulk.start_bulk_download(staff)
    db.session.commit()
    run_download(download)
    processing, _ = bulk.start_processing(download, start_rule("enrolment"), staff, {})
    db.session.commit()
    bulk.run_processing(processing)
    bulk.start_bulk_download(staff)  # a new download, waiting for a worker: the last one's processing stays apart
    leaving = db.session.scalar(db.select(Enrolment).join(Client).where(Client.code == "C0030"))
    leaving.status = db.session.scalar(db.select(EnrolmentStatus).where(EnrolmentStatus.name == "Withdrawn"))
    leaving.transfer.sync_error = ("Conclude in Canvas failed: Canvas failed with error 503 while working on "
                                   "enrolment 1006; try again later. Nothing changed here; the next sync tries again "
                                   "(the nightly run at the latest).")
    integration.token_failed_at = utcnow() - timedelta(minutes=5)
    integration.token_failure = ("Canvas rejected the integration's access token while working on module progress "
                                 "of user 1003 in course 55 (Canvas said: Invalid access token.). Renewing the token "
                                 "failed: Canvas refused to issue an access token (Canvas said: refresh_token not "
                                 "found); authorise the integration again.")
    db.session.commit()
    page.set_viewport_size(DESKTOP)
    browser_sign_in(*ADMIN)
    for url, name, said in (("/", "home", "Canvas rejected the token of Demo Canvas"),
                            ("/manage/lms-integrations/", "integrations", "Token rejected"),
                            (f"/manage/lms-integrations/{integration.id}", "integration", "Authorise again"),
                            ("/occurrences/121/progress", "progress", "Read "),
                            ("/canvas-exceptions", "exceptions", "Access not ended in Canvas"),
                            ("/utilities/canvas-results/", "bulk", "waiting for a worker")):
        page.goto(url)
        expect(page.locator("main")).to_contain_text(said)
        _shots(page, name)

    integration.access_token_enc = encrypt("revoked in Canvas")
    db.session.commit()
    page.goto("/occurrences/121")
    page.get_by_role("button", name="Transfer results from Canvas LMS…").click()
    expect(page.get_by_role("alert").first).to_contain_text("Download failed for all 15 students")  # C0030 left
    _shots(page, "review-download-failed")
