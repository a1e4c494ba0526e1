"""A download reads each occurrence's grades beside the module states without holding up the rest
(issue 24 point 6): while Canvas is slow with one section's grades the other occurrences' students are
staged, each student is staged with their own section's grades, and nothing is asked of Canvas twice."""

import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of, link_and_transfer
from webapp.extensions import db
from webapp.models import Enrolment, ModuleStateDownload
from webapp.services.canvas import CanvasClient
from webapp.services.result_transfer import downloader
from webapp.services.result_transfer.bulk import start_bulk_download
from webapp.services.result_transfer.download import run_download

from .test_grades_over_http import A1, act

ASSIGNMENTS = "GET /api/v1/courses/:course_id/assignments"
SUBMISSIONS = "GET /api/v1/sections/:section_id/students/submissions"
USER = "GET /api/v1/users/:id"
MODULE_STATES = "GET /api/v1/courses/:course_id/modules"


@pytest.fixture
def two_sections(client, login, transferred_121, integration, sim, make_occurrence, make_client, enrol_client,
                 make_user):
    """Occurrence 121 and an evening class taught in the same Canvas course (its own section), both with
    their assessments mapped to tasks as staff leave them; grades decide units."""
    login()
    integration.evidence_source = "grades"
    db.session.commit()
    with sim.state.lock:
        course = sim.state.courses[transferred_121.canvas_course_id]
        sim.state.add_section(course, {"name": "WHS Cert IV - Evening", "sis_section_id": "122"})
    evening = make_occurrence(122, name="WHS Cert IV - Evening",
                              tasks=("Assessment 1 - WHS policies and compliance",))
    for n in range(2):
        enrol_client(evening, make_client(code=f"E{n:04d}", email=f"evening{n}@student.example.edu.au"))
    link_and_transfer(evening, integration, make_user("evening-admin"))
    for occurrence_id in (121, 122):
        client.post(f"/occurrences/{occurrence_id}/canvas/assessments", data={"update": "1"})
    return transferred_121


def _grades_of(code: str, run_id: int) -> dict:
    staged = db.session.scalar(select(ModuleStateDownload).where(
        ModuleStateDownload.canvas_user_id == canvas_user_of(code), ModuleStateDownload.run_id == run_id))
    assert staged.states is not None and staged.error is None
    return {row["assignment_id"]: row["grade"] for row in staged.grades["rows"]}


def test_while_one_sections_grades_are_slow_the_other_students_are_staged_with_theirs(two_sections, sim, monkeypatch):
    act(sim, A1, "C0025", "Satisfactory")
    act(sim, A1, "E0001", "Not Yet Satisfactory")
    evening = set(db.session.scalars(select(Enrolment.id).where(Enrolment.occurrence_id == 122)))
    others_staged, staged = threading.Event(), set()
    waited: list[bool] = []
    slow_section = two_sections.canvas_section_id

    real_submissions = CanvasClient.section_submissions

    def slow_for_121(canvas, section_id, *args, **kwargs):
        if section_id == slow_section:  # Canvas is slow with this one section's grades
            waited.append(others_staged.wait(timeout=10))
        return real_submissions(canvas, section_id, *args, **kwargs)

    real_record = downloader.record_items

    def record(run, items):
        real_record(run, items)
        staged.update(item.key for item in items)  # the enrolment
        if evening <= staged:
            others_staged.set()

    monkeypatch.setattr(CanvasClient, "section_submissions", slow_for_121)
    monkeypatch.setattr(downloader, "record_items", record)
    before = Counter(sim.counters()["requests"])
    run, _ = start_bulk_download(None)
    db.session.commit()
    run_download(run)
    made = Counter(sim.counters()["requests"]) - before

    assert waited == [True], "the evening class waited for occurrence 121's grades"
    assert (run.status, run.done, run.failed) == ("finished", 18, 0)
    assert _grades_of("C0025", run.id)[A1] == "Satisfactory"
    assert _grades_of("E0001", run.id)[A1] == "Not Yet Satisfactory"
    assert _grades_of("C0026", run.id)[A1] is None and _grades_of("E0000", run.id)[A1] is None
    # One course's assignments once for both sections, each section's grades once, the assessor's name once.
    assert (made[ASSIGNMENTS], made[SUBMISSIONS], made[USER], made[MODULE_STATES]) == (1, 2, 1, 18)


def test_an_incremental_run_stages_the_unchanged_students_with_their_grades_as_they_are_now(two_sections, sim):
    first, _ = start_bulk_download(None)
    db.session.commit()
    run_download(first)
    act(sim, A1, "C0025", "Satisfactory", submit=False, at=datetime(2026, 11, 13, 3, tzinfo=UTC))  # no module moved

    before = Counter(sim.counters()["requests"])
    run, _ = start_bulk_download(None, incremental=True)
    db.session.commit()
    run_download(run)
    made = Counter(sim.counters()["requests"]) - before

    assert (run.status, run.done, run.failed) == ("finished", 18, 0)
    assert made[MODULE_STATES] == 0  # every student unchanged in Canvas's counters
    assert _grades_of("C0025", run.id)[A1] == "Satisfactory"
