"""Modules and module items (reference §3.1), with a student's progress when asked."""

from flask import Blueprint, g, jsonify

from .. import errors, rights
from ..models import Course, Module, User
from ..pagination import paginate
from ..params import list_param, param, search_term
from ..progress import evaluate
from ..serializers import item_json, module_json
from ..simulation import current_simulation
from ..state import State
from ..visibility import visible_items, visible_to

bp = Blueprint("modules", __name__)


def _student(state: State, course: Course) -> User | None:
    """Whose view to show: `student_id` (admins with view_all_grades), or the caller's own.

    Canvas looks the student up among the course's student enrollments that are not
    deleted, completed, rejected or inactive; anyone else is "not authorized".
    """
    wanted = param("student_id")
    caller = g.user
    admin = rights.administers(state, caller, rights.course_account(state, course))
    if admin:
        if wanted is None:
            return None
        rights.require_course(state, caller, course, "view_all_grades")
    elif wanted is None:
        wanted = str(caller.id)
    enrollment = state.student_enrollment(course, int(wanted)) if wanted.isdigit() else None
    if enrollment is None or (not admin and enrollment.user_id != caller.id):
        raise rights.refused()
    return state.users[enrollment.user_id]


def _render(state: State, student: User | None, include_items: bool):
    student_id = student.id if student else None

    def render(module: Module) -> dict:
        progress = evaluate(state, module, student_id) if student else None
        return module_json(module, visible_items(module, student_id), progress, include_items)
    return render


def _course_and_student(course_id: str) -> tuple[State, Course, User | None]:
    state = current_simulation().state
    course = state.find_course(course_id)
    return state, course, _student(state, course)


def _find_module(state: State, course: Course, student: User | None, module_id: str) -> Module:
    module = state.find_module(course, module_id)
    if student is not None and not visible_to(module, student.id):
        raise errors.not_found()
    return module


@bp.get("/courses/<cid:course_id>/modules")
def list_modules(course_id):
    state, course, student = _course_and_student(course_id)
    modules = [m for m in state.course_modules(course) if student is None or visible_to(m, student.id)]
    term = search_term(3)
    if term:
        modules = [m for m in modules if term in m.name.casefold()]
    return paginate(modules, _render(state, student, "items" in list_param("include")))


@bp.get("/courses/<cid:course_id>/modules/<cid:id>")
def show_module(course_id, id):
    state, course, student = _course_and_student(course_id)
    module = _find_module(state, course, student, id)
    return jsonify(_render(state, student, "items" in list_param("include"))(module))


@bp.get("/courses/<cid:course_id>/modules/<cid:module_id>/items")
def list_items(course_id, module_id):
    state, course, student = _course_and_student(course_id)
    module = _find_module(state, course, student, module_id)
    progress = evaluate(state, module, student.id) if student else None
    items = visible_items(module, student.id if student else None)
    return paginate(items, lambda item: item_json(module, item, progress))
