"""The Canvas REST client: just the calls canvaslink makes, as typed objects (reference sections noted)."""

import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Literal, TypeVar

from .backoff import Backoff
from .encoding import flag, sis_path_id
from .errors import BadResponse, CanvasError, CanvasValidationError, NotFound, PermissionDenied, Unavailable, amended
from .fanout import run_concurrently
from .limiter import ConcurrencyLimiter, SharedLimiter
from .models import (
    Account, Admin, CanvasObject, CommunicationChannel, parse_answer, Course, Enrollment, Login, Module, ModuleItem,
    Section, StudentProgress, User,
)
from .peers import AddressCheck
from .tokens import TokenProvider
from .transport import Params, Timeout, Transport

C = TypeVar("C", bound=CanvasObject)
K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class CanvasClient:
    """One Canvas instance, one token; safe to share between threads, which then share its limiter.

    `timeout` is (connect, read) seconds per request; `max_attempts` bounds the tries of a
    call that fails (5xx, timeout, dropped connection, damaged JSON); throttled calls are
    retried until `max_throttle_wait` seconds of waiting in total. `limiter` lets clients
    that use one token share one limiter; otherwise it is sized by `max_concurrency`.
    `sleep` is injectable so tests need not wait. `observe(throttled, error)` hears of every attempt
    (the integration's call counts). `check_address` is asked about every address a connection is
    about to reach, and refuses it with its reason (`peers`; RefusedAddress). `on_token(failure)` of the
    token after each answer: None when Canvas took it, else why it was refused and could not be renewed
    (the integration's health).

    Every method raises a `CanvasError` subclass whose message names the Canvas object.
    """

    def __init__(self, base_url: str, token_provider: TokenProvider, *, timeout: Timeout = (10, 60),
                 max_concurrency: int = 8, max_attempts: int = 5, max_throttle_wait: float = 600.0,
                 backoff: Backoff = Backoff(), sleep: Callable[[float], None] = time.sleep,
                 limiter: ConcurrencyLimiter | SharedLimiter | None = None,
                 observe: Callable[[bool, bool], None] | None = None,
                 check_address: AddressCheck | None = None,
                 on_token: Callable[[str | None], None] | None = None) -> None:
        self._http = Transport(base_url, token_provider, timeout=timeout,
                               limiter=limiter or ConcurrencyLimiter(max_concurrency), max_attempts=max_attempts,
                               max_throttle_wait=max_throttle_wait, backoff=backoff, sleep=sleep, observe=observe,
                               check_address=check_address, on_token=on_token)

    @property
    def base_url(self) -> str:
        return self._http.base_url

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "CanvasClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Users (§4) ---------------------------------------------------------------------------

    def whoami(self) -> User:
        """The Canvas user the token acts as, for "Test connection"."""
        return self._get(User, "/api/v1/users/self", "the user this access token acts as")

    def get_user(self, user_id: int, *, with_email: bool = False) -> User:
        """`with_email` asks for the default e-mail address too; a scope-enforcing key that does not
        allow include parameters drops the ask, and `email` is then None (§8.1)."""
        what = f"user {user_id}"
        params = [("include[]", "email")] if with_email else []
        return parse_answer(User, self._http.call("GET", f"/api/v1/users/{user_id}", what, params=params), what)

    def get_user_by_sis_id(self, sis_user_id: str) -> User:
        return self._get(User, f"/api/v1/users/{sis_path_id('sis_user_id', sis_user_id)}",
                         f"user with SIS user ID {sis_user_id}")

    def get_user_by_login_id(self, login_id: str) -> User:
        return self._get(User, f"/api/v1/users/{sis_path_id('sis_login_id', login_id)}",
                         f"user with login ID {login_id}")

    def create_user(self, account_id: int | str, *, name: str, email: str, sis_user_id: str,
                    short_name: str | None = None, sortable_name: str | None = None,
                    send_confirmation: bool = True, reactivate: bool = False) -> User:
        """Create a student's user with login = email and SIS user ID = client code (§4.1).

        `send_confirmation` has Canvas email the student a link to set their own password.
        `reactivate` revives a deleted login that still holds this SIS user ID, and its user,
        instead of failing with `sis_user_id` taken (§11.2).
        Creating twice is not safe, so the POST is never retried: when its outcome is unknown
        (no answer, a 5xx) or Canvas says `taken`, the user is looked up by SIS user ID.
        Canvas silently drops the SIS user ID without manage_sis (§11.3): check what came back.
        """
        form = {"user[name]": name, "pseudonym[unique_id]": email, "pseudonym[sis_user_id]": sis_user_id,
                "pseudonym[send_confirmation]": flag(send_confirmation),
                "communication_channel[type]": "email", "communication_channel[address]": email}
        if reactivate:
            form["enable_sis_reactivation"] = "true"
        if short_name:
            form["user[short_name]"] = short_name
        if sortable_name:
            form["user[sortable_name]"] = sortable_name
        what = f"new user {name} (login {email}, SIS user ID {sis_user_id})"
        path = f"/api/v1/accounts/{account_id}/users"
        try:
            return parse_answer(User, self._http.call("POST", path, what, data=form, repeatable=False), what)
        except PermissionDenied as exc:
            if exc.detail.strip() == "{}":  # Canvas's answer to a sub-account admin (§11.4)
                raise amended(exc, "Canvas refused to create the user: the integration's Canvas user is an admin "
                                    "of a sub-account only. Users live in the root account: authorise the "
                                    "integration as an admin of the root account.") from exc
            raise
        except (Unavailable, BadResponse, CanvasValidationError) as exc:
            if isinstance(exc, CanvasValidationError) and not exc.has("taken"):
                raise
            try:
                return self.get_user_by_sis_id(sis_user_id)
            except NotFound:
                raise exc from None

    def list_user_logins(self, user_id: int) -> list[Login]:
        return self._list(Login, f"/api/v1/users/{user_id}/logins", f"logins of user {user_id}")

    def set_login_sis_user_id(self, account_id: int | str, login_id: int, sis_user_id: str) -> Login:
        """Give an existing login a SIS user ID (§4.3); needs manage_sis and the root account."""
        what = f"the SIS user ID {sis_user_id} for login {login_id}"
        return parse_answer(Login, self._http.call("PUT", f"/api/v1/accounts/{account_id}/logins/{login_id}", what,
                                             data={"login[sis_user_id]": sis_user_id}), what)

    def set_login_unique_id(self, account_id: int | str, login_id: int, unique_id: str) -> Login:
        """Change what a student signs in with (§4.3). A login another user holds is refused with
        `unique_id` taken (CanvasValidationError.has("taken", "unique_id")): Canvas never merges."""
        what = f"the login {unique_id} for login {login_id}"
        return parse_answer(Login, self._http.call("PUT", f"/api/v1/accounts/{account_id}/logins/{login_id}", what,
                                             data={"login[unique_id]": unique_id}), what)

    def update_user(self, user_id: int, *, name: str | None = None, short_name: str | None = None,
                    sortable_name: str | None = None, email: str | None = None) -> User:
        """Rename a user or change their default e-mail address (users#update).

        Canvas keeps the old `short_name` (the name shown in discussions and messages) when only
        `name` changes, so a rename sends all three names. `email` needs the right to manage user
        details: without it Canvas refuses the whole request, names included. Canvas saves the names
        before it turns to the e-mail, which may still fail (§12.2): send the two separately.
        """
        fields = {"name": name, "short_name": short_name, "sortable_name": sortable_name, "email": email}
        form = {f"user[{key}]": value for key, value in fields.items() if value is not None}
        what = f"the name and e-mail address of user {user_id}"
        return parse_answer(User, self._http.call("PUT", f"/api/v1/users/{user_id}", what, data=form), what)

    def list_communication_channels(self, user_id: int) -> list[CommunicationChannel]:
        """The user's addresses, default first, with whether each is confirmed (§12.2)."""
        return self._list(CommunicationChannel, f"/api/v1/users/{user_id}/communication_channels",
                          f"the e-mail addresses of user {user_id}")

    # Accounts: who the token may act for (Test connection) --------------------------------

    def get_account(self, account_id: int | str) -> Account:
        return self._get(Account, f"/api/v1/accounts/{account_id}", f"account {account_id}")

    def account_permissions(self, account_id: int | str, names: Sequence[str]) -> dict[str, bool]:
        """Which of `names` the token's user holds on the account; Canvas answers for any caller."""
        what = f"the permissions of this access token's user on account {account_id}"
        body = self._http.call("GET", f"/api/v1/accounts/{account_id}/permissions", what,
                               params=[("permissions[]", name) for name in names])
        if not isinstance(body, dict):
            raise BadResponse(f"The answer for {what} is not what Canvas sends; check the integration's Canvas "
                              f"address.")
        return {name: body.get(name) is True for name in names}

    # Courses, sections and modules (§2, §3) -----------------------------------------------

    def get_course(self, course_id: int) -> Course:
        return self._get(Course, f"/api/v1/courses/{course_id}", f"course {course_id}")

    def get_section_by_sis_id(self, sis_section_id: str) -> Section:
        try:
            return self._get(Section, f"/api/v1/sections/{sis_path_id('sis_section_id', sis_section_id)}",
                             f"course section with SIS ID {sis_section_id}")
        except NotFound as exc:
            raise amended(exc, f"{str(exc).rstrip('.')} — set the section's SIS ID to the occurrence ID in "
                                f"Canvas.") from exc

    def list_modules(self, course_id: int, *, with_items: bool = False) -> list[Module]:
        """The course's modules; `with_items` adds each one's items, whose completion requirements
        say whether the module can tell anything about a student (§3.1)."""
        what = f"modules of course {course_id}"
        if not with_items:
            return self._list(Module, f"/api/v1/courses/{course_id}/modules", what)
        modules = self._list(Module, f"/api/v1/courses/{course_id}/modules", what, [("include[]", "items")])
        return [self._with_items(course_id, module, None) for module in modules]

    def get_student_module_states(self, course_id: int, student_id: int) -> list[Module]:
        """Every module with the student's `state`, `completed_at` and item completion (§3.1, §3.3).

        `student_id` is the numeric Canvas user id: Canvas does not resolve SIS ids here.
        """
        try:
            modules = self._list(Module, f"/api/v1/courses/{course_id}/modules",
                                 f"module progress of user {student_id} in course {course_id}",
                                 [("student_id", student_id), ("include[]", "items")])
        except PermissionDenied as exc:
            # Canvas gives the same answer when the user is no student there (§3.1).
            raise amended(exc, f"{str(exc).rstrip('.')}, or user {student_id} is not an active student in "
                                f"course {course_id}.") from exc
        return [self._with_items(course_id, module, student_id) for module in modules]

    def list_student_progress(self, course_id: int) -> list[StudentProgress]:
        """Every student of the course with their course-level counters, 100 a call (§3.2).

        Needs view_all_grades. A course without module requirements answers 400
        (CanvasValidationError): it has no counters to compare.
        """
        what = f"the progress of the students of course {course_id}"
        # A student whose counters Canvas could not work out comes as `"progress": {"error": …}`: left
        # out, so that student alone is read module by module.
        return [parse_answer(StudentProgress, element, what)
                for element in self._http.pages(f"/api/v1/courses/{course_id}/bulk_user_progress", what)
                if not (isinstance(element, dict) and isinstance(element.get("progress"), dict)
                        and "error" in element["progress"])]

    def _with_items(self, course_id: int, module: Module, student_id: int | None) -> Module:
        if module.items is not None:
            return module
        # Canvas leaves items out of modules with more than 100 (older builds: 50), and
        # scoped developer keys may strip include[] (§3.1, §8.1).
        if module.items_count == 0:
            return replace(module, items=())
        whose = f" for user {student_id}" if student_id is not None else ""
        items = self._list(ModuleItem, f"/api/v1/courses/{course_id}/modules/{module.id}/items",
                           f"items of module {module.name}{whose} in course {course_id}",
                           [("student_id", student_id)] if student_id is not None else ())
        return replace(module, items=tuple(items))

    # Enrollments (§5) ---------------------------------------------------------------------

    def enrol_in_section(self, section_id: int, user_id: int, *,
                         enrollment_state: Literal["active", "invited"] = "active",
                         limit_privileges_to_course_section: bool = False, notify: bool = False) -> Enrollment:
        """Enrol a student: `active` at once, or `invited` to accept. Repeatable: Canvas returns
        the existing enrollment of that user in that section (§5.1)."""
        form = {"enrollment[user_id]": str(user_id), "enrollment[type]": "StudentEnrollment",
                "enrollment[enrollment_state]": enrollment_state,
                "enrollment[limit_privileges_to_course_section]": flag(limit_privileges_to_course_section),
                "enrollment[notify]": flag(notify)}
        what = f"enrolment of user {user_id} in section {section_id}"
        path = f"/api/v1/sections/{section_id}/enrollments"
        try:
            return parse_answer(Enrollment, self._http.call("POST", path, what, data=form), what)
        except NotFound as exc:
            raise amended(exc, f"Canvas has no user {user_id} or no section {section_id} to enrol them in.") from exc
        except CanvasValidationError as exc:
            if "concluded" in str(exc):  # the course's or section's end date has passed (§11.5)
                raise amended(exc, f"{str(exc).rstrip('.')}. The Canvas course or section has ended, so it takes "
                                    f"no new students: extend its end date in Canvas, then transfer again.") from exc
            raise

    def list_section_enrollments(self, section_id: int, *, states: Sequence[str] = (),
                                 types: Sequence[str] = (), user_id: int | None = None) -> list[Enrollment]:
        """Without `states` Canvas lists active and invited enrollments (§5.3)."""
        params: list[tuple[str, str | int]] = [("state[]", s) for s in states]
        params += [("type[]", t) for t in types]
        if user_id is not None:
            params.append(("user_id", user_id))
        return self._list(Enrollment, f"/api/v1/sections/{section_id}/enrollments",
                          f"enrolments in section {section_id}", params)

    def list_user_enrollments(self, user_id: int, *, types: Sequence[str] = ()) -> list[Enrollment]:
        """The user's current enrolments in every course (active and invited, §5.3)."""
        return self._list(Enrollment, f"/api/v1/users/{user_id}/enrollments", f"enrolments of user {user_id}",
                          [("type[]", t) for t in types])

    def list_account_admins(self, account_id: int | str, user_id: int) -> list[Admin]:
        """The account roles this user holds on the account itself (not above or below it); needs
        “Users - manage account memberships” (admins_controller#index)."""
        return self._list(Admin, f"/api/v1/accounts/{account_id}/admins", f"admins of account {account_id}",
                          [("user_id[]", user_id)])

    def conclude_enrollment(self, course_id: int, enrollment_id: int) -> Enrollment:
        return self._end_enrollment(course_id, enrollment_id, "conclude")

    def deactivate_enrollment(self, course_id: int, enrollment_id: int) -> Enrollment:
        return self._end_enrollment(course_id, enrollment_id, "deactivate")

    def delete_enrollment(self, course_id: int, enrollment_id: int) -> Enrollment:
        return self._end_enrollment(course_id, enrollment_id, "delete")

    def reactivate_enrollment(self, course_id: int, enrollment_id: int) -> Enrollment:
        """Only an inactive (deactivated) enrollment can be reactivated (§5.4)."""
        what = f"enrolment {enrollment_id} in course {course_id}"
        return parse_answer(Enrollment, self._http.call(
            "PUT", f"/api/v1/courses/{course_id}/enrollments/{enrollment_id}/reactivate", what), what)

    def _end_enrollment(self, course_id: int, enrollment_id: int, task: str) -> Enrollment:
        what = f"enrolment {enrollment_id} in course {course_id}"
        return parse_answer(Enrollment, self._http.call(
            "DELETE", f"/api/v1/courses/{course_id}/enrollments/{enrollment_id}", what,
            params=[("task", task)]), what)

    # Many calls at once -------------------------------------------------------------------

    def run_concurrently(self, call: Callable[[K], T], keys: Iterable[K], *,
                         max_workers: int | None = None) -> Iterator[tuple[K, T | CanvasError]]:
        """Yield `(key, result or CanvasError)` as calls complete, e.g.
        `client.run_concurrently(lambda uid: client.get_student_module_states(course_id, uid), user_ids)`.

        More threads than the limiter's ceiling would only queue, hence the default.
        """
        return run_concurrently(call, keys, max_workers=max_workers or self._http.limiter.ceiling)

    def _get(self, cls: type[C], path: str, what: str) -> C:
        return parse_answer(cls, self._http.call("GET", path, what), what)

    def _list(self, cls: type[C], path: str, what: str, params: Params = ()) -> list[C]:
        return [parse_answer(cls, element, what) for element in self._http.pages(path, what, params)]

