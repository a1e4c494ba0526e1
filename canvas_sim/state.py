"""The in-memory Canvas: tables of objects, id lookups as Canvas's `api_find` does them.

Every request is answered under `lock` (see `network.py`), which is never held while a
request waits out its latency. The lock is re-entrant because admin and test helpers
that take it are also called from inside a request.
"""

import secrets
import threading
import uuid
from datetime import datetime
from typing import Callable, Iterable

from . import errors
from .models import (STUDENT_TYPES, Account, AccessToken, Assignment, AuthorizationCode, CommunicationChannel, Course,
                     DeveloperKey, Enrollment, GradingStandard, LatePolicy, Login, Module, Progress, Section, Submission,
                     User)
from .timefmt import from_timestamp, parse_iso


def _first(items: Iterable, attribute: str, value, fold: bool = False):
    if fold:
        value = value.casefold()
    for item in items:
        candidate = getattr(item, attribute)
        if candidate is not None and (candidate.casefold() if fold else candidate) == value:
            return item
    return None


def _resolve(ref: str, table: dict, sis_finders: dict[str, Callable[[str], object]]):
    """A numeric id or `<sis prefix>:<value>` (also the legacy `hex:<prefix>:<hex>`)."""
    if ref.isdigit():
        found = table.get(int(ref))
    else:
        prefix, _, value = ref.partition(":")
        if prefix == "hex":
            prefix, _, encoded = value.partition(":")
            try:
                value = bytes.fromhex(encoded).decode()
            except ValueError:
                raise errors.not_found() from None
        finder = sis_finders.get(prefix)
        found = finder(value) if finder else None
    if found is None:
        raise errors.not_found()
    return found


def new_secret() -> str:
    """Canvas tokens look like `<shard>~<64 random characters>`."""
    return "7~" + secrets.token_urlsafe(48)


def sortable_name(name: str) -> str:
    """Canvas's default: the last word first ("Ada Lovelace" -> "Lovelace, Ada")."""
    first, _, last = name.strip().rpartition(" ")
    return f"{last}, {first}" if first else last


class State:
    def __init__(self, clock: Callable[[], float]):
        self.lock = threading.RLock()
        self.clock = clock
        self.clear()

    def clear(self) -> None:
        # The root account: the domain's, where users live and SIS ids are looked up.
        self.account = Account(1, "Canvas")
        self.accounts: dict[int, Account] = {1: self.account}
        self.courses: dict[int, Course] = {}
        self.sections: dict[int, Section] = {}
        self.modules: dict[int, Module] = {}
        self.users: dict[int, User] = {}
        self.logins: dict[int, Login] = {}
        self.channels: dict[int, CommunicationChannel] = {}
        self.enrollments: dict[int, Enrollment] = {}
        self.progress: dict[tuple[int, int], Progress] = {}
        # (user, course) -> (last activity, seconds) a seed gave a student before their enrolment existed.
        self.earlier_activity: dict[tuple[int, int], tuple] = {}
        self.developer_keys: dict[int, DeveloperKey] = {}
        self.tokens: dict[str, AccessToken] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.assignments: dict[int, Assignment] = {}
        self.submissions: dict[int, Submission] = {}
        self.grading_standards: dict[int, GradingStandard] = {}
        self.late_policies: dict[int, LatePolicy] = {}  # by course id
        self.course_standard: dict[int, int] = {}  # course id -> its default grading standard's id

    def now(self) -> datetime:
        return from_timestamp(self.clock())

    @staticmethod
    def new_id(table: dict, wanted: int | str | None = None) -> int:
        if wanted in (None, ""):
            return max(table, default=0) + 1
        if int(wanted) in table:
            raise ValueError(f"id {wanted} is already used")
        return int(wanted)

    # -- lookups ------------------------------------------------------------------------

    def find_account(self, ref: str) -> Account:
        if ref in ("self", "default"):
            return self.account
        account = self.accounts.get(int(ref)) if ref.isdigit() else None
        if account is None:
            raise errors.not_found()
        return account

    def account_chain(self, account: Account) -> list[Account]:
        """The account, its parent, ... up to the root: whose admins rule over it."""
        chain = [account]
        while chain[-1].parent_account_id is not None:
            chain.append(self.accounts[chain[-1].parent_account_id])
        return chain

    def set_root_account(self, account_id: int, name: str) -> None:
        del self.accounts[self.account.id]
        self.account.id, self.account.name = account_id, name
        self.accounts[account_id] = self.account

    def add_sub_account(self, spec: dict) -> Account:
        parent = int(spec.get("parent_account_id") or self.account.id)
        if parent not in self.accounts:
            raise ValueError(f"no account {parent}")
        account = Account(self.new_id(self.accounts, spec.get("id")), spec["name"], parent)
        self.accounts[account.id] = account
        return account

    def find_course(self, ref: str) -> Course:
        courses = self.courses.values()
        return _resolve(ref, self.courses, {
            "sis_course_id": lambda v: _first(courses, "sis_course_id", v),
            "sis_integration_id": lambda v: _first(courses, "integration_id", v),
        })

    def find_section(self, ref: str, course: Course | None = None) -> Section:
        sections = self.sections.values()
        section = _resolve(ref, self.sections, {
            "sis_section_id": lambda v: _first(sections, "sis_section_id", v),
            "sis_integration_id": lambda v: _first(sections, "integration_id", v),
        })
        if course is not None and section.course_id != course.id:
            raise errors.not_found()
        return section

    def section_or_course(self, section_id: str | None, course_id: str | None) -> tuple[Section | None, Course]:
        """Routes that exist under a section and under a course: the section (if any) and its course."""
        section = self.find_section(section_id) if section_id else None
        return section, self.courses[section.course_id] if section else self.find_course(course_id)

    def find_user(self, ref: str, current: User | None = None) -> User:
        if ref == "self" and current is not None:
            return current
        logins = self.active_logins()

        def by_login(attribute: str, fold: bool = False):
            def finder(value: str):
                login = _first(logins, attribute, value, fold)
                return self.users[login.user_id] if login else None
            return finder

        return _resolve(ref, self.users, {
            "sis_user_id": by_login("sis_user_id"),
            "sis_login_id": by_login("unique_id", fold=True),
            "sis_integration_id": by_login("integration_id"),
        })

    def find_module(self, course: Course, ref: str) -> Module:
        module = self.modules.get(int(ref)) if ref.isdigit() else None
        if module is None or module.course_id != course.id:
            raise errors.not_found()
        return module

    def find_course_enrollment(self, course: Course, ref: str) -> Enrollment:
        """Canvas's `course.enrollments` leaves deleted enrollments out."""
        enrollment = self.enrollments.get(int(ref)) if ref.isdigit() else None
        if enrollment is None or enrollment.course_id != course.id or enrollment.workflow_state == "deleted":
            raise errors.not_found()
        return enrollment

    def student_enrollment(self, course: Course, user_id: int) -> Enrollment | None:
        """Canvas's `course.student_enrollments`: not deleted, completed, rejected or inactive."""
        return next((e for e in self.enrollments.values()
                     if e.course_id == course.id and e.user_id == user_id and e.type == "StudentEnrollment"
                     and e.workflow_state not in ("deleted", "completed", "rejected", "inactive")), None)

    def course_assignments(self, course: Course) -> list[Assignment]:
        return sorted((a for a in self.assignments.values() if a.course_id == course.id and a.workflow_state != "deleted"),
                      key=lambda a: (a.position, a.id))

    def find_assignment(self, course: Course, ref: str) -> Assignment:
        assignment = self.assignments.get(int(ref)) if ref.isdigit() else None
        if assignment is None or assignment.course_id != course.id or assignment.workflow_state == "deleted":
            raise errors.not_found()
        return assignment

    def submission(self, assignment: Assignment, user_id: int) -> Submission | None:
        return next((s for s in self.submissions.values()
                     if s.assignment_id == assignment.id and s.user_id == user_id), None)

    def add_assignment(self, assignment: Assignment) -> Assignment:
        """Canvas gives every student of the course a placeholder row at once."""
        self.assignments[assignment.id] = assignment
        for user_id in sorted({e.user_id for e in self.enrollments.values() if e.course_id == assignment.course_id
                               and e.type in STUDENT_TYPES and e.workflow_state != "deleted"}):
            self._placeholder(assignment, user_id)
        return assignment

    def _placeholder(self, assignment: Assignment, user_id: int) -> None:
        if self.submission(assignment, user_id) is None:
            row = Submission(id=self.new_id(self.submissions), assignment_id=assignment.id, user_id=user_id)
            self.submissions[row.id] = row

    def active_logins(self) -> list[Login]:
        return [login for login in self.logins.values() if login.workflow_state != "deleted"]

    def logins_of(self, user: User) -> list[Login]:
        return [login for login in self.active_logins() if login.user_id == user.id]

    def primary_login(self, user: User) -> Login | None:
        logins = self.logins_of(user)
        return logins[0] if logins else None

    def course_modules(self, course: Course) -> list[Module]:
        return sorted((m for m in self.modules.values() if m.course_id == course.id), key=lambda m: m.position)

    def course_sections(self, course: Course) -> list[Section]:
        return [s for s in self.sections.values() if s.course_id == course.id]

    def default_section(self, course: Course) -> Section:
        section = next((s for s in self.course_sections(course) if s.default_section), None)
        return section or self.add_section(course, {"name": course.name, "default_section": True})

    # -- creation -------------------------------------------------------------------------

    def add_course(self, spec: dict) -> Course:
        course = Course(
            id=self.new_id(self.courses, spec.get("id")), name=spec["name"],
            course_code=spec.get("course_code") or spec["name"], account_id=self._account_id(spec.get("account_id")),
            created_at=self.now(), uuid=uuid.uuid4().hex,
            workflow_state=spec.get("workflow_state", "available"),
            sis_course_id=spec.get("sis_course_id"), integration_id=spec.get("integration_id"),
            start_at=parse_iso(spec.get("start_at")), end_at=parse_iso(spec.get("end_at")))
        self.courses[course.id] = course
        return course

    def _account_id(self, wanted) -> int:
        if wanted in (None, ""):
            return self.account.id
        if int(wanted) not in self.accounts:
            raise ValueError(f"no account {wanted}")
        return int(wanted)

    def add_section(self, course: Course, spec: dict) -> Section:
        section = Section(
            id=self.new_id(self.sections, spec.get("id")), course_id=course.id, name=spec["name"],
            created_at=self.now(), sis_section_id=spec.get("sis_section_id"),
            integration_id=spec.get("integration_id"), start_at=parse_iso(spec.get("start_at")),
            end_at=parse_iso(spec.get("end_at")),
            restrict_enrollments_to_section_dates=bool(spec.get("restrict_enrollments_to_section_dates", False)),
            default_section=spec.get("default_section", False))
        self.sections[section.id] = section
        return section

    def add_user(self, name: str, *, wanted_id: int | None = None, email: str | None = None,
                 admin_account_id: int | None = None, without_permissions: Iterable[str] = (),
                 channel_state: str = "active") -> User:
        user = User(id=self.new_id(self.users, wanted_id), name=name, short_name=name,
                    sortable_name=sortable_name(name), created_at=self.now(),
                    admin_account_id=None if admin_account_id is None else self._account_id(admin_account_id),
                    without_permissions=frozenset(without_permissions))
        self.users[user.id] = user
        if email:
            self.set_email(user, email, workflow_state=channel_state)
        return user

    def channels_of(self, user: User) -> list[CommunicationChannel]:
        """The user's e-mail channels that are not retired, default (position 1) first."""
        return sorted((c for c in self.channels.values() if c.user_id == user.id and c.workflow_state != "retired"),
                      key=lambda c: (c.position, c.id))

    def set_email(self, user: User, address: str, workflow_state: str = "unconfirmed") -> CommunicationChannel:
        """User#email= (reference §12.2): find the user's channel with this address (case-insensitive) or
        create it in `workflow_state`, then move it to the top. Other channels stay as they were: the old
        address is not retired, and a found channel keeps its own state."""
        others = self.channels_of(user)
        channel = _first(others, "address", address, fold=True)
        if channel is None:
            channel = CommunicationChannel(self.new_id(self.channels), user.id, address, 0, workflow_state)
            self.channels[channel.id] = channel
        for position, each in enumerate([channel] + [c for c in others if c is not channel], start=1):
            each.position = position
        user.email = channel.address
        return channel

    def login_conflict(self, unique_id: str | None, sis_user_id: str | None = None,
                       integration_id: str | None = None, ignore: Login | None = None) -> dict | None:
        """The first `taken` error Canvas would raise, in its validation order."""
        others = [login for login in self.logins.values() if login is not ignore]
        live = [login for login in others if login.workflow_state != "deleted"]
        if unique_id and _first(live, "unique_id", unique_id, fold=True):
            return errors.unique_id_taken()
        if sis_user_id and _first(others, "sis_user_id", sis_user_id):
            return errors.sis_user_id_taken(sis_user_id)
        if integration_id and _first(others, "integration_id", integration_id):
            return errors.integration_id_taken(integration_id)
        return None

    def add_login(self, user: User, unique_id: str, sis_user_id: str | None = None,
                  integration_id: str | None = None) -> Login:
        login = Login(id=self.new_id(self.logins), user_id=user.id, account_id=self.account.id,
                      unique_id=unique_id, created_at=self.now(), sis_user_id=sis_user_id,
                      integration_id=integration_id)
        self.logins[login.id] = login
        return login

    def add_enrollment(self, user: User, section: Section, type_: str, workflow_state: str, **options) -> Enrollment:
        now = self.now()
        enrollment = Enrollment(id=self.new_id(self.enrollments, options.pop("id", None)), user_id=user.id,
                                course_id=section.course_id, section_id=section.id, type=type_,
                                workflow_state=workflow_state, created_at=now, updated_at=now, **options)
        self.enrollments[enrollment.id] = enrollment
        self.give_earlier_activity(enrollment)
        if type_ in STUDENT_TYPES:
            for assignment in self.course_assignments(self.courses[section.course_id]):
                self._placeholder(assignment, user.id)
        return enrollment

    def give_earlier_activity(self, enrollment: Enrollment) -> None:
        """A seed's history of the student in the course (activity.earlier_activity), on an enrolment that has none."""
        earlier = self.earlier_activity.get((enrollment.user_id, enrollment.course_id))
        if earlier is not None and enrollment.type == "StudentEnrollment" and enrollment.last_activity_at is None:
            enrollment.last_activity_at, enrollment.total_activity_time = earlier

    def add_developer_key(self, spec: dict) -> DeveloperKey:
        key = DeveloperKey(id=self.new_id(self.developer_keys, spec.get("id")), client_id=str(spec["client_id"]),
                           client_secret=spec["client_secret"], name=spec.get("name", "Developer key"),
                           redirect_uris=list(spec.get("redirect_uris", [])))
        self.developer_keys[key.id] = key
        return key

    def add_token(self, user: User, *, token: str | None = None, developer_key: DeveloperKey | None = None,
                  ttl: int = 0, scopes: tuple[str, ...] = ()) -> AccessToken:
        """A manual token (no key, never expires) or an OAuth one with a refresh token."""
        access = AccessToken(
            token=token or new_secret(), user_id=user.id,
            developer_key_id=developer_key.id if developer_key else None,
            expires_at=self.clock() + ttl if developer_key and ttl else None,
            refresh_token=new_secret() if developer_key else None, scopes=scopes)
        self.tokens[access.token] = access
        return access

    def key_by_client_id(self, client_id: str | None) -> DeveloperKey | None:
        return _first(self.developer_keys.values(), "client_id", client_id) if client_id else None
