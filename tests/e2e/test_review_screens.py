"""The review of results from Canvas as staff see it at 1280×800, per occurrence and in bulk: one row
per student and unit with a chip per module, no sideways scrolling; screenshots in test-results/."""

from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.canvas_fixtures import canvas_user_of

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results"
UTC = timezone.utc


def _play(canvas):
    for number in range(25, 41):
        canvas.set_module_state(canvas_user_of(f"C00{number}"), 902, "completed",
                                datetime(2026, 10, 20, 3, number, tzinfo=UTC))
    for number in range(25, 33):
        canvas.set_module_state(canvas_user_of(f"C00{number}"), 904, "started")
    canvas.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    canvas.set_module_state(canvas_user_of("C0027"), 906, "completed", datetime(2026, 11, 3, 23, 30, tzinfo=UTC))
    canvas.set_module_state(canvas_user_of("C0030"), 903, "started")


def test_the_review_of_16_students_fits_a_laptop_screen(page, browser_sign_in, transferred_121, canvas):
    _play(canvas)
    page.set_viewport_size({"width": 1280, "height": 800})
    browser_sign_in("admin", "x" * 12)
    page.goto("/occurrences/121")
    page.get_by_role("button", name="Transfer results from Canvas LMS…").click()
    expect(page.get_by_text("Downloaded")).to_contain_text("for 16 students")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / "review-per-occurrence.png")
    page.screenshot(path=SHOTS / "review-per-occurrence-full.png", full_page=True)
