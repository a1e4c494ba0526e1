"""axe-core on every page a signed-in administrator can reach, and on the states behind buttons:
each wizard step, forms with their errors, the open menus, the results reviews. It fails on any
serious or critical violation (a screen-reader user cannot use the page, or can only barely).
The walk over every page happens on a phone's screen, where no page may scroll sideways."""

import re
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from tests.e2e.axe import axe_violations, describe
from webapp.extensions import db
from webapp.jobs import nightly_sync
from webapp.models import EnrolmentStatus

pytestmark = pytest.mark.browser
UTC = timezone.utc
# Pages of the same shape are checked once: /clients/7 stands for every client.
SAME_SHAPE = re.compile(r"\d+")
PHONE = {"width": 390, "height": 844}
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def bulk_downloaded(transferred_121, canvas, make_user):
    """A finished bulk download, so Utilities has a review to show."""
    from webapp.extensions import db
    from webapp.services.result_transfer.bulk import start_bulk_download
    from webapp.services.result_transfer.download import run_download

    canvas.set_module_state(canvas_user_of("C0025"), 907, "started")
    canvas.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    run, _ = start_bulk_download(make_user("bulk-admin").id)
    db.session.commit()
    run_download(run)
    return run


def crawl(page, live_server, start: list[str]) -> dict[str, list[str]]:
    """Follow every link of the app from `start`, one page per shape; axe each page on the way."""
    queue, seen, found = list(start), set(), {}
    while queue:
        url = queue.pop(0)
        shape = SAME_SHAPE.sub("N", urlsplit(url).path)
        if shape in seen:
            continue
        seen.add(shape)
        page.goto(url)
        found[shape] = describe(url, axe_violations(page))
        if (overflow := page.evaluate(SIDEWAYS)) > 0:
            found[shape].append(f"{url}: the page scrolls sideways by {overflow}px on a phone")
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        queue += [h.split("#")[0] for h in hrefs if h.startswith(live_server) and "/static/" not in h
                  and ".csv" not in h]  # a CSV export is a download, not a page
    return found


def test_every_page_an_administrator_reaches_passes_axe(page, browser_sign_in, live_server, bulk_downloaded):
    page.set_viewport_size(PHONE)
    page.goto("/login")
    problems = describe("/login", axe_violations(page))
    browser_sign_in("admin", "x" * 12)

    found = crawl(page, live_server, ["/", "/occurrences/121", f"/utilities/canvas-results/runs/{bulk_downloaded.id}/review"])

    # The walk must have reached the whole app, or an empty pass would prove nothing.
    for shape in ("/", "/clients/N", "/clients/new", "/occurrences/N", "/occurrences/N/enrol", "/enrolments/N",
                  "/enrolments/N/edit", "/units/N", "/manage/result-types/", "/manage/task-statuses/",
                  "/manage/lms-integrations/N", "/manage/security/roles/N", "/occurrences/N/canvas/modules",
                  "/occurrences/N/canvas/transfer", "/utilities/canvas-results/", "/utilities/canvas-results/runs/N/review",
                  "/occurrences/N/progress", "/canvas-exceptions", "/runs", "/runs/N", "/manage/audit", "/mapping-health",
                  "/occurrences/N/canvas/enrolments", "/occurrences/N/history", "/utilities/canvas-enrolments/"):
        assert shape in found, f"the walk never reached {shape}: {sorted(found)}"
    problems += [line for lines in found.values() for line in lines]
    assert not problems, "\n".join(problems)


def test_states_behind_buttons_pass_axe(page, browser_sign_in, transferred_121, canvas):
    canvas.set_module_state(canvas_user_of("C0025"), 907, "started")
    browser_sign_in("admin", "x" * 12)
    problems = []

    def check(where):
        problems.extend(describe(where, axe_violations(page)))

    page.get_by_text("Manage").click()
    expect(page.get_by_role("link", name="LMS integrations")).to_be_visible()
    check("Manage menu open")

    page.goto("/clients/new")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Please correct the marked fields")).to_be_visible()
    check("client form with errors")

    page.goto("/manage/lms-integrations/")
    page.get_by_role("button", name="Add LMS integration…").click()
    page.get_by_role("button", name="Next ›").click()
    expect(page.get_by_text("Give the integration a name.")).to_be_visible()
    check("wizard step 1 with errors")
    page.get_by_label("Name").fill("Second Canvas")
    page.get_by_role("button", name="Next ›").click()
    expect(page.get_by_role("heading", name="Canvas connection")).to_be_visible()
    check("wizard step 2")
    page.get_by_label("Canvas address").fill(canvas.url)
    page.get_by_label("Access token").fill(canvas.admin_token)
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-result")).to_contain_text("Connected")
    check("wizard step 2 after Test connection")
    page.get_by_role("button", name="Next ›").click()
    expect(page.get_by_role("heading", name="Unit results")).to_be_visible()
    check("wizard step 3")
    page.get_by_role("button", name="Next ›").click()
    expect(page.get_by_role("heading", name="Task statuses")).to_be_visible()
    check("wizard step 4")

    page.goto("/occurrences/121/canvas/transfer?select=all")
    page.get_by_role("button", name="Next ›").click()
    expect(page.get_by_role("heading", name="Transfer enrolments: what will happen")).to_be_visible()
    check("transfer preview")

    page.goto("/occurrences/121")
    page.get_by_role("button", name="Transfer results from Canvas LMS…").click()
    expect(page.get_by_text("Downloaded")).to_contain_text("for 16 students")
    check("results review with a row to save")
    page.get_by_role("button", name="Process all").first.click()
    expect(page.get_by_role("status")).to_contain_text("Saved 1 row(s).")
    check("results review after Process all")

    page.goto("/occurrences/121")
    page.get_by_role("button", name="Refresh from Canvas").click()
    expect(page.locator("#progress")).to_contain_text("Dry run")
    check("Canvas enrolments after Refresh from Canvas")
    withdrawn = db.session.scalar(select(EnrolmentStatus).where(EnrolmentStatus.name == "Withdrawn"))
    for enrolment in sorted(transferred_121.occurrence.enrolments, key=lambda e: e.id)[:12]:
        enrolment.status = withdrawn
    db.session.commit()
    nightly_sync()
    page.reload()
    expect(page.get_by_role("heading", name="Held by the mass-change guard")).to_be_visible()
    check("Canvas enrolments held by the guard")

    assert not problems, "\n".join(problems)
