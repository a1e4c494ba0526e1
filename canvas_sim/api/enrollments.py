"""Enrollments (reference §5): enrol idempotently, list by bookmark, conclude/deactivate/delete, reactivate."""

from dataclasses import replace

from flask import Blueprint, g, jsonify

from .. import errors, rights, specs
from ..models import ROLE_IDS, Course, Enrollment, Section
from ..pagination import paginate_bookmarked
from ..params import bool_param, list_param, param, params
from ..serializers import enrollment_json
from ..simulation import current_simulation
from ..state import State
from ..timefmt import parse_iso
from .users import find_user_for_caller

bp = Blueprint("enrollments", __name__)

_ROLE_TYPES = {role_id: type_ for type_, role_id in ROLE_IDS.items()}
_REQUESTABLE_STATES = ("active", "invited", "inactive")
# Course states Canvas shows as "unpublished": a student invited there waits in creation_pending.
UNPUBLISHED = ("unpublished", "created", "claimed")
# Canvas's active_or_pending, the default of a listing without state[].
_PENDING_STATES = ["active", "invited", "creation_pending"]
_TASK_STATES = {"conclude": "completed", "delete": "deleted", "deactivate": "inactive", "inactivate": "inactive"}


@bp.post("/sections/<cid:section_id>/enrollments")
@bp.post("/courses/<cid:course_id>/enrollments")
def create_enrollment(section_id=None, course_id=None):
    """Course#enroll_user (reference §5.1, §11.5): reuse the same user+type+section enrollment."""
    state = current_simulation().state
    section, course = state.section_or_course(section_id, course_id)
    rights.require_course(state, g.user, course, rights.enrolment_right("enrol"))
    chosen = param("enrollment[course_section_id]")
    if section is None and chosen:
        section = state.find_section(chosen, course)
    type_ = _validate(state, course, section)
    user = state.find_user(param("enrollment[user_id]"))
    section = section or state.default_section(course)
    requested = param("enrollment[enrollment_state]")
    if requested not in _REQUESTABLE_STATES:
        requested = "invited"
    if requested == "invited" and course.workflow_state in UNPUBLISHED:
        requested = "creation_pending"
    associated = param("enrollment[associated_user_id]")
    options = {"limit_privileges_to_course_section": bool_param("enrollment[limit_privileges_to_course_section]"),
               "start_at": parse_iso(param("enrollment[start_at]")), "end_at": parse_iso(param("enrollment[end_at]")),
               "associated_user_id": int(associated) if associated and associated.isdigit() else None,
               "notify": bool_param("enrollment[notify]")}
    enrollment = _existing(state, user.id, section, type_, options["associated_user_id"])
    if enrollment is None:
        enrollment = state.add_enrollment(user, section, type_, requested, **options)
    elif enrollment.workflow_state == "active":
        # Returned as it is, except for these: Canvas overwrites the one and clears the dates.
        enrollment.limit_privileges_to_course_section = options["limit_privileges_to_course_section"]
        enrollment.start_at = enrollment.end_at = None
    else:
        # Canvas reuses the enrollment (even a deleted or concluded one) in the requested state.
        for name, value in options.items():
            setattr(enrollment, name, value)
        _move(state, enrollment, requested)
    return jsonify(_json(state, enrollment, with_user=False))


def _validate(state: State, course: Course, section: Section | None) -> str:
    """The enrollment type, or Canvas's 400 with every problem joined by ", "."""
    if not any(key.startswith("enrollment[") for key in params()):
        raise errors.bad_request("No parameters given")
    problems = []
    type_ = param("enrollment[type]")
    role_id = param("enrollment[role_id]")
    if role_id:
        role_type = _ROLE_TYPES.get(int(role_id)) if role_id.isdigit() else None
        if role_type is None:
            problems.append("Invalid role")
        elif type_ and type_ != role_type:
            problems.append("The specified type must match the base type for the role")
        type_ = role_type
    elif type_ and type_ not in ROLE_IDS:
        problems.append("Invalid type")
    if not param("enrollment[user_id]"):
        problems.append(
            "Can't create an enrollment without a user. Include enrollment[user_id] to create an enrollment")
    if _concluded(state, course, section):
        problems.append("Can't add an enrollment to a concluded course.")
    if problems:
        raise errors.bad_request(", ".join(problems))
    return type_ or "StudentEnrollment"


def _concluded(state: State, course: Course, section: Section | None) -> bool:
    """Course#concluded? (completed, or its end date passed) or CourseSection#concluded?."""
    now = state.now()
    if course.workflow_state == "completed" or (course.end_at is not None and course.end_at < now):
        return True
    return (section is not None and section.restrict_enrollments_to_section_dates
            and section.end_at is not None and section.end_at < now)


def _existing(state: State, user_id: int, section: Section, type_: str, associated: int | None) -> Enrollment | None:
    """Same user, type (hence role), associated user and section, in any state."""
    return next((e for e in sorted(state.enrollments.values(), key=lambda e: e.id)
                 if e.user_id == user_id and e.section_id == section.id and e.type == type_
                 and e.associated_user_id == associated), None)


def _move(state: State, enrollment: Enrollment, new_state: str) -> None:
    enrollment.workflow_state = new_state
    enrollment.updated_at = state.now()


@bp.get("/sections/<cid:section_id>/enrollments")
@bp.get("/courses/<cid:course_id>/enrollments")
@bp.get("/users/<cid:user_id>/enrollments")
def list_enrollments(section_id=None, course_id=None, user_id=None):
    state = current_simulation().state
    if user_id:
        user = find_user_for_caller(state, user_id)
        found = [e for e in state.enrollments.values() if e.user_id == user.id]
        admin = g.user.admin
    else:
        section, course = state.section_or_course(section_id, course_id)
        rights.require_course(state, g.user, course)
        admin = True
        found = [e for e in state.enrollments.values()
                 if e.course_id == course.id and (section is None or e.section_id == section.id)]
        if param("user_id"):
            wanted = state.find_user(param("user_id"), current=g.user)
            found = [e for e in found if e.user_id == wanted.id]
    # Canvas's default: active_or_pending (inactive too for admins), but only active and invited
    # when one user is asked for (reference §12.5).
    default = ["active", "invited"] if param("user_id") and not user_id else (
        _PENDING_STATES + (["inactive"] if admin else []))
    states = list_param("state") or default
    types = list_param("type") + list_param("role")
    sis_user_ids = list_param("sis_user_id")
    found = [e for e in found if e.workflow_state in states and (not types or e.type in types)
             and (not sis_user_ids or _sis_user_id(state, e) in sis_user_ids)]
    found.sort(key=lambda e: e.id)
    return paginate_bookmarked(found, lambda e: _json(state, e))


def _json(state: State, enrollment: Enrollment, with_user: bool = True) -> dict:
    course = state.courses[enrollment.course_id]
    shown = rights.shown_to(state, g.user, rights.course_account(state, course))
    if enrollment.user_id == g.user.id:
        shown = replace(shown, activity=True)  # a student always sees their own activity
    return enrollment_json(state, enrollment, shown, with_user)


def _sis_user_id(state: State, enrollment: Enrollment) -> str | None:
    login = state.primary_login(state.users[enrollment.user_id])
    return login.sis_user_id if login else None


@bp.get("/accounts/<cid:account_id>/enrollments/<cid:id>")
def show_enrollment(account_id, id):
    state = current_simulation().state
    rights.require(state, g.user, state.find_account(account_id))
    enrollment = state.enrollments.get(int(id)) if id.isdigit() else None
    if enrollment is None:
        raise errors.not_found()
    rights.require_course(state, g.user, state.courses[enrollment.course_id])
    return jsonify(_json(state, enrollment))


def _course_enrollment(course_id: str, enrollment_id: str, action: str) -> tuple[State, Enrollment]:
    """The enrollment (404 when deleted), once the caller holds the right `action` needs (§12.1)."""
    state = current_simulation().state
    course = state.find_course(course_id)
    rights.require_course(state, g.user, course)
    enrollment = state.find_course_enrollment(course, enrollment_id)
    rights.require_course(state, g.user, course, rights.enrolment_right(action))
    return state, enrollment


@bp.delete("/courses/<cid:course_id>/enrollments/<cid:id>")
def end_enrollment(course_id, id):
    """`task` conclude (the default, also for an unknown task), delete, or deactivate/inactivate.
    Like reactivate, the answer carries no `user` (reference §12.1)."""
    new_state = _TASK_STATES.get(param("task", "conclude"), "completed")
    state, enrollment = _course_enrollment(course_id, id, "conclude" if new_state == "completed" else "remove")
    _move(state, enrollment, new_state)
    return jsonify(_json(state, enrollment, with_user=False))


@bp.put("/courses/<cid:course_id>/enrollments/<cid:id>/reactivate")
def reactivate_enrollment(course_id, id):
    state, enrollment = _course_enrollment(course_id, id, "remove")
    if enrollment.workflow_state != "inactive":
        raise errors.CanvasError(400, {"error": "enrollment not inactive"})
    _move(state, enrollment, "active")
    return jsonify(_json(state, enrollment, with_user=False))


@bp.post("/courses/<cid:course_id>/enrollments/<cid:id>/accept")
def accept_enrollment(course_id, id):
    """Only the invited student's own token accepts (reference §5.4); an admin is refused too."""
    state = current_simulation().state
    enrollment = state.find_course_enrollment(state.find_course(course_id), id)
    if enrollment.user_id != g.user.id:
        raise rights.refused()
    try:
        specs.accept_invitation(state, enrollment)
    except ValueError as refusal:
        raise errors.CanvasError(400, {"error": str(refusal)}) from None
    return jsonify({"success": True})
