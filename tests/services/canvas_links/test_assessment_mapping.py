"""Canvas assessments: a linked course's assignments matched to the occurrence's tasks by name or code,
kept by the modules' rules (a deliberate "not mapped" stays, renames shown, unpublished or ungraded
flagged and never evidence)."""

import pytest
import responses
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AuditEntry, CanvasAssessment, Task
from webapp.services.canvas_links.assessments import evidence_assessments


def _assignment(assignment_id, name, **fields):
    return {"id": assignment_id, "name": name, "published": True, "grading_type": "letter_grade",
            "points_possible": 100, "grading_standard_id": None, "submission_types": ["online_upload"],
            "post_manually": False, **fields}


COURSE = [_assignment(301, "Assessment 1 - WHS policies and compliance"),
          _assignment(302, "AT2 Consultation and participation", grading_type="pass_fail"),
          _assignment(303, "Assessment 3 - Risk management project", published=False),
          _assignment(304, "Assessment 4 - Incident response and WHS systems", grading_type="not_graded"),
          _assignment(305, "Reading quiz", grading_type="points")]


@pytest.fixture
def canvas_assignments(sim):
    """The simulator for everything but the course's assignment list, which each test sets."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(sim.url + "/api/v1/sections")
        mock.add_passthru(sim.url + "/api/v1/courses/55?")
        mock.add_passthru(sim.url + "/api/v1/courses/55")

        yield lambda assignments: mock.upsert(responses.GET, sim.url + "/api/v1/courses/55/assignments",
                                              json=assignments)


def _rows():
    db.session.expire_all()
    return {row.canvas_assignment_id: row for row in db.session.scalars(select(CanvasAssessment))}


def _tasks():
    return {t.name: t.id for t in db.session.scalars(select(Task).where(Task.occurrence_id == 121))}


def _form(rows, **changed):
    form = {f"task-{row.id}": str(row.task_id or "") for row in rows.values()}
    form |= {f"version-{row.id}": str(row.version) for row in rows.values()}
    return form | changed


def test_assignments_are_matched_to_tasks_by_name_or_code_and_flagged(client, login, demo, integration,
                                                                      canvas_assignments):
    login()
    client.post("/occurrences/121/canvas/link", data={"integration_id": integration.id})
    canvas_assignments(COURSE)

    client.post("/occurrences/121/canvas/assessments", data={"update": "1"})

    rows, tasks = _rows(), _tasks()
    assert rows[301].task_id == tasks["Assessment 1 - WHS policies and compliance"] and rows[301].task_auto
    assert rows[302].task_id == tasks["Assessment 2 - Consultation and participation"]  # "AT2" as modules read it
    assert rows[305].task_id is None
    # Mapped by name, yet unpublished or ungraded: flagged and never read for evidence.
    assert {row.canvas_assignment_id for row in evidence_assessments(rows[301].link)} == {301, 302}
    page = client.get("/occurrences/121/canvas/assessments").get_data(as_text=True)
    assert "Unpublished in Canvas: never evidence" in page and "Not graded in Canvas: never evidence" in page


def test_not_mapped_stays_and_a_rename_is_shown(client, login, demo, integration, canvas_assignments):
    login()
    client.post("/occurrences/121/canvas/link", data={"integration_id": integration.id})
    canvas_assignments(COURSE)
    client.post("/occurrences/121/canvas/assessments", data={"update": "1"})
    rows = _rows()

    client.post("/occurrences/121/canvas/assessments", data=_form(rows, **{f"task-{rows[301].id}": ""}))
    renamed = [dict(a, name="AT2 Consultation (revised)") if a["id"] == 302 else a for a in COURSE]
    canvas_assignments(renamed)
    client.post("/occurrences/121/canvas/assessments", data={"update": "1"})

    rows = _rows()
    assert (rows[301].task_id, rows[301].task_auto) == (None, False)  # a person's "not mapped" stays
    assert rows[302].task_id == _tasks()["Assessment 2 - Consultation and participation"]  # kept over the rename
    page = client.get("/occurrences/121/canvas/assessments").get_data(as_text=True)
    assert "renamed from “AT2 Consultation and participation”" in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "assessment_mapping"))
    assert entry.changes == {"Assessment 1 - WHS policies and compliance": [
        "Assessment 1 - WHS policies and compliance", "not mapped"]}


def test_a_viewer_sees_the_mapping_but_cannot_change_it(client, login, demo, integration, canvas_assignments):
    login()
    client.post("/occurrences/121/canvas/link", data={"integration_id": integration.id})
    canvas_assignments(COURSE)
    client.post("/occurrences/121/canvas/assessments", data={"update": "1"})
    login("Read only")

    page = client.get("/occurrences/121/canvas/assessments").get_data(as_text=True)

    assert "Save mappings" not in page and "Update Canvas assessment list" not in page
    assert client.post("/occurrences/121/canvas/assessments", data={"update": "1"}).status_code == 403
