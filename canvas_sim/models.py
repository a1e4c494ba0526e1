"""The Canvas objects the simulator keeps in memory, with Canvas's own field names."""

from dataclasses import dataclass, field
from datetime import datetime

# Base role ids of a fresh Canvas root account; a role's name is its enrollment type.
ROLE_IDS = {
    "StudentEnrollment": 3,
    "TeacherEnrollment": 4,
    "TaEnrollment": 5,
    "DesignerEnrollment": 6,
    "ObserverEnrollment": 7,
}
# A course's Test Student (Student View) holds this type with the student role (Canvas's
# StudentViewEnrollment < StudentEnrollment); the enrolment API cannot create it.
STUDENT_VIEW = "StudentViewEnrollment"
STUDENT_TYPES = ("StudentEnrollment", STUDENT_VIEW)

# The permissions the simulator knows: an admin holds them all unless `without_permissions` names some.
# Here rather than in rights.py because specs.py checks seeds against it, and rights.py needs
# the running simulation, which specs.py builds: the dependency has to point one way.
PERMISSIONS = ("manage_sis", "read_sis", "view_user_logins", "manage_user_logins", "manage_students",
               "view_all_grades", "manage_grades", "manage_assignments", "read_roster", "manage_account_memberships",
               "read_reports", "read_email_addresses",
               # Granular enrolment rights (reference §12.1): enrol, and end or reactivate, a student.
               "add_student_to_course", "remove_student_from_course", "allow_course_admin_actions")


@dataclass
class Account:
    id: int
    name: str
    # None for the root account; a sub-account's admins inherit nothing upward.
    parent_account_id: int | None = None


@dataclass
class Course:
    id: int
    name: str
    course_code: str
    account_id: int
    created_at: datetime
    uuid: str
    workflow_state: str = "available"
    sis_course_id: str | None = None
    integration_id: str | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    time_zone: str = "Australia/Sydney"


@dataclass
class Section:
    id: int
    course_id: int
    name: str
    created_at: datetime
    sis_section_id: str | None = None
    integration_id: str | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    restrict_enrollments_to_section_dates: bool = False
    # Canvas gives every course a default section for enrolments made without one.
    default_section: bool = False


@dataclass
class ModuleItem:
    id: int
    module_id: int
    position: int
    title: str
    type: str = "Page"
    content_id: int | None = None
    page_url: str | None = None
    external_url: str | None = None
    indent: int = 0
    published: bool = True
    # e.g. {"type": "must_view"} or {"type": "min_score", "min_score": 7}
    requirement: dict | None = None
    # Differentiated content: only these students see it; None means everyone.
    assigned_to: list[int] | None = None


@dataclass
class Module:
    id: int
    course_id: int
    name: str
    position: int
    unlock_at: datetime | None = None
    require_sequential_progress: bool = False
    requirement_type: str = "all"
    prerequisite_module_ids: list[int] = field(default_factory=list)
    published: bool = True
    items: list[ModuleItem] = field(default_factory=list)
    assigned_to: list[int] | None = None


@dataclass
class User:
    id: int
    name: str
    short_name: str
    sortable_name: str
    created_at: datetime
    email: str | None = None  # the default (top) e-mail channel's address; State.set_email keeps it
    locale: str | None = None
    time_zone: str = "Australia/Sydney"
    workflow_state: str = "registered"
    # The account this user administers (with its sub-accounts), minus the rights
    # taken away; anyone who administers nothing only acts on themselves.
    admin_account_id: int | None = None
    without_permissions: frozenset[str] = frozenset()

    @property
    def admin(self) -> bool:
        return self.admin_account_id is not None


@dataclass
class CommunicationChannel:
    """An e-mail address of a user (reference §12.2). Canvas sends notifications to `active`
    (confirmed) channels only; `position` 1 is the user's default address."""
    id: int
    user_id: int
    address: str
    position: int
    workflow_state: str = "unconfirmed"  # unconfirmed | active | retired
    type: str = "email"


@dataclass
class Login:
    """A pseudonym: how a user signs in, and where the SIS user id lives."""
    id: int
    user_id: int
    account_id: int
    unique_id: str
    created_at: datetime
    sis_user_id: str | None = None
    integration_id: str | None = None
    workflow_state: str = "active"
    declared_user_type: str | None = None


@dataclass
class Enrollment:
    id: int
    user_id: int
    course_id: int
    section_id: int
    type: str
    workflow_state: str
    created_at: datetime
    updated_at: datetime
    limit_privileges_to_course_section: bool = False
    start_at: datetime | None = None
    end_at: datetime | None = None
    associated_user_id: int | None = None
    # Not in Canvas's JSON; kept so tests can see whether a notification was asked for.
    notify: bool = False
    # The student's activity in the course (activity.py): null until they first do something; seconds.
    last_activity_at: datetime | None = None
    total_activity_time: int = 0

    @property
    def role(self) -> str:
        return "StudentEnrollment" if self.type == STUDENT_VIEW else self.type

    @property
    def role_id(self) -> int:
        return ROLE_IDS[self.role]


@dataclass
class Progress:
    """A student's progression through one module (ContextModuleProgression)."""
    user_id: int
    module_id: int
    state: str  # "started" | "completed"
    completed_at: datetime | None
    requirements_met: set[int] = field(default_factory=set)


@dataclass
class GradingStandard:
    """A grading scheme owned by a course or an account; `scheme` is [(name, lower bound 0..1)], highest first."""
    id: int
    title: str
    context_type: str  # "Course" | "Account"
    context_id: int
    scheme: list[tuple[str, float]]
    created_at: datetime


@dataclass
class LatePolicy:
    """A course's late policy (LatePolicy): `deduction` percent per `interval` late, down to `minimum` percent."""
    deduction: float = 0.0
    interval: str = "day"  # "day" | "hour"
    minimum: float | None = None


@dataclass
class Assignment:
    id: int
    course_id: int
    name: str
    position: int
    created_at: datetime
    published: bool = True
    grading_type: str = "points"
    points_possible: float | None = 10.0
    grading_standard_id: int | None = None
    submission_types: list[str] = field(default_factory=lambda: ["online_upload"])
    # Manual posting: grades stay hidden from the student until someone posts them.
    post_manually: bool = False
    due_at: datetime | None = None
    unlock_at: datetime | None = None
    lock_at: datetime | None = None
    workflow_state: str = "published"


@dataclass
class Submission:
    """One student's row for one assignment: a placeholder (`unsubmitted`) from enrolment on."""
    id: int
    assignment_id: int
    user_id: int
    workflow_state: str = "unsubmitted"
    attempt: int | None = None
    submitted_at: datetime | None = None
    submission_type: str | None = None
    body: str | None = None
    score: float | None = None
    grade: str | None = None
    # The assessor's judgement before any late deduction.
    entered_score: float | None = None
    entered_grade: str | None = None
    points_deducted: float | None = None
    excused: bool = False
    graded_at: datetime | None = None
    grader_id: int | None = None
    posted_at: datetime | None = None
    grade_matches_current_submission: bool = True
    late_policy_status: str | None = None


@dataclass
class DeveloperKey:
    id: int
    client_id: str
    client_secret: str
    name: str
    redirect_uris: list[str]


@dataclass
class AccessToken:
    token: str
    user_id: int
    developer_key_id: int | None = None  # None: a manual token from the user's profile
    expires_at: float | None = None
    refresh_token: str | None = None
    # What the user approved; only checked while the key enforces scopes.
    scopes: tuple[str, ...] = ()

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at


@dataclass
class AuthorizationCode:
    code: str
    developer_key_id: int
    user_id: int
    expires_at: float
    scopes: tuple[str, ...] = ()
