"""The oversight pages in a browser on the demo data after a transfer and a download (issue 14)."""

import os
from datetime import datetime, timezone

from playwright.sync_api import expect

from tests.canvas_fixtures import canvas_user_of

UTC = timezone.utc
SHOTS = os.environ.get("CANVASLINK_SHOTS")  # a folder: also save screenshots there


def _shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def test_progress_exceptions_and_runs_in_a_browser(page, browser_sign_in, transferred_121, canvas, make_user):
    from webapp.extensions import db
    from webapp.services.result_transfer.download import run_download, start_download

    canvas.set_module_state(canvas_user_of("C0025"), 907, "started")
    canvas.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    canvas.set_module_state(canvas_user_of("C0027"), 906, "completed", datetime(2026, 11, 3, 23, 30, tzinfo=UTC))
    run, _ = start_download(transferred_121, make_user("downloader").id)
    db.session.commit()
    run_download(run)
    browser_sign_in("admin", "x" * 12)

    for size, suffix in (({"width": 1280, "height": 800}, "1280"), ({"width": 390, "height": 844}, "390")):
        page.set_viewport_size(size)
        page.goto("/occurrences/121/progress")
        expect(page.get_by_role("heading", name="Progress in Canvas")).to_be_visible()
        _shot(page, f"progress-{suffix}.png")
        page.goto("/canvas-exceptions")
        expect(page.locator("#exceptions")).to_contain_text("Completed in Canvas, no result saved")
        _shot(page, f"exceptions-{suffix}.png")
        page.goto("/runs")
        expect(page.locator("#runs")).to_contain_text("Result download")
        _shot(page, f"runs-{suffix}.png")

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/occurrences/121/progress")
    completed = page.locator('button.pcell[data-state="completed"]').first
    completed.focus()
    tip = page.locator(".ptip", has=page.locator("strong")).filter(visible=True).first
    expect(tip).to_contain_text("Completed in Canvas")
    expect(tip).to_contain_text("completed 0")  # the module's completion time, dd/mm/yyyy
    _shot(page, "progress-focus-1280.png")
    expect(page.get_by_text("1 of 16 completed").first).to_be_visible()
    page.get_by_role("link", name=page.locator("tbody th a").first.inner_text()).first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "/enrolments/" in page.url

    page.goto("/manage/audit")
    expect(page.locator("#audit")).to_contain_text("Linked")
    _shot(page, "audit-1280.png")
    page.goto("/mapping-health")
    expect(page.get_by_role("heading", name="Mapping health")).to_be_visible()
    _shot(page, "mapping-health-1280.png")
