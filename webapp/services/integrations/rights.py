"""Test connection: does the token's Canvas user hold every right the flows need? (reference §11.3, §11.4)

Canvas does not refuse a missing SIS right: it creates the user without the SIS ID, or leaves SIS
IDs and logins out of its answers. So a token that "works" can still quietly corrupt a transfer;
we ask Canvas for each right up front and say, per right, how to grant it. A student's or
teacher's token works too, but is no admin: it must never read as ready.
"""

from dataclasses import dataclass, field

from ...models import LEAVE_CONCLUDE, LEAVE_DEACTIVATE, LEAVE_DELETE
from ..canvas import CanvasClient, CanvasError, MissingScope, PermissionDenied


@dataclass(frozen=True)
class Check:
    label: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class ConnectionReport:
    acts_as: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def summary(self) -> str:
        if self.ready:
            return f"Connected and ready. The token acts as {self.acts_as}."
        failing = sum(not check.ok for check in self.checks)
        return (f"Connected as {self.acts_as}, but not ready: {failing} of {len(self.checks)} checks fail. "
                "Fix them in Canvas, then test again.")


# (what staff need, Canvas permissions of which any one will do, why, the permission's name in Canvas)
ENROL_RIGHT = ("Enrol students", ("manage_students", "add_student_to_course"),
               "students are enrolled in the linked section", "Students - add")
RIGHTS = (
    ("Read SIS IDs", ("read_sis", "manage_sis"),
     "students are found by client code", "SIS Data - read"),
    ("See login IDs", ("view_user_logins",),
     "an existing Canvas account is recognised by its login", "Users - view login IDs"),
    ("Create users", ("manage_user_logins",),
     "students new to Canvas get an account", "Users - manage login details"),
    ("Give users SIS IDs", ("manage_sis",),
     "Canvas keeps the client code as the SIS user ID instead of silently dropping it", "SIS Data - manage"),
    ENROL_RIGHT,
    ("See who is staff", ("manage_account_memberships",),
     "canvaslink can check that a student's Canvas account is no administrator's before it links or changes it",
     "Users - manage account memberships"),
    ("Read module progress", ("view_all_grades", "manage_grades"),
     "results are transferred from students' module progress", "Grades - view all grades"),
)
# Ending an enrolment (reference §12.1): Canvas checks a right of its own for each way of leaving,
# not the right to enrol. Deactivating and deleting (and reactivating a deactivated student) need
# "Students - remove"; concluding needs "manage students" or "allow administrative actions".
CONCLUDE_RIGHT = ("Conclude enrolments", ("manage_students", "allow_course_admin_actions"),
                  "a student who leaves (or completes) is concluded in Canvas instead of keeping access",
                  "Users - allow administrative actions in courses")
LEAVING_RIGHTS = {
    LEAVE_CONCLUDE: CONCLUDE_RIGHT,
    LEAVE_DEACTIVATE: ("Deactivate enrolments", ("remove_student_from_course",),
                       "a student who leaves is deactivated in Canvas instead of keeping access", "Students - remove"),
    LEAVE_DELETE: ("Delete enrolments", ("remove_student_from_course",),
                   "a student who leaves is deleted from the Canvas course instead of keeping access",
                   "Students - remove"),
}
# Without it Canvas leaves the e-mail out of every user (§12.3): a push cannot tell what Canvas holds.
EMAIL_RIGHT = ("Read e-mail addresses", ("read_email_addresses",),
               "a pushed e-mail change is compared with the address Canvas holds", "Users - view primary email address")
_GRANT = "In Canvas, Admin › (root account) › Permissions: give the role of the integration's Canvas user “{}”."


def rights_needed(leave_action: str = LEAVE_CONCLUDE, conclude_on_completed: bool = False,
                  push_login_changes: bool = False) -> tuple:
    """The rights an integration's choices need: the base ones, the one its way of leaving needs (and
    concluding, if completions conclude), reading e-mail addresses if it pushes e-mail changes."""
    needed = list(RIGHTS) + [LEAVING_RIGHTS.get(leave_action, CONCLUDE_RIGHT)]
    if conclude_on_completed and CONCLUDE_RIGHT not in needed:
        needed.append(CONCLUDE_RIGHT)
    if push_login_changes:
        needed.append(EMAIL_RIGHT)
    return tuple(needed)


def check_rights(client: CanvasClient, rights: tuple = RIGHTS) -> ConnectionReport:
    """Raises CanvasError when the token does not work at all (the first call). `rights` come from
    `rights_needed` for the integration's choices."""
    user = client.whoami()
    report = ConnectionReport(f"{user.name} (Canvas user {user.id})")
    report.checks.append(_root_admin(client))
    try:
        held = client.account_permissions("self", list(dict.fromkeys(
            name for _, names, _, _ in rights for name in names)))
    except CanvasError as err:
        report.checks.extend(Check(label, False, str(err), _fix(err, permission))
                             for label, _, _, permission in rights)
        return report
    for label, names, why, permission in rights:
        ok = any(held.get(name) for name in names)
        report.checks.append(Check(label, ok, f"Granted, so {why}." if ok else f"Not granted; it is needed so {why}.",
                                   "" if ok else _GRANT.format(permission)))
    return report


def _root_admin(client: CanvasClient) -> Check:
    label = "Admin of the root account"
    try:
        account = client.get_account("self")
    except PermissionDenied as err:
        if isinstance(err, MissingScope):
            return Check(label, False, str(err), _fix(err, ""))
        return Check(label, False, "The token's Canvas user is not an admin of the root account. A student's, "
                                   "teacher's or sub-account admin's token cannot create users, so it cannot "
                                   "transfer students.",
                     "In Canvas, Admin › (root account) › Admins: add the integration's Canvas user as an "
                     "Account Admin, or authorise as a user who is one.")
    return Check(label, True, f"{account.name} (account {account.id}).")


def _fix(err: CanvasError, permission: str) -> str:
    if isinstance(err, MissingScope):
        return "Add the scope named above to the developer key, then authorise again."
    return _GRANT.format(permission) if permission else ""


# The right each sync action needs in Canvas (§12.1); re-opening posts the enrolment again.
_ACTION_RIGHTS = {"conclude": CONCLUDE_RIGHT, "deactivate": LEAVING_RIGHTS[LEAVE_DEACTIVATE],
                  "delete": LEAVING_RIGHTS[LEAVE_DELETE], "reactivate": LEAVING_RIGHTS[LEAVE_DEACTIVATE],
                  "reenrol": ENROL_RIGHT, "enrol": ENROL_RIGHT}


def missing_right(action: str) -> str:
    """What to tell staff when Canvas refused a sync `action` as not authorised: the right it needs,
    and how to grant it."""
    label, _, _, permission = _ACTION_RIGHTS[action]
    return (f"Canvas refused it: the integration's Canvas user lacks the right “{permission}” ({label.lower()}). "
            + _GRANT.format(permission))
