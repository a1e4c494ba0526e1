"""The bulk review's filters count and choose over every page, not just the one shown (issue 21 §8)."""

import re
from datetime import datetime, timezone

from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import JobRun
from webapp.services.result_transfer import bulk

UTC = timezone.utc


def test_the_filters_count_and_list_rows_of_every_page(client, login, transferred_121, sim, work, monkeypatch):
    monkeypatch.setattr(bulk, "PAGE_SIZE", 5)  # 16 students: four pages
    login()
    # Matilda Scott (C0027) comes late by name: on the last page.
    sim.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    sim.set_module_state(canvas_user_of("C0027"), 906, "completed", datetime(2026, 11, 3, 23, 30, tzinfo=UTC))
    client.post("/utilities/canvas-results/start")
    work()
    run = db.session.scalar(select(JobRun).where(JobRun.kind == bulk.KIND))
    url = f"/utilities/canvas-results/runs/{run.id}/review?start_rule=enrolment"

    first = client.get(url).get_data(as_text=True)
    assert "Page 1 of 4 · 16 in all" in first and "Matilda Scott" not in first
    counts = dict(re.findall(r'>([A-Za-z ]+) <span class="count">(\d+)</span>', first))
    assert int(counts["To save"]) == 2  # her unit and her task, counted from page 1

    to_save = client.get(f"{url}&show=change").get_data(as_text=True)
    assert "Matilda Scott" in to_save and to_save.count('<tbody class="student">') == 1
    assert "1 in all" in to_save and "Page 1 of" not in to_save  # one student to save: one page
    rows = sum(int(n) for n in counts.values()) - int(counts["Every row"])
    assert rows == int(counts["Every row"])  # the kinds add up to every row of every page
