"""Account admins and their permissions (reference §11.3, §11.4).

A user administers at most one account, and with it every sub-account and every
course below it (Canvas's account admin rights flow downward, never up). An admin
holds every known permission except those the seed takes away. Canvas keeps users
and their SIS ids in the root account, so SIS fields depend on the caller's rights
there, whatever account or course the call is about.
"""

from dataclasses import dataclass

from . import errors
from .models import PERMISSIONS, Account, Course, User
from .simulation import current_simulation
from .state import State


def granted(user: User) -> frozenset[str]:
    if not user.admin:
        return frozenset()
    rights = set(PERMISSIONS) - user.without_permissions
    if "manage_sis" in rights:
        rights.add("read_sis")  # Canvas: manage_sis implies read_sis
    return frozenset(rights)


def administers(state: State, user: User, account: Account) -> bool:
    return user.admin and any(a.id == user.admin_account_id for a in state.account_chain(account))


def can(state: State, user: User, permission: str, account: Account) -> bool:
    return administers(state, user, account) and permission in granted(user)


def course_account(state: State, course: Course) -> Account:
    return state.accounts[course.account_id]


def refused() -> errors.CanvasError:
    return errors.unauthorized(current_simulation().settings.unauthorized_status)


def require(state: State, user: User, account: Account, permission: str | tuple[str, ...] | None = None) -> None:
    """An admin of `account` (or above) holding `permission` (any one of a tuple), else "not authorized"."""
    wanted = (permission,) if isinstance(permission, str) else permission
    if not administers(state, user, account) or (wanted and not set(wanted) & granted(user)):
        raise refused()


def require_course(state: State, user: User, course: Course,
                   permission: str | tuple[str, ...] | None = None) -> None:
    require(state, user, course_account(state, course), permission)


# What a course's teachers and TAs hold by Canvas's default role permissions (the simulator's
# only course-level rights; an admin holds them through the account).
TEACHING_TYPES = ("TeacherEnrollment", "TaEnrollment")
TEACHING_RIGHTS = ("manage_grades", "view_all_grades", "manage_assignments", "read_sis")


def grants_course(state: State, user: User, course: Course, permission: str) -> bool:
    """Course#grants_right?: an admin of the course's account holding it, or an active teacher or TA."""
    if can(state, user, permission, course_account(state, course)):
        return True
    return permission in TEACHING_RIGHTS and any(
        e.user_id == user.id and e.course_id == course.id and e.type in TEACHING_TYPES and e.workflow_state == "active"
        for e in state.enrollments.values())


# What changing a student enrolment needs (reference §12.1): Enrollment#can_be_deleted_by (delete,
# deactivate, reactivate) and #can_be_concluded_by; with granular permissions off, manage_students.
_GRANULAR = {"enrol": ("add_student_to_course",), "remove": ("remove_student_from_course",),
             "conclude": ("manage_students", "allow_course_admin_actions")}


def enrolment_right(action: str) -> tuple[str, ...]:
    """`action` is enrol, remove or conclude."""
    if current_simulation().settings.granular_permissions:
        return _GRANULAR[action]
    return ("manage_students",)


@dataclass(frozen=True)
class Shown:
    """Which guarded fields of user, login and enrollment JSON a caller may see."""
    sis: bool = True  # sis_user_id, integration_id (read_sis)
    sis_import: bool = True  # sis_import_id (manage_sis)
    login_id: bool = True  # view_user_logins
    email: bool = True  # read_email_addresses: without it no `email`, whatever include[] says (§12.3)
    activity: bool = True  # last_activity_at, last_attended_at, total_activity_time (read_reports on the course)


def shown_to(state: State, user: User, context: Account | None = None) -> Shown:
    """SIS and e-mail rights count on the root account; logins on the account the call is about."""
    root = state.account
    return Shown(sis=can(state, user, "read_sis", root), sis_import=can(state, user, "manage_sis", root),
                 login_id=can(state, user, "view_user_logins", context or root),
                 activity=can(state, user, "read_reports", context or root),
                 email=can(state, user, "read_email_addresses", root))
