"""Canvas's JSON for each object, field for field as in the reference (§2, §3, §4, §5).

User SIS fields and login ids appear only as far as the caller's rights allow
(`Shown`, reference §11.3): Canvas leaves the keys out, it does not send nulls.
"""

from flask import request

from . import grading
from .models import (STUDENT_TYPES, Account, Assignment, CommunicationChannel, Course, Enrollment, GradingStandard,
                     Login, Module, ModuleItem, Progress, Section, Submission, User)
from .rights import Shown
from .state import State
from .timefmt import to_iso

# Canvas caps inline items at 100 per module; beyond that a client must page the items.
MAX_INLINE_ITEMS = 100
# Canvas's global ids put the shard in front: shard 1, user 42 -> 10000000000042.
GLOBAL_ID_BASE = 10_000_000_000_000


def base_url() -> str:
    return request.host_url.rstrip("/")


# Canvas's API names every not-yet-published course state "unpublished".
_COURSE_STATES = {"created": "unpublished", "claimed": "unpublished"}


def account_json(account: Account, root: Account) -> dict:
    is_root = account.id == root.id
    return {"id": account.id, "name": account.name, "uuid": f"{account.id:040d}",
            "parent_account_id": account.parent_account_id, "root_account_id": None if is_root else root.id,
            "workflow_state": "active", "default_time_zone": "Australia/Sydney", "sis_account_id": None,
            "integration_id": None, "sis_import_id": None}


def course_json(state: State, course: Course) -> dict:
    # grading_standard_id is one of Canvas's base attributes (lib/api/v1/course_json.rb): the course's own
    # scheme for letter grades, null when it has none and Canvas's default scheme applies (§13.5).
    return {"id": course.id, "name": course.name, "account_id": course.account_id, "uuid": course.uuid,
            "grading_standard_id": state.course_standard.get(course.id),
            "start_at": to_iso(course.start_at), "end_at": to_iso(course.end_at),
            "created_at": to_iso(course.created_at), "course_code": course.course_code,
            "workflow_state": _COURSE_STATES.get(course.workflow_state, course.workflow_state), "default_view": "modules", "is_public": False,
            "root_account_id": course.account_id, "enrollment_term_id": 1, "time_zone": course.time_zone,
            "sis_course_id": course.sis_course_id, "integration_id": course.integration_id, "sis_import_id": None}


def section_json(state: State, section: Section, include: list[str]) -> dict:
    course = state.courses[section.course_id]
    data = {"id": section.id, "course_id": section.course_id, "name": section.name,
            "start_at": to_iso(section.start_at), "end_at": to_iso(section.end_at),
            "created_at": to_iso(section.created_at),
            "restrict_enrollments_to_section_dates": section.restrict_enrollments_to_section_dates,
            "nonxlist_course_id": None, "sis_section_id": section.sis_section_id,
            "sis_course_id": course.sis_course_id, "integration_id": section.integration_id, "sis_import_id": None}
    if "total_students" in include:
        data["total_students"] = sum(1 for e in state.enrollments.values()
                                     if e.section_id == section.id and e.type == "StudentEnrollment"
                                     and e.workflow_state in ("active", "invited"))
    return data


def _sis_fields(login: Login | None, shown: Shown) -> dict:
    data = {}
    if shown.sis:
        data["sis_user_id"] = login.sis_user_id if login else None
        data["integration_id"] = login.integration_id if login else None
    if shown.sis_import:
        data["sis_import_id"] = None
    return data


def user_json(state: State, user: User, shown: Shown, include: list[str] = ()) -> dict:
    login = state.primary_login(user)
    data = {"id": user.id, "name": user.name, "created_at": to_iso(user.created_at),
            "sortable_name": user.sortable_name, "short_name": user.short_name, **_sis_fields(login, shown)}
    if shown.login_id:
        data["login_id"] = login.unique_id if login else None
    data["locale"] = user.locale
    if "email" in include and shown.email:
        data["email"] = user.email
    if "uuid" in include:
        data["uuid"] = f"{user.id:040d}"
    if "last_login" in include:
        data["last_login"] = None
    return data


def profile_json(state: State, user: User, shown: Shown) -> dict:
    login = state.primary_login(user)
    sis = _sis_fields(login, Shown(sis=shown.sis, sis_import=False))
    return {"id": user.id, "name": user.name, "short_name": user.short_name, "sortable_name": user.sortable_name,
            "title": None, "bio": None, "primary_email": user.email if shown.email else None,
            "login_id": login.unique_id if login else None, **sis,
            "avatar_url": f"{base_url()}/images/messages/avatar-50.png", "time_zone": user.time_zone,
            "locale": user.locale, "effective_locale": user.locale or "en"}


def channel_json(channel: CommunicationChannel) -> dict:
    return {"id": channel.id, "position": channel.position, "user_id": channel.user_id,
            "workflow_state": channel.workflow_state, "address": channel.address, "type": channel.type}


def token_user_json(user: User) -> dict:
    return {"id": user.id, "name": user.name, "global_id": str(GLOBAL_ID_BASE + user.id),
            "effective_locale": user.locale or "en"}


def login_json(login: Login, shown: Shown) -> dict:
    return {"id": login.id, "user_id": login.user_id, "account_id": login.account_id,
            "unique_id": login.unique_id, "created_at": to_iso(login.created_at),
            **_sis_fields(login, Shown(sis=shown.sis, sis_import=False)),
            "authentication_provider_id": None, "authentication_provider_type": None,
            "workflow_state": login.workflow_state, "declared_user_type": login.declared_user_type}


def enrollment_json(state: State, enrollment: Enrollment, shown: Shown, with_user: bool = True) -> dict:
    """Lists embed the `user`; the create answer does not (reference §11.8)."""
    course = state.courses[enrollment.course_id]
    section = state.sections[enrollment.section_id]
    user = state.users[enrollment.user_id]
    login = state.primary_login(user)
    data = {"id": enrollment.id, "user_id": user.id, "course_id": course.id, "course_section_id": section.id,
            "type": enrollment.type, "role": enrollment.role, "role_id": enrollment.role_id,
            "enrollment_state": enrollment.workflow_state,
            "limit_privileges_to_course_section": enrollment.limit_privileges_to_course_section,
            "root_account_id": state.account.id, "associated_user_id": enrollment.associated_user_id,
            "created_at": to_iso(enrollment.created_at), "updated_at": to_iso(enrollment.updated_at),
            "start_at": to_iso(enrollment.start_at), "end_at": to_iso(enrollment.end_at)}
    if shown.activity:
        # Only to the student themselves or a caller with read_reports (api/v1/user.rb#enrollment_json).
        data.update({"last_activity_at": to_iso(enrollment.last_activity_at), "last_attended_at": None,
                     "total_activity_time": enrollment.total_activity_time})
    if shown.sis:
        data.update({"sis_course_id": course.sis_course_id, "sis_section_id": section.sis_section_id,
                     "sis_user_id": login.sis_user_id if login else None})
    data["html_url"] = f"{base_url()}/courses/{course.id}/users/{user.id}"
    if enrollment.type in STUDENT_TYPES:
        data["grades"] = {"html_url": f"{base_url()}/courses/{course.id}/grades/{user.id}", "current_score": None,
                          "final_score": 0.0, "current_grade": None, "final_grade": None}
    if with_user:
        data["user"] = {"id": user.id, "name": user.name, "sortable_name": user.sortable_name,
                        "short_name": user.short_name}
        if shown.sis:
            data["user"]["sis_user_id"] = data["sis_user_id"]
        if shown.login_id:
            data["user"]["login_id"] = login.unique_id if login else None
    return data


def module_json(module: Module, items: list[ModuleItem], progress: Progress | None, include_items: bool) -> dict:
    """`progress` is the student's (given `student_id` or a student caller): it adds
    `state` and `completed_at` and hides `published`, as Canvas does. `items` are
    the ones the viewer may see, so `items_count` counts only those."""
    data = {"id": module.id, "workflow_state": "active", "position": module.position, "name": module.name,
            "unlock_at": to_iso(module.unlock_at), "require_sequential_progress": module.require_sequential_progress,
            "requirement_type": module.requirement_type, "prerequisite_module_ids": module.prerequisite_module_ids,
            "publish_final_grade": False, "items_count": len(items),
            "items_url": f"{base_url()}/api/v1/courses/{module.course_id}/modules/{module.id}/items"}
    if progress is None:
        data["published"] = module.published
    else:
        data["state"] = progress.state
        data["completed_at"] = to_iso(progress.completed_at)
    if include_items and len(items) <= MAX_INLINE_ITEMS:
        data["items"] = [item_json(module, item, progress) for item in items]
    return data


_CONTENT_PATHS = {"Page": "pages", "Assignment": "assignments", "Quiz": "quizzes",
                  "Discussion": "discussion_topics", "File": "files"}


def item_json(module: Module, item: ModuleItem, progress: Progress | None) -> dict:
    base = base_url()
    data = {"id": item.id, "module_id": module.id, "position": item.position, "title": item.title,
            "indent": item.indent, "type": item.type,
            "html_url": f"{base}/courses/{module.course_id}/modules/items/{item.id}"}
    if item.content_id is not None:
        data["content_id"] = item.content_id
    if item.type in _CONTENT_PATHS:
        key = item.page_url if item.type == "Page" else item.content_id
        data["url"] = f"{base}/api/v1/courses/{module.course_id}/{_CONTENT_PATHS[item.type]}/{key}"
    if item.type == "Page":
        data["page_url"] = item.page_url
    if item.type == "ExternalUrl":
        data["external_url"] = item.external_url
    if progress is None:
        data["published"] = item.published
    if item.requirement:
        requirement = dict(item.requirement)
        if progress is not None:
            requirement["completed"] = item.id in progress.requirements_met
        data["completion_requirement"] = requirement
    return data


def grading_standard_json(standard: GradingStandard) -> dict:
    """grading_standards_api_controller: entries as {name, value} with value a fraction (0.5 = 50%)."""
    return {"id": standard.id, "title": standard.title, "context_type": standard.context_type,
            "context_id": standard.context_id, "points_based": False, "scaling_factor": 1.0,
            "grading_scheme": [{"name": name, "value": value} for name, value in standard.scheme]}


def assignment_json(assignment: Assignment) -> dict:
    course_id = assignment.course_id
    return {"id": assignment.id, "name": assignment.name, "description": None, "course_id": course_id,
            "position": assignment.position, "created_at": to_iso(assignment.created_at),
            "due_at": to_iso(assignment.due_at), "unlock_at": to_iso(assignment.unlock_at),
            "lock_at": to_iso(assignment.lock_at), "points_possible": assignment.points_possible,
            "grading_type": assignment.grading_type, "grading_standard_id": assignment.grading_standard_id,
            "submission_types": list(assignment.submission_types), "published": assignment.published,
            "unpublishable": True, "post_manually": assignment.post_manually, "muted": assignment.post_manually,
            "assignment_group_id": course_id * 10, "omit_from_final_grade": False,
            "only_visible_to_overrides": False, "anonymous_grading": False, "moderated_grading": False,
            "has_submitted_submissions": False, "workflow_state": assignment.workflow_state,
            "html_url": f"{base_url()}/courses/{course_id}/assignments/{assignment.id}"}


def submission_json(state: State, assignment: Assignment, row: Submission, can_read_grade: bool) -> dict:
    """lib/api/v1/submission.rb: a caller who may not read the grade yet (a student before it is
    posted) gets the row without its grade fields; teachers and admins see them posted or not."""
    late = grading.seconds_late(state, assignment, row)
    data = {"id": row.id, "user_id": row.user_id, "assignment_id": assignment.id, "url": None, "body": row.body,
            "score": row.score, "grade": row.grade, "entered_score": row.entered_score,
            "entered_grade": row.entered_grade, "points_deducted": row.points_deducted, "excused": row.excused,
            "attempt": row.attempt, "submitted_at": to_iso(row.submitted_at), "submission_type": row.submission_type,
            "graded_at": to_iso(row.graded_at), "grader_id": row.grader_id, "posted_at": to_iso(row.posted_at),
            "workflow_state": row.workflow_state,
            "grade_matches_current_submission": row.grade_matches_current_submission is not False,
            "late": late > 0, "missing": grading.missing(state, assignment, row),
            "late_policy_status": row.late_policy_status, "seconds_late": late, "redo_request": False,
            "extra_attempts": None, "cached_due_date": to_iso(assignment.due_at),
            "preview_url": f"{base_url()}/courses/{assignment.course_id}/assignments/{assignment.id}/submissions/"
                           f"{row.user_id}?preview=1&version={max((row.attempt or 1) - 1, 0)}"}
    if not can_read_grade:
        for secret in ("score", "grade", "entered_score", "entered_grade", "points_deducted"):
            del data[secret]
    return data
