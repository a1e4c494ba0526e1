"""Test connection: does the token's Canvas user hold every right the flows need? (reference §11.3, §11.4)

Canvas does not refuse a missing SIS right: it creates the user without the SIS ID, or leaves SIS
IDs and logins out of its answers. So a token that "works" can still quietly corrupt a transfer;
we ask Canvas for each right up front and say, per right, how to grant it. A student's or
teacher's token works too, but is no admin: it must never read as ready.
"""

from dataclasses import dataclass, field

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
RIGHTS = (
    ("Read SIS IDs", ("read_sis", "manage_sis"),
     "students are found by client code", "SIS Data - read"),
    ("See login IDs", ("view_user_logins",),
     "an existing Canvas account is recognised by its login", "Users - view login IDs"),
    ("Create users", ("manage_user_logins",),
     "students new to Canvas get an account", "Users - manage login details"),
    ("Give users SIS IDs", ("manage_sis",),
     "Canvas keeps the client code as the SIS user ID instead of silently dropping it", "SIS Data - manage"),
    ("Enrol students", ("manage_students", "add_student_to_course"),
     "students are enrolled in the linked section", "Users - add / remove students in courses"),
    ("See who is staff", ("manage_account_memberships",),
     "canvaslink can check that a student's Canvas account is no administrator's before it links or changes it",
     "Users - manage account memberships"),
    ("Read module progress", ("view_all_grades", "manage_grades"),
     "results are transferred from students' module progress", "Grades - view all grades"),
)
_GRANT = "In Canvas, Admin › (root account) › Permissions: give the role of the integration's Canvas user “{}”."


def check_rights(client: CanvasClient) -> ConnectionReport:
    """Raises CanvasError when the token does not work at all (the first call)."""
    user = client.whoami()
    report = ConnectionReport(f"{user.name} (Canvas user {user.id})")
    report.checks.append(_root_admin(client))
    try:
        held = client.account_permissions("self", [name for _, names, _, _ in RIGHTS for name in names])
    except CanvasError as err:
        report.checks.extend(Check(label, False, str(err), _fix(err, permission))
                             for label, _, _, permission in RIGHTS)
        return report
    for label, names, why, permission in RIGHTS:
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
