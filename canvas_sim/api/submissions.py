"""Submissions (reference §13.1-§13.4, §13.9): read many students' rows, grade, excuse, hand in.

Sources: submissions_api_controller.rb (for_students, update), submissions_controller.rb
(create), lib/api/v1/submission.rb (what a caller who may not read the grade is sent).
"""

import re

from flask import Blueprint, g, jsonify

from .. import errors, grading, rights
from ..models import STUDENT_TYPES, Assignment, Course, Enrollment, Section
from ..pagination import MAX_PER_PAGE, paginate, paginate_bookmarked
from ..params import bool_param, list_param, param, params
from ..serializers import submission_json
from ..simulation import current_simulation
from ..state import State
from ..timefmt import parse_iso

bp = Blueprint("submissions", __name__)

# Api::ISO8601_REGEX: a full date and time, the zone optional (then read in the caller's zone; here UTC).
_ISO8601 = re.compile(r"^\d{4}-(1[0-2]|0[1-9])-(3[01]|0[1-9]|[12]\d)T(2[0-3]|[01]\d):[0-5]\d:(60|[0-5]\d)"
                      r"(\.\d+)?(Z|[+-](1[0-4]|0\d):?[0-5]\d)?$")
_CURRENT = ("active", "invited", "creation_pending")


def _student_enrollments(state: State, course: Course, section: Section | None) -> list[Enrollment]:
    """all_student_enrollments: students and the Test Student, in any state but deleted."""
    return [e for e in state.enrollments.values() if e.course_id == course.id and e.type in STUDENT_TYPES
            and e.workflow_state != "deleted" and (section is None or e.section_id == section.id)]


def _user_ids(state: State, raw: list[str]) -> list[int]:
    """Api#map_user_ids: Canvas ids, `self` and `sis_user_id:`; anything unresolvable is dropped."""
    found = []
    for ref in raw:
        try:
            found.append(state.find_user(ref, g.user).id)
        except errors.CanvasError:
            continue
    return found


def _concluded_by_date(state: State, course: Course, enrollment: Enrollment) -> bool:
    return enrollment.workflow_state == "completed" or (course.end_at is not None and course.end_at < state.now())


def _narrow(state: State, course: Course, enrollments: list[Enrollment]) -> list[Enrollment]:
    """enrollment_state=active|concluded, by date unless state_based_on_date=false; else 400."""
    wanted = param("enrollment_state") or ""
    if not wanted:
        return enrollments
    by_date = bool_param("state_based_on_date", True)
    if wanted == "active":
        return [e for e in enrollments if e.workflow_state == "active"
                and not (by_date and _concluded_by_date(state, course, e))]
    if wanted == "concluded":
        return [e for e in enrollments if (_concluded_by_date(state, course, e) if by_date
                                           else e.workflow_state == "completed")]
    raise errors.CanvasError(400, {"error": "invalid enrollment_state"})


def _since(name: str):
    raw = param(name) or ""
    if not raw:
        return None
    if not _ISO8601.match(raw):
        raise errors.CanvasError(400, {"errors": {name: f"Invalid datetime for {name}"}})
    return parse_iso(raw.replace("Z", "+00:00"))


@bp.get("/courses/<cid:course_id>/students/submissions")
@bp.get("/sections/<cid:section_id>/students/submissions")
def for_students(course_id=None, section_id=None):
    state = current_simulation().state
    section, course = state.section_or_course(section_id, course_id)
    caller = g.user
    can_view_all = any(rights.grants_course(state, caller, course, p) for p in ("manage_grades", "view_all_grades"))
    enrollments = _student_enrollments(state, course, section)
    visible = sorted({e.user_id for e in enrollments})
    requested = list_param("student_ids")
    everyone = "all" in requested
    ids = [] if everyone else (_user_ids(state, requested) or [caller.id])
    if can_view_all:
        if everyone:
            ids = visible
        elif set(ids) - set(visible):
            raise rights.refused()
    else:
        own = [caller.id] if any(e.user_id == caller.id and e.workflow_state in _CURRENT + ("completed",)
                                 for e in _student_enrollments(state, course, None)) else []
        if not own or set(ids if not everyone else own) - set(own):
            raise rights.refused()
        ids = own
    if not everyone and len(ids) > MAX_PER_PAGE:
        raise errors.CanvasError(400, {"error": "too many students"})
    narrowed = _narrow(state, course, enrollments)
    if param("enrollment_state"):
        ids = sorted({e.user_id for e in narrowed} & set(ids))
    assignments = _assignments(state, course)
    submitted_since, graded_since = _since("submitted_since"), _since("graded_since")
    workflow = param("workflow_state")

    def wanted(row) -> bool:
        return ((submitted_since is None or (row.submitted_at is not None and row.submitted_at > submitted_since))
                and (graded_since is None or (row.graded_at is not None and row.graded_at > graded_since))
                and (not workflow or row.workflow_state == workflow))

    order = {a.id: index for index, a in enumerate(assignments)}
    rows = sorted((r for r in state.submissions.values() if r.assignment_id in order and r.user_id in set(ids)
                   and wanted(r)), key=lambda r: r.id)

    def render(row) -> dict:
        return submission_json(state, state.assignments[row.assignment_id], row,
                               can_view_all or row.posted_at is not None)

    if param("grouped"):  # `.present?`: any value, "false" included, switches grouping on
        return _grouped(state, course, narrowed, sorted(set(ids)), rows, order, render)
    if param("order") == "graded_at":
        descending = param("order_direction") == "descending"
        dated = sorted((r for r in rows if r.graded_at), key=lambda r: r.graded_at, reverse=descending)
        return paginate(dated + [r for r in rows if not r.graded_at], render)
    if param("order_direction") == "descending":
        return paginate(rows[::-1], render)
    return paginate_bookmarked(rows, render)


def _assignments(state: State, course: Course) -> list[Assignment]:
    """Published assignments only; an assignment_ids[] entry outside them (unpublished, deleted,
    another course's, not a number) refuses the whole call."""
    published = [a for a in state.course_assignments(course) if a.published]
    raw = list_param("assignment_ids")
    if not raw:
        return published
    wanted = {int(x) if x.strip().lstrip("-").isdigit() else 0 for x in raw}
    chosen = [a for a in published if a.id in wanted]
    if wanted - {a.id for a in chosen}:
        raise errors.CanvasError(403, {"error": "invalid assignment ids requested"})
    return chosen


def _grouped(state: State, course: Course, enrollments: list[Enrollment], ids: list[int], rows: list, order: dict,
             render):
    """Pages run over students (user id order, up to 100 a page); each has its enrolment's section
    (an active one preferred) and its rows; a student with none has `submissions: []`."""
    show_sis = any(rights.grants_course(state, g.user, course, p) for p in ("read_sis", "manage_sis"))
    by_user: dict[int, list] = {}
    for row in sorted(rows, key=lambda r: (order[r.assignment_id], r.id)):
        by_user.setdefault(row.user_id, []).append(row)
    rank = {"active": 0, "invited": 1, "creation_pending": 1, "completed": 2, "inactive": 3, "rejected": 4}

    def student(user_id: int) -> dict | None:
        mine = sorted((e for e in enrollments if e.user_id == user_id), key=lambda e: (rank.get(e.workflow_state, 5), e.id))
        if not mine:
            return None
        data = {"user_id": user_id, "section_id": mine[0].section_id}
        login = state.primary_login(state.users[user_id])
        if login is not None and show_sis:
            data.update({"integration_id": login.integration_id, "sis_user_id": login.sis_user_id})
        data["submissions"] = [render(row) for row in by_user.get(user_id, [])]
        return data

    response = paginate(ids, lambda user_id: student(user_id))
    # Canvas skips a student of the page without an enrolment left after narrowing, page size unchanged.
    response.set_data(jsonify([entry for entry in response.get_json() if entry is not None]).get_data())
    return response


def _grading_target(course_id: str, assignment_id: str, user_id: str):
    state = current_simulation().state
    course = state.find_course(course_id)
    assignment = state.find_assignment(course, assignment_id)
    user = state.find_user(user_id, g.user)
    if not any(e.user_id == user.id for e in _student_enrollments(state, course, None)):
        raise errors.not_found()
    return state, course, assignment, user


@bp.get("/courses/<cid:course_id>/assignments/<cid:assignment_id>/submissions/<cid:user_id>")
def show_submission(course_id, assignment_id, user_id):
    state, course, assignment, user = _grading_target(course_id, assignment_id, user_id)
    can_view_all = any(rights.grants_course(state, g.user, course, p) for p in ("manage_grades", "view_all_grades"))
    if not can_view_all and (user.id != g.user.id or not assignment.published):
        raise rights.refused()
    row = state.submission(assignment, user.id)
    return jsonify(submission_json(state, assignment, row, can_view_all or row.posted_at is not None))


@bp.put("/courses/<cid:course_id>/assignments/<cid:assignment_id>/submissions/<cid:user_id>")
def grade_submission(course_id, assignment_id, user_id):
    """submission[posted_grade] (read by the grading type) or submission[excuse]; needs manage_grades."""
    state, course, assignment, user = _grading_target(course_id, assignment_id, user_id)
    if not rights.grants_course(state, g.user, course, "manage_grades"):
        raise rights.refused()
    posted, excuse = param("submission[posted_grade]"), param("submission[excuse]")
    if posted is not None and not assignment.published:
        # Submission#grader_can_grade? -> Assignment::GradeError(:forbidden)
        raise errors.CanvasError(403, {"error": "Cannot grade this submission at this time: "
                                                "This assignment is still unpublished"})
    try:
        if excuse not in (None, ""):
            grading.excuse(state, assignment, user.id, g.user.id, bool_param("submission[excuse]"))
        elif posted is not None:
            grading.grade(state, assignment, user.id, posted, g.user.id)
    except ValueError as problem:  # Assignment::GradeError
        raise errors.CanvasError(400, {"error": str(problem)}) from None
    return jsonify(submission_json(state, assignment, state.submission(assignment, user.id), True))


@bp.post("/courses/<cid:course_id>/assignments/<cid:assignment_id>/submissions")
def submit(course_id, assignment_id):
    """The student's own call: submission[submission_type] among the assignment's online types."""
    state = current_simulation().state
    course = state.find_course(course_id)
    assignment = state.find_assignment(course, assignment_id)
    caller = g.user
    student = any(e.user_id == caller.id and e.workflow_state == "active"
                  for e in _student_enrollments(state, course, None))
    if not student or not assignment.published:
        raise rights.refused()
    kind = param("submission[submission_type]") or ""
    if kind not in assignment.submission_types or kind not in grading.ONLINE_TYPES:
        raise errors.CanvasError(400, {"message": "Invalid submission[submission_type] given"})
    row = grading.submit(state, assignment, caller.id, kind, params().get("submission[body]"))
    return jsonify(submission_json(state, assignment, row, row.posted_at is not None)), 201
