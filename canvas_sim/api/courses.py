"""Courses and sections (reference §2): find a section by its SIS id, list a course's."""

from flask import Blueprint, g, jsonify

from .. import errors, rights
from ..pagination import paginate
from ..params import bool_param, list_param, search_term
from ..progress import course_progress
from ..serializers import base_url, course_json, section_json
from ..simulation import current_simulation
from ..timefmt import to_iso

bp = Blueprint("courses", __name__)


@bp.get("/courses/<cid:id>")
def show_course(id):
    state = current_simulation().state
    course = state.find_course(id)
    rights.require_course(state, g.user, course)
    return jsonify(course_json(state, course))


@bp.get("/sections/<cid:id>")
@bp.get("/courses/<cid:course_id>/sections/<cid:id>")
def show_section(id, course_id=None):
    state = current_simulation().state
    course = state.find_course(course_id) if course_id else None
    section = state.find_section(id, course)
    rights.require_course(state, g.user, state.courses[section.course_id])
    return jsonify(section_json(state, section, list_param("include")))


@bp.get("/courses/<cid:course_id>/sections")
def list_sections(course_id):
    state = current_simulation().state
    course = state.find_course(course_id)
    rights.require_course(state, g.user, course)
    sections = sorted(state.course_sections(course), key=lambda s: s.id)
    term = search_term(2)
    if term:
        sections = [s for s in sections if term in s.name.casefold()]
    include = list_param("include")

    def render(section):
        return section_json(state, section, include)

    # `all=1` is Canvas's undocumented way to skip pagination here.
    if bool_param("all"):
        return jsonify([render(s) for s in sections])
    return paginate(sections, render)


@bp.get("/courses/<cid:course_id>/bulk_user_progress")
def bulk_user_progress(course_id):
    """courses_controller#bulk_user_progress (reference §3.2): every student of the course, each
    with the course-level counters only; 400 when the course has no module requirements."""
    state = current_simulation().state
    course = state.find_course(course_id)
    rights.require_course(state, g.user, course, "view_all_grades")
    modules = state.course_modules(course)
    if not any(item.requirement for module in modules for item in module.items):
        raise errors.not_module_based()
    student_ids = {e.user_id for e in state.enrollments.values() if e.course_id == course.id
                   and e.type == "StudentEnrollment" and state.student_enrollment(course, e.user_id) is not None}
    students = sorted((state.users[i] for i in student_ids), key=lambda u: (u.sortable_name.casefold(), u.id))

    def render(user):
        progress = course_progress(state, modules, user.id)
        upcoming = progress.pop("next_requirement")
        return {"id": user.id, "display_name": user.short_name or user.name,
                "avatar_image_url": f"{base_url()}/images/messages/avatar-50.png",
                "html_url": f"{base_url()}/courses/{course.id}/users/{user.id}", "pronouns": None,
                "progress": {**progress, "completed_at": to_iso(progress["completed_at"]),
                             "next_requirement_url": _requirement_url(course.id, upcoming)}}
    return paginate(students, render, counted=False)  # Canvas does not count user lists (§6)


def _requirement_url(course_id: int, upcoming) -> str | None:
    """CourseProgress#current_requirement_url: only while the current module requires sequential progress."""
    if upcoming is None or not upcoming[0].require_sequential_progress:
        return None
    return f"{base_url()}/courses/{course_id}/modules/items/{upcoming[1].id}"
