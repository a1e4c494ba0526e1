"""Assessment grades for occurrence 121 through the simulator over HTTP (issue 24): one test per rule and
per quirk of reference §13 — each fails when its rule is taken out."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from canvas_sim import grading, grading_specs
from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import CanvasAssessment, EnrolmentTask, ModuleStateDownload, ResultProvenance, TrainingPlanUnit, Unit
from webapp.services.integrations.connection import canvas_client
from webapp.services.oversight.exceptions import exception_list

from .test_result_transfer import _download, _review_form

A1, A2, A3, A4, UNPUBLISHED = 3001, 3002, 3003, 3004, 3007
ON = datetime(2026, 11, 12, 3, tzinfo=UTC)  # 12/11/2026 in Sydney, before A1's due date


@pytest.fixture
def assessed(client, login, transferred_121, integration, sim):
    """Occurrence 121 with its assessments mapped by name, as staff leave them; grades decide units."""
    login()
    integration.evidence_source = "grades"
    db.session.commit()
    client.post("/occurrences/121/canvas/assessments", data={"update": "1"})
    return transferred_121


def act(sim, assignment_id, code, grade=None, *, submit=True, at=ON, excuse=False, post=False):
    """What a student and their assessor do in Canvas."""
    state = sim.state
    with state.lock:
        assignment, user_id = state.assignments[assignment_id], canvas_user_of(code)
        grader = grading_specs.root_admin(state)
        if submit:
            grading.submit(state, assignment, user_id, assignment.submission_types[0], "work", at)
        if excuse:
            grading.excuse(state, assignment, user_id, grader, True, at)
        elif grade is not None:
            grading.grade(state, assignment, user_id, grade, grader, at)
        if post:
            grading.post(state, assignment, at)


def _task(code, name_start) -> EnrolmentTask:
    from webapp.models import Client, Enrolment

    return db.session.scalar(select(EnrolmentTask).join(Enrolment).join(Client)
                             .where(Client.code == code, Enrolment.occurrence_id == 121,
                                    EnrolmentTask.task.has(name=name_start)))


def _unit(code, unit_code) -> TrainingPlanUnit:
    from webapp.models import Client, Enrolment

    return db.session.scalar(select(TrainingPlanUnit).join(Enrolment).join(Client).join(Unit)
                             .where(Client.code == code, Unit.code == unit_code, Enrolment.occurrence_id == 121))


def _process(client, sim):
    run_url = _download(client)
    page = client.get(run_url + "?start_rule=enrolment").get_data(as_text=True)
    done = client.post(run_url, data=_review_form(page) | {"start_rule": "enrolment", "start_date": ""})
    db.session.expire_all()
    return page, done.get_data(as_text=True)


TASK_1 = "Assessment 1 - WHS policies and compliance"
TASK_2 = "Assessment 2 - Consultation and participation"
TASK_4 = "Assessment 4 - Incident response and WHS systems"


def test_a_released_satisfactory_grade_completes_the_task_and_its_units_with_provenance(client, assessed, sim):
    act(sim, A1, "C0025", "Satisfactory")

    page, _ = _process(client, sim)

    assert "Decided by the assessor’s grade" in page and "Satisfactory · 12/11/2026" in page
    task = _task("C0025", TASK_1)
    assert (task.task_status.name, task.status_date) == ("Completed", date(2026, 11, 12))
    unit = _unit("C0025", "BSBWHS411")  # Assessment 1 completes BSBWHS411 and BSBWHS412
    assert (unit.result_type.name, unit.result_end) == ("Competent", date(2026, 11, 12))
    saved = db.session.scalar(select(ResultProvenance).where(ResultProvenance.plan_unit_id == unit.id))
    assert (saved.canvas_assignment, saved.canvas_grade, saved.canvas_attempt) == (TASK_1, "Satisfactory", 1)
    assert saved.canvas_grader_id == grading_specs.root_admin(sim.state) and saved.canvas_grader_name
    assert saved.canvas_posted_at == saved.canvas_graded_at == ON.replace(tzinfo=None)
    where = client.get(f"/enrolments/{unit.enrolment_id}/provenance/{saved.id}").get_data(as_text=True)
    assert f"{TASK_1}: <strong>Satisfactory</strong>, attempt 1; assessor {saved.canvas_grader_name}" in where
    assert "released 12/11/2026" in where


def test_a_result_a_grade_decided_is_no_canvas_exception_whatever_the_modules_say(client, assessed, sim):
    """Work marked on paper: the assessor grades in Canvas with nothing handed in, so the module stays
    unfinished. Canvas exceptions compare modules with saved results; one the grade decided is no mismatch."""
    act(sim, A1, "C0025", "Satisfactory", submit=False)

    _process(client, sim)

    assert _task("C0025", TASK_1).task_status.name == "Completed"
    flagged = [row.detail for row in exception_list(121, "saved_not_started") if "C0025" in row.student]
    assert not [d for d in flagged if d.startswith((TASK_1, "BSBWHS411", "BSBWHS412"))], flagged


def test_an_unposted_grade_is_no_evidence_until_it_is_released(client, assessed, sim):
    act(sim, A2, "C0026", "Satisfactory")  # Assessment 2 is posted by hand

    page, _ = _process(client, sim)

    assert "not released" in page
    assert _task("C0026", TASK_2).task_status.name != "Completed"
    with sim.state.lock:
        grading.post(sim.state, sim.state.assignments[A2])
    _process(client, sim)
    assert _task("C0026", TASK_2).task_status.name == "Completed"


def test_an_excused_submission_is_left_for_a_person(client, assessed, sim):
    act(sim, A1, "C0029", excuse=True)

    page, _ = _process(client, sim)

    assert "excused" in page and "Excused in Canvas: never evidence; a person decides." in page
    assert _task("C0029", TASK_1).task_status.name == "In progress"  # under way, never completed by it
    assert _unit("C0029", "BSBWHS411").result_type.name == "Continuing enrolment"


def test_a_late_deducted_letter_grade_counts_as_the_assessor_entered_it(client, assessed, sim):
    act(sim, A1, "C0030", "Satisfactory", at=datetime(2026, 11, 18, 3, tzinfo=UTC))  # 3 days late: 75% off
    with sim.state.lock:
        row = sim.state.submission(sim.state.assignments[A1], canvas_user_of("C0030"))
        assert (row.entered_grade, row.grade) == ("Satisfactory", "Not Yet Satisfactory")

    _process(client, sim)

    assert _task("C0030", TASK_1).task_status.name == "Completed"


def test_placeholder_rows_are_no_submission(client, assessed, sim):
    act(sim, A1, "C0025", "Satisfactory")

    _process(client, sim)

    staged = db.session.scalar(select(ModuleStateDownload).where(
        ModuleStateDownload.canvas_user_id == canvas_user_of("C0031")))
    assert {r["workflow_state"] for r in staged.grades["rows"]} == {"unsubmitted"}  # every assigned student has one
    assert _task("C0031", TASK_1).task_status.name == "Not started"


def test_a_resubmission_awaits_marking_and_not_yet_satisfactory_leaves_the_unit_in_progress(client, assessed, sim):
    act(sim, A1, "C0027", "Not Yet Satisfactory")
    _process(client, sim)
    assert _task("C0027", TASK_1).task_status.name == "In progress"
    assert _unit("C0027", "BSBWHS411").result_type.name == "Continuing enrolment"  # never Not yet competent

    act(sim, A1, "C0027", at=datetime(2026, 11, 14, 3, tzinfo=UTC))
    page, _ = _process(client, sim)
    assert "Resubmitted (attempt 2): awaiting marking." in page
    task = _task("C0027", TASK_1)
    assert task.task_status.name == "Submitted"
    # The status rests on the new attempt: the grade Canvas keeps from attempt 1 is not recorded as its basis.
    saved = db.session.scalar(select(ResultProvenance).where(ResultProvenance.enrolment_task_id == task.id)
                              .order_by(ResultProvenance.id.desc()).limit(1))
    assert (saved.canvas_assignment, saved.canvas_grade, saved.canvas_attempt) == (TASK_1, None, 2)
    where = client.get(f"/enrolments/{task.enrolment_id}/provenance/{saved.id}").get_data(as_text=True)
    assert f"{TASK_1}: handed in, attempt 2; awaiting marking" in where


def test_the_test_student_is_never_staged(client, assessed, sim):
    with sim.state.lock:
        tester = grading_specs.test_student(sim.state, sim.state.courses[55])
        grading.submit(sim.state, sim.state.assignments[A1], tester.id, "online_upload", "x", ON)

    _process(client, sim)

    staged = db.session.scalars(select(ModuleStateDownload.canvas_user_id)).all()
    assert len(staged) == 16 and tester.id not in staged


def test_an_account_level_scheme_is_found_on_the_account(client, assessed, sim):
    act(sim, A4, "C0025", "Satisfactory")  # Assessment 4's scheme belongs to the Demo RTO account

    _process(client, sim)

    assert _task("C0025", TASK_4).task_status.name == "Completed"


def test_an_unpublished_assignment_is_flagged_and_never_asked_for(client, assessed, sim):
    rows = {r.canvas_assignment_id: r for r in db.session.scalars(select(CanvasAssessment))}
    form = {f"task-{r.id}": str(r.task_id or "") for r in rows.values()}
    form[f"task-{rows[UNPUBLISHED].id}"] = str(_task("C0025", TASK_1).task_id)
    client.post("/occurrences/121/canvas/assessments", data=form)
    with sim.state.lock:
        sim.state.assignments[A3].published = False  # unpublished in Canvas since the list was read
    act(sim, A1, "C0025", "Satisfactory")

    page, _ = _process(client, sim)

    # Canvas refuses the whole students/submissions call for an unpublished id (403): the others are read.
    assert "Grades could not be read" not in page
    assert _task("C0025", TASK_1).task_status.name == "Completed"
    assert "Unpublished in Canvas: never evidence" in client.get("/occurrences/121/canvas/assessments").get_data(
        as_text=True)


def test_grouped_answers_come_a_student_at_a_time_whatever_grouped_says(assessed, integration, sim):
    with canvas_client(integration) as canvas:
        students = canvas.section_submissions(87, [A1, A3])

    assert len(students) == 16 and all(len(s.submissions) == 2 for s in students)


def test_more_than_100_students_are_read_a_page_of_100_at_a_time(assessed, integration, sim):
    with sim.state.lock:
        section = sim.state.sections[87]
        for number in range(110):
            user = sim.state.add_user(f"Extra Student {number}")
            sim.state.add_enrollment(user, section, "StudentEnrollment", "active")

    with canvas_client(integration) as canvas:
        students = canvas.section_submissions(87, [A1])

    assert len(students) == 126 and len({s.user_id for s in students}) == 126


def test_the_progress_picture_shows_students_by_assessments_released_or_draft(client, assessed, sim):
    act(sim, A1, "C0025", "Satisfactory")
    act(sim, A2, "C0025", "Not Yet Satisfactory")  # posted by hand: a draft until then
    _download(client)

    page = client.get("/occurrences/121/progress/grades").get_data(as_text=True)

    row = page[page.index("C0025"):]
    row = row[:row.index("</tr>")]
    satisfactory, not_yet = row.index(">Satisfactory"), row.index(">Not Yet Satisfactory")
    assert satisfactory < row.index(">released<") < not_yet < row.index(">draft<")
    assert "Grades view: students × assessments" in client.get("/occurrences/121/progress").get_data(as_text=True)


def test_the_cli_and_nightly_run_save_from_released_grades_only(app, assessed, sim):
    act(sim, A1, "C0025", "Satisfactory")
    act(sim, A2, "C0026", "Satisfactory")  # a draft until posted

    result = app.test_cli_runner().invoke(args=["canvas", "pull-results", "--all", "--process",
                                                "--start-rule", "enrolment"])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _unit("C0025", "BSBWHS411").result_type.name == "Competent"
    assert _task("C0026", TASK_2).task_status.name != "Completed"
    assert _unit("C0026", "BSBWHS413").result_type.name != "Competent"
    saved = db.session.scalar(select(ResultProvenance).where(
        ResultProvenance.plan_unit_id == _unit("C0025", "BSBWHS411").id))
    assert saved.canvas_grade == "Satisfactory" and saved.processed_by_id is None


def test_grades_canvas_refused_are_named_on_the_review_and_modules_still_count(client, assessed, sim, monkeypatch):
    from webapp.services.canvas import CanvasClient, PermissionDenied

    def refused(self, section_id, assignment_ids, **_):
        raise PermissionDenied("Canvas refused the submissions of section 87 (403)", status=403)

    monkeypatch.setattr(CanvasClient, "section_submissions", refused)
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")

    page, _ = _process(client, sim)

    assert "Grades could not be read: Canvas refused the submissions of section 87 (403)" in page
    assert db.session.scalar(select(ModuleStateDownload).where(
        ModuleStateDownload.canvas_user_id == canvas_user_of("C0025"))).states  # the module states were staged
