"""Incremental result downloads: Canvas's course-level counters (bulk_user_progress, reference
§3.2) decide who is read again; what they cannot see is refreshed after a week."""

from collections import Counter
from datetime import datetime, timedelta, timezone

import requests
from sqlalchemy import select, update

from tests.canvas_fixtures import canvas_user_of, link_and_transfer
from webapp.extensions import db
from webapp.models import CanvasProgress, JobRun, ModuleStateDownload
from webapp.services.result_transfer.bulk import start_bulk_download
from webapp.services.result_transfer.download import run_download

MODULE_STATES = "GET /api/v1/courses/:course_id/modules"
BULK_PROGRESS = "GET /api/v1/courses/:course_id/bulk_user_progress"
UTC = timezone.utc


def _download(sim, *, incremental: bool) -> tuple[JobRun, Counter]:
    before = Counter(sim.counters()["requests"])
    run, _ = start_bulk_download(None, incremental=incremental)
    db.session.commit()
    run_download(run)
    return run, Counter(sim.counters()["requests"]) - before


def _staged(run: JobRun) -> set[tuple]:
    rows = db.session.scalars(select(ModuleStateDownload).where(ModuleStateDownload.run_id == run.id)).all()
    assert [r.error for r in rows if r.error] == []
    return {(r.enrolment_id, s["id"], s["state"], s["completed_at"]) for r in rows for s in r.states}


def test_an_incremental_download_reads_only_the_students_who_progressed(transferred_121, sim):
    _download(sim, incremental=False)
    sim.set_module_state(canvas_user_of("C0025"), 902, "completed", datetime(2026, 10, 20, 3, tzinfo=UTC))
    sim.set_module_state(canvas_user_of("C0027"), 903, "started")

    incremental, made = _download(sim, incremental=True)
    full, _ = _download(sim, incremental=False)

    assert made == {BULK_PROGRESS: 1, MODULE_STATES: 2}
    assert (incremental.status, incremental.done, incremental.failed) == ("finished", 16, 0)
    assert _staged(incremental) == _staged(full)
    assert (902, "completed", "2026-10-20T03:00:00+00:00") in {row[1:] for row in _staged(incremental)}


def test_states_older_than_a_week_are_read_again_though_the_counters_did_not_move(transferred_121, sim):
    _download(sim, incremental=False)
    db.session.execute(update(CanvasProgress).values(
        states_fetched_at=datetime.now(UTC).replace(tzinfo=None) - timedelta(days=8)))
    db.session.commit()

    _, made = _download(sim, incremental=True)

    assert made == {BULK_PROGRESS: 1, MODULE_STATES: 16}


def test_bulk_user_progress_counts_requirements_as_canvas_does(transferred_121, sim):
    student = canvas_user_of("C0025")
    course_id = transferred_121.canvas_course_id
    headers = {"Authorization": f"Bearer {sim.admin_token}"}

    def progress_of(user_id: int) -> dict:
        answer = requests.get(f"{sim.url}/api/v1/courses/{course_id}/bulk_user_progress",
                              params={"per_page": 100}, headers=headers, timeout=10)
        assert answer.status_code == 200
        return next(u["progress"] for u in answer.json() if u["id"] == user_id)

    before = progress_of(student)
    sim.set_module_state(student, 902, "completed", datetime(2026, 10, 20, 3, tzinfo=UTC))
    after = progress_of(student)

    assert before["requirement_count"] == after["requirement_count"] > 0
    assert after["requirement_completed_count"] > before["requirement_completed_count"]
    assert set(after) == {"requirement_count", "requirement_completed_count", "next_requirement_url",
                          "completed_at"}

    with sim.state.lock:  # a course without completion requirements has no progress to report
        for module in sim.state.modules.values():
            if module.course_id == course_id:
                for item in module.items:
                    item.requirement = None
    refused = requests.get(f"{sim.url}/api/v1/courses/{course_id}/bulk_user_progress", headers=headers,
                           timeout=10)
    assert refused.status_code == 400
    assert refused.json()["error"]["message"].startswith("No progress available because this course is not module")


def test_staff_choose_what_changed_or_a_full_download_on_the_bulk_page(client, login, transferred_121):
    login()
    page = client.get("/utilities/canvas-results/").get_data(as_text=True)
    assert "Download what changed" in page and "Full download" in page

    client.post("/utilities/canvas-results/start", data={"mode": "incremental"})

    run = db.session.scalar(select(JobRun).order_by(JobRun.id.desc()))
    assert run.params["incremental"] is True


def test_a_full_download_after_another_replaces_each_students_progress_row(transferred_121, sim):
    first, _ = _download(sim, incremental=False)
    sim.set_module_state(canvas_user_of("C0025"), 902, "completed", datetime(2026, 10, 20, 3, tzinfo=UTC))

    second, _ = _download(sim, incremental=False)  # reads no progress rows, yet finds them there

    assert (second.status, second.done, second.failed) == ("finished", 16, 0)
    assert len(_staged(second)) == len(_staged(first))
    rows = db.session.scalars(select(CanvasProgress)).all()
    assert len(rows) == 16
    kept = {(s["id"], s["state"]) for row in rows for s in row.states}
    assert (902, "completed") in kept


def test_occurrences_that_are_sections_of_one_course_share_its_progress_list(
        transferred_121, sim, make_occurrence, make_client, enrol_client, make_user):
    """A second class taught in the same Canvas course (its own section): one progress list serves both."""
    with sim.state.lock:
        course = sim.state.courses[transferred_121.canvas_course_id]
        sim.state.add_section(course, {"name": "WHS Cert IV - Evening", "sis_section_id": "122"})
    evening = make_occurrence(122, name="WHS Cert IV - Evening")
    for n in range(2):
        enrol_client(evening, make_client(code=f"E{n:04d}", email=f"evening{n}@student.example.edu.au"))
    link_and_transfer(evening, transferred_121.integration, make_user("evening-admin"))
    _download(sim, incremental=False)

    incremental, made = _download(sim, incremental=True)

    assert (incremental.status, incremental.done, incremental.failed) == ("finished", 18, 0)
    assert made == {BULK_PROGRESS: 1}  # nobody progressed: no student read again
