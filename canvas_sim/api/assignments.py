"""Assignments and grading standards (reference §13.5, §13.6): list and create them as Canvas does.

Sources: assignments_api_controller.rb (index, create, render_create_or_update_result),
lib/api/v1/assignment.rb (update_api_assignment: an unknown grading_standard_id is ignored), grading_standards_api_controller.rb (create, context_index,
context_show: only the standards the context owns).
"""

from flask import Blueprint, g, jsonify

from .. import errors, grading, rights
from ..models import STUDENT_TYPES, Assignment, Course, User
from ..pagination import paginate
from ..params import bool_param, list_param, param, params, search_term
from ..serializers import assignment_json, grading_standard_json
from ..simulation import current_simulation
from ..state import State
from ..timefmt import parse_iso

bp = Blueprint("assignments", __name__)


def _member(state: State, user: User, course: Course) -> str | None:
    """The caller's part in the course: "admin", "teacher", "student", or None."""
    if rights.administers(state, user, rights.course_account(state, course)):
        return "admin"
    kinds = {e.type for e in state.enrollments.values() if e.user_id == user.id and e.course_id == course.id
             and e.workflow_state not in ("deleted", "rejected", "inactive")}
    if kinds & set(rights.TEACHING_TYPES):
        return "teacher"
    return "student" if kinds & set(STUDENT_TYPES) else None


def _course_for_reader(course_id: str) -> tuple[State, Course, str]:
    state = current_simulation().state
    course = state.find_course(course_id)
    role = _member(state, g.user, course)
    if role is None:
        raise rights.refused()
    return state, course, role


@bp.get("/courses/<cid:course_id>/assignments")
def list_assignments(course_id):
    """Teachers and admins see unpublished assignments too; students only published ones."""
    state, course, role = _course_for_reader(course_id)
    assignments = [a for a in state.course_assignments(course) if role != "student" or a.published]
    wanted = {int(i) for i in list_param("assignment_ids") if i.isdigit()}
    if wanted:
        assignments = [a for a in assignments if a.id in wanted]
    term = search_term(2)
    if term:
        assignments = [a for a in assignments if term in a.name.casefold()]
    if param("order_by") == "name":
        assignments.sort(key=lambda a: (a.name.casefold(), a.id))
    return paginate(assignments, assignment_json)


@bp.get("/courses/<cid:course_id>/assignments/<cid:id>")
def show_assignment(course_id, id):
    state, course, role = _course_for_reader(course_id)
    assignment = state.find_assignment(course, id)
    if role == "student" and not assignment.published:
        raise rights.refused()
    return jsonify(assignment_json(assignment))


def _invalid(attribute: str, type_: str, message: str) -> errors.CanvasError:
    return errors.CanvasError(400, {"errors": {attribute: [{"attribute": attribute, "type": type_,
                                                            "message": message}]}})


@bp.post("/courses/<cid:course_id>/assignments")
def create_assignment(course_id):
    """assignment[name], [grading_type], [points_possible], [published], [submission_types][],
    [grading_standard_id], [due_at]; new assignments are unpublished unless published=true. 201."""
    state = current_simulation().state
    course = state.find_course(course_id)
    if not rights.grants_course(state, g.user, course, "manage_assignments"):
        raise rights.refused()
    name = (param("assignment[name]") or "").strip()
    if not name:
        raise _invalid("name", "blank", "can't be blank")
    if len(name) > 255:
        raise _invalid("name", "too_long", "is too long (maximum is 255 characters)")
    kind = param("assignment[grading_type]") or "points"
    if kind not in grading.GRADING_TYPES:
        raise _invalid("grading_type", "inclusion", "is not included in the list")
    points = param("assignment[points_possible]")
    try:
        points_possible = float(points) if points not in (None, "") else None
    except ValueError:
        raise _invalid("points_possible", "not_a_number", "is not a number") from None
    types = params().getlist("assignment[submission_types][]") or ["none"]
    published = bool_param("assignment[published]")
    assignment = state.add_assignment(Assignment(
        id=state.new_id(state.assignments), course_id=course.id, name=name,
        position=len(state.course_assignments(course)) + 1, created_at=state.now(), published=published,
        workflow_state="published" if published else "unpublished", grading_type=kind,
        points_possible=points_possible, grading_standard_id=_standard_id(state, course),
        submission_types=types, due_at=parse_iso(param("assignment[due_at]"))))
    return jsonify(assignment_json(assignment)), 201


def _standard_id(state: State, course: Course) -> int | None:
    """GradingStandard.for(course): the course's own or one of its accounts'; any other id is ignored."""
    raw = param("assignment[grading_standard_id]") or ""
    standard = state.grading_standards.get(int(raw)) if raw.isdigit() else None
    if standard is None:
        return None
    chain = {a.id for a in state.account_chain(rights.course_account(state, course))}
    owned = ((standard.context_type == "Course" and standard.context_id == course.id)
             or (standard.context_type == "Account" and standard.context_id in chain))
    return standard.id if owned else None


def _context(state: State, course_id: str | None, account_id: str | None) -> tuple[str, int]:
    """The context whose standards are read or made, after Canvas's `:read` check."""
    if course_id is not None:
        course = state.find_course(course_id)
        if _member(state, g.user, course) is None:
            raise rights.refused()
        return "Course", course.id
    account = state.find_account(account_id)
    rights.require(state, g.user, account)
    return "Account", account.id


def _owned(state: State, context: tuple[str, int]) -> list:
    return sorted((s for s in state.grading_standards.values() if (s.context_type, s.context_id) == context),
                  key=lambda s: s.id)


@bp.get("/courses/<cid:course_id>/grading_standards")
@bp.get("/accounts/<cid:account_id>/grading_standards")
def list_standards(course_id=None, account_id=None):
    """Only the standards the context owns: an account's scheme is not listed under its courses."""
    state = current_simulation().state
    return jsonify([grading_standard_json(s) for s in _owned(state, _context(state, course_id, account_id))])


@bp.get("/courses/<cid:course_id>/grading_standards/<cid:grading_standard_id>")
@bp.get("/accounts/<cid:account_id>/grading_standards/<cid:grading_standard_id>")
def show_standard(grading_standard_id, course_id=None, account_id=None):
    state = current_simulation().state
    context = _context(state, course_id, account_id)
    standard = next((s for s in _owned(state, context) if str(s.id) == grading_standard_id), None)
    if standard is None:
        raise errors.not_found()
    return jsonify(grading_standard_json(standard))


@bp.post("/courses/<cid:course_id>/grading_standards")
@bp.post("/accounts/<cid:account_id>/grading_standards")
def create_standard(course_id=None, account_id=None):
    """title, grading_scheme_entry[][name] and [value], the value a percentage (50 = 0.5)."""
    state = current_simulation().state
    if course_id is not None:
        course = state.find_course(course_id)
        if not rights.grants_course(state, g.user, course, "manage_grades"):
            raise rights.refused()
        context = ("Course", course.id)
    else:
        account = state.find_account(account_id)
        rights.require(state, g.user, account, "manage_grades")
        context = ("Account", account.id)
    names = params().getlist("grading_scheme_entry[][name]")
    values = params().getlist("grading_scheme_entry[][value]")
    try:
        entries = [(name, float(value) / 100) for name, value in zip(names, values, strict=True)]
        standard = grading.add_standard(state, param("title") or "", *context, entries)
    except ValueError as problem:
        raise _invalid("data", "invalid", str(problem) or "is invalid") from None
    return jsonify(grading_standard_json(standard))
