"""Courses and sections (reference §2): find a section by its SIS id, list a course's."""

from flask import Blueprint, g, jsonify

from .. import rights
from ..pagination import paginate
from ..params import bool_param, list_param, search_term
from ..serializers import course_json, section_json
from ..simulation import current_simulation

bp = Blueprint("courses", __name__)


@bp.get("/courses/<cid:id>")
def show_course(id):
    state = current_simulation().state
    course = state.find_course(id)
    rights.require_course(state, g.user, course)
    return jsonify(course_json(course))


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
