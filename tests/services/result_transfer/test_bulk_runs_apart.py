"""The bulk page keeps runs apart: a new download is not shown above the processing of the one
before, as if that processing were this download's."""

from datetime import datetime, timezone

from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import JobRun
from webapp.services.result_transfer import bulk


def test_a_new_download_is_not_shown_with_the_previous_runs_processing(client, login, transferred_121, sim, work):
    login()
    sim.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc))
    client.post("/utilities/canvas-results/start")
    work()
    first = db.session.scalar(select(JobRun).where(JobRun.kind == bulk.KIND))
    client.post(f"/utilities/canvas-results/runs/{first.id}/process", data={"start_rule": "enrolment"})
    work()
    page = client.get("/utilities/canvas-results/").get_data(as_text=True)
    assert "Processing this download's results" in page and "1 saved" in page  # its own processing, with it

    client.post("/utilities/canvas-results/start", data={"mode": "full"})  # a new download, not yet worked
    page = client.get("/utilities/canvas-results/").get_data(as_text=True)
    assert "0 of 16" in page and "waiting for a worker" in page
    assert "Processing" not in page and "1 saved" not in page and "Rows:" not in page
    assert "Run history" in page  # where the earlier runs are
