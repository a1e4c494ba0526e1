"""The simulator's grading controls under /sim/: what Canvas does only in its UI or GraphQL.

Canvas posts and hides an assignment's grades, sets manual posting and enters Student View
only through its UI (and GraphQL); the simulator's page and these JSON endpoints do the same,
and also let a demo grade, excuse and hand work in without a teacher's or student's token.
Every change goes through `grading`, so it follows the same rules as Canvas's own endpoints.
"""

import json

from flask import Blueprint, render_template, request

from . import grading, grading_specs
from .admin import _answer, _course, _invalid, _payload, _row
from .models import STUDENT_TYPES
from .seeds import DEMO_GRADES
from .simulation import current_simulation
from .timefmt import to_iso

bp = Blueprint("admin_grades", __name__, url_prefix="/sim")
bp.register_error_handler(ValueError, _invalid)


def _assignment(assignment_id: int):
    return _row(current_simulation().state.assignments, assignment_id, "assignment")


@bp.get("/grades")
def page():
    """Every course's students × assignments, with each row's grade and whether it is released."""
    state = current_simulation().state
    courses = []
    for course in state.courses.values():
        assignments = state.course_assignments(course)
        students = sorted({e.user_id for e in state.enrollments.values() if e.course_id == course.id
                           and e.type in STUDENT_TYPES and e.workflow_state != "deleted"})
        rows = [(state.users[i], [state.submission(a, i) for a in assignments]) for i in students]
        courses.append((course, assignments, rows))
    return render_template("grades.html", courses=courses, actions=grading_specs.ACTIONS, message=request.args.get("message"))


@bp.post("/api/courses/<int:course_id>/assignments")
def create_assignment(course_id):
    """A seed-format assignment (any grading type, post_manually, due_at) → {"id"}."""
    state = current_simulation().state
    assignment = grading_specs.add_assignment(state, _course(state, course_id), _payload())
    return _answer({"id": assignment.id}, f"Assignment {assignment.id} created", "admin_grades.page")


@bp.patch("/api/assignments/<int:assignment_id>")
def change_assignment(assignment_id):
    """Staff in Canvas's UI: publish or unpublish, switch manual posting, move the due date."""
    assignment = _assignment(assignment_id)
    grading_specs.change_assignment(assignment, _payload())
    return _answer({"id": assignment.id, "published": assignment.published, "post_manually": assignment.post_manually,
                    "due_at": to_iso(assignment.due_at)}, f"Assignment {assignment.id} changed", "admin_grades.page")


@bp.post("/api/assignments/<int:assignment_id>/post")
def post_grades(assignment_id):
    """Post the assignment's grades, to everyone (every row) or `{"graded_only": true}`: posted_at = now."""
    graded_only = str(_payload().get("graded_only", "")).lower() in ("1", "true", "on")
    count = grading.post(current_simulation().state, _assignment(assignment_id), graded_only=graded_only)
    return _answer({"posted": count}, f"{count} grade(s) posted", "admin_grades.page")


@bp.post("/api/assignments/<int:assignment_id>/hide")
def hide_grades(assignment_id):
    """Hide the assignment's grades: posted_at goes back to null."""
    count = grading.hide(current_simulation().state, _assignment(assignment_id))
    return _answer({"hidden": count}, f"{count} grade(s) hidden", "admin_grades.page")


@bp.post("/api/assignments/<int:assignment_id>/submissions/<int:user_id>")
@bp.post("/api/grading_actions")
def act(assignment_id=None, user_id=None):
    """{"action": "submit"|"grade"|"excuse"|"unexcuse", "grade"?, "grader_id"?, "submission_type"?, "at"?}
    (the page's form also sends "assignment_id" and "user_id"): a student hands work in (again), or
    an assessor grades or excuses it."""
    state = current_simulation().state
    spec = _payload()
    assignment = _assignment(int(assignment_id or spec.get("assignment_id") or 0))
    user_id = int(user_id or spec.get("user_id") or 0)
    row = grading_specs.act(state, assignment, user_id, spec)
    return _answer({"id": row.id, "workflow_state": row.workflow_state, "grade": row.grade, "attempt": row.attempt,
                    "posted_at": to_iso(row.posted_at)},
                   f"{spec['action'].capitalize()}: {state.users[user_id].name}, {assignment.name}", "admin_grades.page")


@bp.post("/api/submissions")
def replay():
    """Seed-format submission specs (one or a list), replayed in Canvas's order (see grading_specs)."""
    state = current_simulation().state
    specs = _payload() if request.is_json else {}
    rows = grading_specs.apply_submissions(state, specs if isinstance(specs, list) else [specs])
    return _answer({"ids": [row.id for row in rows]}, f"{len(rows)} submission(s) replayed", "admin_grades.page")


@bp.post("/api/courses/<int:course_id>/demo_grades")
def demo_grades(course_id):
    """The demo class's grades (seeds/demo_grades.json): released, unreleased, resubmitted, excused
    and late-deducted rows. Rows of students not enrolled yet (transfer them first) are skipped and named."""
    state = current_simulation().state
    _course(state, course_id)
    ready, skipped = [], []
    for spec in json.loads(DEMO_GRADES.read_text(encoding="utf-8")):
        assignment = state.assignments.get(spec["assignment_id"])
        if assignment is None or assignment.course_id != course_id:
            continue
        try:
            grading_specs.target(state, spec)
            ready.append(spec)
        except ValueError:
            skipped.append(spec["sis_user_id"])
    rows = grading_specs.apply_submissions(state, ready)
    not_enrolled = sorted(set(skipped))
    return _answer({"ids": [row.id for row in rows], "not_enrolled": not_enrolled},
                   f"Demo grades given ({len(rows)} rows)" + (f"; not enrolled yet: {', '.join(not_enrolled)}"
                                                              if not_enrolled else ""), "admin_grades.page")


@bp.post("/api/courses/<int:course_id>/test_student")
def test_student(course_id):
    """A teacher enters Student View: the course's Test Student, enrolled in every section."""
    state = current_simulation().state
    user = grading_specs.test_student(state, _course(state, course_id))
    return _answer({"user_id": user.id, "enrollment_ids": sorted(e.id for e in state.enrollments.values()
                                                                 if e.user_id == user.id)},
                   f"Test Student {user.id} enrolled", "admin_grades.page")


@bp.post("/api/courses/<int:course_id>/late_policy")
def late_policy(course_id):
    """{"deduction": percent per interval, "interval": "day"|"hour", "minimum": percent or null}."""
    state = current_simulation().state
    _course(state, course_id)
    spec = _payload()
    grading_specs.add_course_grading(state, state.courses[course_id], {"late_policy": spec})
    return _answer({"course_id": course_id, **spec}, "Late policy saved", "admin_grades.page")
