"""A student's Canvas account: find it (the client's Canvas user id, else SIS ID = client code, else
the same login and name), or create it (login = e-mail, SIS user ID = client code), and check a
Canvas user id typed on a client.

Real Canvas (reference §11): a deleted login keeps its SIS ID, so a create can be refused with the
SIS ID "taken" by a login nobody can look up: we revive it. Without the SIS rights Canvas drops or
hides SIS IDs silently: we check what came back and say so."""

from dataclasses import dataclass

from sqlalchemy import select

from ...extensions import db
from ...models import Client, Enrolment, LmsIntegration
from .. import DomainError
from ..canvas import (
    CanvasClient, CanvasError, CanvasValidationError, NotFound, PermissionDenied, Unavailable, User,
)
from ..integrations.connection import QUICK, canvas_client
from .sharing import others_on, sis_owner, staff_refusal

# What happens / happened to a student's Canvas user, in the words the pages use.
CREATE, REVIVE, LINK_ID, LINK_SIS, LINK_LOGIN, ALREADY = (
    "create", "revive", "link_id", "link_sis", "link_login", "already")
# A note that staff should check something in Canvas.
CHECK = "check"
ACTIONS = {
    CREATE: "Create a Canvas user",
    LINK_ID: "Use the client's Canvas user",
    LINK_SIS: "Link the existing Canvas user (SIS ID = client code)",
    LINK_LOGIN: "Link the existing Canvas user (same login and name)",
    ALREADY: "Already transferred",
}
# Canvas's rule for a login (pseudonym unique_id): 1 to 100 printable characters (§11.8).
MAX_LOGIN = 100


@dataclass(frozen=True)
class Student:
    """What the Canvas side needs of one enrolment, read from the database beforehand."""

    enrolment_id: int
    client_id: int
    code: str
    name: str
    email: str | None
    canvas_user_id: int | None
    transferred_user_id: int | None


@dataclass(frozen=True)
class Resolution:
    action: str
    canvas_user_id: int | None
    detail: str = ""
    name: str | None = None  # the Canvas user's name, when it was read

    @property
    def who(self) -> str:
        """The Canvas user in the preview's and the run's words."""
        if not self.canvas_user_id:
            return self.detail
        return f"Canvas user {self.canvas_user_id}" + (f" “{self.name}”" if self.name else "")


class Refused(Exception):
    """This student cannot be transferred as things stand; the message says what to fix."""


def students_of(enrolments: list[Enrolment]) -> list[Student]:
    return [Student(e.id, e.client_id, e.client.code, e.client.full_name, e.client.email, e.client.canvas_user_id,
                    e.transfer.canvas_user_id if e.transfer else None) for e in enrolments]


def resolve_user(client: CanvasClient, integration_account: str, student: Student, *, create: bool) -> Resolution:
    """Which Canvas user this student is (creating one when `create` and none exists)."""
    if student.transferred_user_id:
        return Resolution(ALREADY, student.transferred_user_id)
    if student.canvas_user_id:
        try:
            user = client.get_user(student.canvas_user_id)
            return Resolution(LINK_ID, user.id, name=user.name)
        except NotFound:
            raise Refused(f"The Canvas user id {student.canvas_user_id} on the client's page does not exist in "
                          "Canvas. Correct or clear it on the client's page, then transfer again.") from None
    try:
        user = client.get_user_by_sis_id(student.code)
        return Resolution(LINK_SIS, user.id, name=user.name)
    except NotFound:
        pass
    _check_login(student.email)
    same_login = _user_by_login(client, student.email)
    if same_login is not None:
        return Resolution(LINK_LOGIN, _same_person(student, same_login), name=same_login.name)
    if not create:
        return Resolution(CREATE, None, f"login {student.email}")
    return _create_user(client, integration_account, student)


def _check_login(email: str | None) -> None:
    if not email:
        raise Refused("No email address: Canvas uses it as the student's login. Add it on the client's page, "
                      "then transfer again.")
    if len(email.strip()) > MAX_LOGIN or not email.strip().isprintable():
        raise Refused(f"The email address is {len(email.strip())} characters long or holds characters Canvas does not "
                      f"accept in a login (at most {MAX_LOGIN} printable characters). Give the client a shorter "
                      "address on the client's page, then transfer again.")


def _create_user(client: CanvasClient, account: str, student: Student, attempts: int = 5) -> Resolution:
    """Create the student's Canvas user. A create that failed (5xx, timeout) is only tried again
    after the client has checked by SIS ID that no user was made, so it never makes two."""
    for _ in range(attempts - 1):
        try:
            return _create_once(client, account, student)
        except Unavailable:
            continue
    return _create_once(client, account, student)


def _create_once(client: CanvasClient, account: str, student: Student) -> Resolution:
    try:
        user = client.create_user(account, name=student.name, email=student.email, sis_user_id=student.code)
    except CanvasValidationError as err:
        if not err.has("taken"):
            raise Refused(f"Canvas refused to create the user: {err}") from None
        # Taken between our look-ups and the create, or held by a login no look-up can see.
        found = resolve_user(client, account, student, create=False)
        if found.canvas_user_id:
            return found
        if err.has("taken", "sis_user_id"):
            return _revive(client, account, student)
        raise Refused(f"Canvas says the login {student.email} is already in use, yet no Canvas user can be found "
                      "by it. Ask your Canvas administrator who holds that login, then transfer again.") from None
    return Resolution(CREATE, user.id, _sis_check(user, student.code), name=user.name)


def _revive(client: CanvasClient, account: str, student: Student) -> Resolution:
    """Canvas keeps a deleted login's SIS ID and refuses it to a new user (§11.2): restore that login."""
    try:
        user = client.create_user(account, name=student.name, email=student.email, sis_user_id=student.code,
                                  reactivate=True)
    except CanvasValidationError as err:
        raise Refused(f"Canvas keeps the SIS user ID {student.code} on a deleted login and could not restore it "
                      f"({err}). Ask your Canvas administrator to restore that student's deleted login, or to clear "
                      "its SIS ID, then transfer again.") from None
    return Resolution(REVIVE, user.id, _sis_check(user, student.code), name=user.name)


def _sis_check(user, code: str) -> str:
    """What to tell staff when Canvas did not keep, or does not show, the SIS user ID (§11.3)."""
    if not user.sis_shown:
        return (f"{CHECK}: Canvas does not show SIS IDs to the integration's Canvas user (it lacks “SIS Data - "
                f"read”), so canvaslink could not check that SIS user ID {code} was saved.")
    if user.sis_user_id != code:
        return (f"{CHECK}: Canvas created the user without SIS user ID {code}, because the integration's Canvas "
                "user lacks “SIS Data - manage”. Later transfers use the Canvas user id kept on the client; grant "
                "that permission so Canvas keeps SIS IDs.")
    return ""


def give_sis_id(client: CanvasClient, account: str, user_id: int, student: Student) -> str:
    """A user reused by login gets the client code as SIS ID, so later runs find them by it (§4.3)."""
    why_not = f"{CHECK}: SIS user ID {student.code} was not set on the Canvas login"
    try:
        logins = client.list_user_logins(user_id)
        login = next((x for x in logins if x.unique_id.casefold() == (student.email or "").casefold()), None)
        if login is None:
            return f"{why_not}: no login {student.email} is listed for Canvas user {user_id}."
        if not login.sis_shown:
            return f"{why_not}: Canvas does not show SIS IDs to the integration's Canvas user (“SIS Data - read”)."
        if login.sis_user_id:
            return ""
        client.set_login_sis_user_id(account, login.id, student.code)
    except PermissionDenied:
        return f"{why_not}: the integration's Canvas user lacks “SIS Data - manage”."
    except CanvasError as err:
        return f"{why_not}: {err}"
    return f"Set the Canvas login's SIS user ID to {student.code}."


def _user_by_login(client: CanvasClient, login: str):
    try:
        return client.get_user_by_login_id(login)
    except NotFound:
        return None


def _same_person(student: Student, user) -> int:
    """A login is only shared with an existing account when it is plainly the same student."""
    other_sis = user.sis_user_id and user.sis_user_id != student.code
    if other_sis or _folded(user.name) != _folded(student.name):
        who = f"“{user.name}” (Canvas user {user.id}{f', SIS ID {user.sis_user_id}' if user.sis_user_id else ''})"
        raise Refused(f"The Canvas login {student.email} already belongs to {who}, who does not look like this "
                      f"student. Check with your Canvas administrator; if it is this student, type {user.id} as "
                      "the Canvas user id on the client's page and transfer again.")
    return user.id


def _folded(name: str | None) -> str:
    return " ".join((name or "").casefold().split())
@dataclass(frozen=True)
class CanvasAccount:
    """A Canvas user as the client form shows it: who they are, and why they may not be linked."""

    integration: str
    user: User
    refusal: str | None = None

    @property
    def said(self) -> str:
        user = self.user
        parts = [f"“{user.name}”", f"login {user.login_id}" if user.login_id else "login not shown",
                 (f"SIS ID {user.sis_user_id}" if user.sis_user_id else "no SIS ID") if user.sis_shown
                 else "SIS ID not shown"]
        return f"Canvas user {user.id} in {self.integration}: {', '.join(parts)}."


def look_up_canvas_account(client: Client | None, canvas_user_id: int) -> CanvasAccount:
    """The Canvas user this id names, in the first integration that knows it, with the reason it may
    not be this client's account: already another client's, its SIS ID another client's code, or
    staff. DomainError (on the field) when no configured Canvas knows it or another client has it."""
    others = others_on(canvas_user_id, client.id if client else None)
    if others:
        raise DomainError(f"Canvas user {canvas_user_id} is already {others}'s Canvas account. One Canvas account "
                          "belongs to one student: check the id in Canvas, or correct the other client first.",
                          "canvas_user_id")
    integrations = db.session.scalars(select(LmsIntegration).order_by(LmsIntegration.name)).all()
    if not integrations:
        raise DomainError("There is no LMS integration to check this Canvas user id against: add one under "
                          "Manage › LMS integrations first, or leave the id empty.", "canvas_user_id")
    reasons = []
    for integration in integrations:
        try:
            with canvas_client(integration, QUICK) as api:
                user = api.get_user(canvas_user_id)
                return CanvasAccount(integration.name, user, _not_a_student_of(api, integration, client, user))
        except NotFound:
            reasons.append(f"{integration.name} ({integration.base_url}) has no user with id {canvas_user_id}")
        except (CanvasError, DomainError) as err:
            reasons.append(f"{integration.name} could not be asked: {getattr(err, 'message', None) or err}")
    raise DomainError(f"Canvas user id {canvas_user_id} was not saved: {'; '.join(reasons)}. Check the id in "
                      "Canvas (People › the student › the number in the address).", "canvas_user_id")


def _not_a_student_of(api: CanvasClient, integration: LmsIntegration, client: Client | None, user: User) -> str | None:
    owner = sis_owner(user.sis_user_id if user.sis_shown else None, client.id if client else None)
    if owner is not None:
        return (f"Canvas user {user.id} (“{user.name}”) has SIS ID {user.sis_user_id}, the client code of {owner}: "
                "it is that student's account. Check the id in Canvas.")
    return staff_refusal(api, integration.account_id, user.id)


def check_canvas_user_id(client: Client | None, canvas_user_id: int | None) -> None:
    """Refuse, naming the reason, a Canvas user id that is not plainly this student's account:
    enrolment transfer would enrol whoever has it, and a push would rename them. An unchanged or
    empty id needs no check."""
    if canvas_user_id is None or canvas_user_id == (client.canvas_user_id if client else None):
        return
    account = look_up_canvas_account(client, canvas_user_id)
    if account.refusal:
        raise DomainError(f"{account.refusal} Not saved.", "canvas_user_id")
