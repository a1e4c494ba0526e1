"""Courses and sections (reference §2): find a section by its SIS id, list a course's."""

from flask import Blueprint, jsonify

from ..auth import require_admin
from ..pagination import paginate
from ..params import bool_param, list_param, search_term
from ..serializers import course_json, section_json
from ..simulation import current_simulation

bp = Blueprint("courses", __name__)


@bp.get("/courses/<cid:course_id>")
def show_course(course_id):
    require_admin()
    return jsonify(course_json(current_simulation().state.find_course(course_id)))


@bp.get("/sections/<cid:section_id>")
@bp.get("/courses/<cid:course_id>/sections/<cid:section_id>")
def show_section(section_id, course_id=None):
    require_admin()
    state = current_simulation().state
    course = state.find_course(course_id) if course_id else None
    return jsonify(section_json(state, state.find_section(section_id, course), list_param("include")))


@bp.get("/courses/<cid:course_id>/sections")
def list_sections(course_id):
    require_admin()
    state = current_simulation().state
    sections = sorted(state.course_sections(state.find_course(course_id)), key=lambda s: s.id)
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
