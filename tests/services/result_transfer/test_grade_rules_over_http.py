"""The integration's grade rules (issue 24 point 3) over HTTP against the simulator, one test per rule:
assessors grade through Canvas's own `PUT …/submissions/:user_id`, grades are posted through the
simulator's admin API (Canvas posts only in its UI), staff set the rules on the integration wizard's
pages 3 and 4, then download, review and save on occurrence 121 as staff do. Each test fails when its
rule is taken out of the product."""

import pytest
import requests
from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import CanvasAssessment, TaskStatus
from webapp.services.integrations import wizard

from .test_grades_over_http import A1, A2, ON, TASK_1, TASK_2, _process, _task, _unit, assessed  # noqa: F401

TASK_3 = "Assessment 3 - Risk management project"
OBSERVATION, HAZARDS, RISK_MATRIX = 3005, 3008, 3009  # pass_fail on paper, points of 20, percent of 10
ASSESSMENT_1_MODULE = 904  # mapped to Assessment 1's task by name, its requirement must_submit


def put_grade(sim, assignment_id: int, code: str, grade: str) -> dict:
    """An assessor grades in Canvas through its API (reference §13.9), as the root admin's token."""
    answer = requests.put(f"{sim.url}/api/v1/courses/55/assignments/{assignment_id}/submissions/{canvas_user_of(code)}",
                          data={"submission[posted_grade]": grade}, timeout=10,
                          headers={"Authorization": f"Bearer {sim.admin_token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def post_grades(sim, assignment_id: int) -> None:
    """Release an assignment's grades, as Canvas's UI does (the simulator's admin API)."""
    assert requests.post(f"{sim.url}/sim/api/assignments/{assignment_id}/post", json={}, timeout=10).ok


def course_scheme(sim, title: str, entries: list[tuple[str, float]]) -> int:
    """A scheme made through Canvas's own endpoint (value a percentage), then chosen as course 55's
    default, as staff do in the course settings (the simulator keeps that choice in its state)."""
    data = [("title", title)]
    for name, value in entries:
        data += [("grading_scheme_entry[][name]", name), ("grading_scheme_entry[][value]", str(value))]
    made = requests.post(f"{sim.url}/api/v1/courses/55/grading_standards", data=data, timeout=10,
                         headers={"Authorization": f"Bearer {sim.admin_token}"})
    assert made.status_code == 200, made.text
    with sim.state.lock:
        sim.state.course_standard[55] = made.json()["id"]
    return made.json()["id"]


def set_rules(integration, staff, step: int, **values) -> None:
    """Staff change the integration on the wizard's page `step` and finish."""
    draft = wizard.start_draft(staff.id, integration, step=step)
    values = {k: (_status(v) if k.startswith("task_on_") and isinstance(v, str) else v) for k, v in values.items()}
    wizard.save_step(draft, step, dict(draft.data, **values))
    wizard.finish(draft, staff.id)
    db.session.commit()


def _status(name: str) -> int:
    return db.session.scalar(select(TaskStatus.id).where(TaskStatus.name == name))


def map_to(client, assignment_id: int, task_name: str) -> None:
    """Staff map the assignment to the task on the Canvas assessments page, in place of what was mapped."""
    rows = list(db.session.scalars(select(CanvasAssessment)))
    task_id = _task("C0025", task_name).task_id
    form = {f"task-{r.id}": "" if r.task_id == task_id else str(r.task_id or "") for r in rows}
    form[f"task-{next(r.id for r in rows if r.canvas_assignment_id == assignment_id)}"] = str(task_id)
    assert client.post("/occurrences/121/canvas/assessments", data=form).status_code in (200, 302)


def update_assessment_list(client) -> None:
    client.post("/occurrences/121/canvas/assessments", data={"update": "1"})


@pytest.fixture
def staff(assessed):  # noqa: F811
    from webapp.models import User

    return db.session.scalar(select(User).where(User.username == "administrator-user"))


@pytest.mark.parametrize("scheme, completed", [
    ("the course's scheme", True), ("another course scheme", False), ("Canvas's default scheme", False)])
def test_a_letter_grade_is_read_by_the_course_scheme_or_canvas_default(client, assessed, sim, scheme, completed):  # noqa: F811
    """Assessment 2 names no scheme of its own: its course's applies (named in the course JSON), else
    Canvas's default (A to F). A grade by a name the scheme Canvas now applies does not have decides
    nothing: a person does."""
    put_grade(sim, A1, "C0025", "Satisfactory")        # its own scheme: decides whatever the course's is
    put_grade(sim, A2, "C0026", "Satisfactory")        # by course 55's scheme, Satisfactory / NYS
    post_grades(sim, A2)
    if scheme == "another course scheme":
        course_scheme(sim, "Competency", [("Competent", 60), ("Not Yet Competent", 0)])
    elif scheme == "Canvas's default scheme":
        with sim.state.lock:
            sim.state.course_standard.pop(55)
    update_assessment_list(client)

    page, _ = _process(client, sim)

    assert ("The grade Satisfactory is neither Satisfactory nor Not Yet Satisfactory" in page) is not completed
    assert (_task("C0026", TASK_2).task_status.name == "Completed") is completed
    assert _task("C0025", TASK_1).task_status.name == "Completed"


def test_pass_fail_complete_is_satisfactory_and_incomplete_not_yet(client, assessed, sim):  # noqa: F811
    map_to(client, OBSERVATION, TASK_3)      # an observation checklist marked on paper
    put_grade(sim, OBSERVATION, "C0025", "complete")
    put_grade(sim, OBSERVATION, "C0026", "incomplete")

    page, _ = _process(client, sim)

    assert "Graded complete." in page and "Graded incomplete." in page
    assert _task("C0025", TASK_3).task_status.name == "Completed"
    assert _task("C0026", TASK_3).task_status.name == "In progress"
    assert _unit("C0026", "BSBWHS414").result_type.name != "Not yet competent"


def test_letter_grades_count_by_the_scheme_names_set_on_the_wizard(client, assessed, sim, staff, integration):  # noqa: F811
    course_scheme(sim, "Competency", [("Competent", 60), ("Not Yet Competent", 0)])
    set_rules(integration, staff, 3, grade_satisfactory_names="Satisfactory\nCompetent",
              grade_not_yet_names="Not Yet Satisfactory\nNot Yet Competent")
    update_assessment_list(client)
    put_grade(sim, A2, "C0025", "Competent")
    put_grade(sim, A2, "C0026", "Not Yet Competent")
    post_grades(sim, A2)

    page, _ = _process(client, sim)

    assert "Graded Competent." in page
    assert _task("C0025", TASK_2).task_status.name == "Completed"
    assert _task("C0026", TASK_2).task_status.name == "In progress"


def test_points_and_percent_are_satisfactory_from_the_pass_mark(client, assessed, sim, staff, integration):  # noqa: F811
    set_rules(integration, staff, 3, grade_pass_percent=70)
    map_to(client, HAZARDS, TASK_2)
    map_to(client, RISK_MATRIX, TASK_3)
    put_grade(sim, HAZARDS, "C0025", "14")      # 70% of 20: at the mark
    put_grade(sim, HAZARDS, "C0026", "13")      # 65%: Satisfactory by the default mark of 50, not by 70
    put_grade(sim, RISK_MATRIX, "C0025", "80%")
    put_grade(sim, RISK_MATRIX, "C0026", "60%")

    _process(client, sim)

    assert _task("C0025", TASK_2).task_status.name == "Completed"
    assert _task("C0025", TASK_3).task_status.name == "Completed"
    assert _task("C0026", TASK_2).task_status.name == "In progress"
    assert _task("C0026", TASK_3).task_status.name == "In progress"


def test_each_grade_gives_the_task_status_set_on_wizard_page_4(client, assessed, sim, staff, integration):  # noqa: F811
    set_rules(integration, staff, 4, task_on_satisfactory_status_id="Submitted",
              task_on_not_yet_status_id="Not started", task_on_submitted_status_id="In progress")
    put_grade(sim, A1, "C0025", "Satisfactory")
    put_grade(sim, A1, "C0026", "Not Yet Satisfactory")
    with sim.state.lock:   # C0027 hands Assessment 1 in; nobody has marked it yet
        from canvas_sim import grading
        grading.submit(sim.state, sim.state.assignments[A1], canvas_user_of("C0027"), "online_upload", "work")

    _process(client, sim)

    assert _task("C0025", TASK_1).task_status.name == "Submitted"
    assert _task("C0026", TASK_1).task_status.name == "Not started"
    assert _task("C0027", TASK_1).task_status.name == "In progress"


@pytest.mark.parametrize("source, graded, handed_in", [
    ("grades", "Completed", "Not started"),      # the module is not evidence at all
    ("modules", "Not started", "Completed"),     # the grade is not: the module completion is
    ("both", "Completed", "In progress")])       # the grade decides; the module says handed in
def test_the_evidence_switch_picks_grades_modules_or_both(client, assessed, sim, staff, integration,  # noqa: F811
                                                           source, graded, handed_in):
    set_rules(integration, staff, 3, evidence_source=source)
    put_grade(sim, A1, "C0025", "Satisfactory")        # Assessment 1 graded; its module untouched
    sim.set_module_state(canvas_user_of("C0026"), ASSESSMENT_1_MODULE, "completed", ON)  # handed in, unmarked

    _process(client, sim)

    assert _task("C0025", TASK_1).task_status.name == graded
    assert _task("C0026", TASK_1).task_status.name == handed_in
