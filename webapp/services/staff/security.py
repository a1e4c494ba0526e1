"""The security manager's changes, guarded so nobody locks every administrator out, nobody
hands out (to others or to themselves) rights they do not hold, and nobody changes the account of
someone who holds rights they do not (a new password or e-mail there is a way into those rights).
Every change is audited; a password only as "reset"."""

from sqlalchemy import select

from ...extensions import db
from ...models import Role, RolePermission, User, user_role
from .. import DomainError
from ..audit import changes_since, record, record_deleted, record_saved, snapshot
from ..permissions import ENTITIES, grants, permission_set, set_permission
from ..records import same_text
from ..versions import touch
from .users import create_user, end_sessions, set_password

# What a user's audit entries show, before → after (never the password or its hash).
USER_AUDITED = ("username", "display_name", "email", "active")
ROLE_AUDITED = ("name", "description")


def _security_managers() -> int:
    """How many active users could still change roles and permissions."""
    return len(db.session.scalars(
        select(User.id).distinct()
        .join(user_role, user_role.c.user_id == User.id)
        .join(RolePermission, RolePermission.role_id == user_role.c.role_id)
        .where(User.active.is_(True), RolePermission.entity == "role", RolePermission.action == "edit")
    ).all())


def _guard(field: str | None = None) -> None:
    db.session.flush()
    if _security_managers() == 0:
        raise DomainError("That would leave nobody able to change security. "
                          "Keep at least one active user whose role may edit roles.", field)


def _beyond_own(actor: User, rights: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The rights in `rights` that the actor's own roles do not give."""
    return set(rights) - permission_set(actor)


def _refuse_beyond_own(actor: User, rights: set[tuple[str, str]], refusal: str, field: str | None = None) -> None:
    missing = _beyond_own(actor, rights)
    if missing:
        labels = dict(ENTITIES)
        named = sorted(f"{action} {labels[entity].lower()}" for entity, action in missing)
        shown = ", ".join(named[:5]) + (f" and {len(named) - 5} more" if len(named) > 5 else "")
        raise DomainError(f"You cannot {refusal} your own roles do not have ({shown}).", field)


def may_change_user(actor: User, user: User) -> bool:
    """Whether the actor may change this user's account: only when the user holds no right the
    actor lacks. Pages offer the change by this; `check_may_change_user` refuses it."""
    return not _beyond_own(actor, permission_set(user))


def check_may_change_user(actor: User, user: User) -> None:
    _refuse_beyond_own(actor, permission_set(user),
                       f"change the account of {user.display_name} ({user.username}): they hold rights")


def check_may_assign(actor: User, roles: list[Role]) -> None:
    """Giving users roles is a change to security: it needs the right to edit roles, and each
    role may give no more than the actor holds."""
    if not roles:
        return
    if ("role", "edit") not in permission_set(actor):
        raise DomainError("Giving users roles needs the right to edit roles and permissions.", "role_ids")
    for role in roles:
        _refuse_beyond_own(actor, grants(role), f"give the role {role.name}: it gives rights", "role_ids")


def change_permission(actor: User, role: Role, entity: str, action: str, granted: bool) -> None:
    if granted:
        _refuse_beyond_own(actor, {(entity, action)}, f"grant this to {role.name}: it gives rights")
    before = (entity, action) in grants(role)
    set_permission(role, entity, action, granted)
    _guard()
    if before != granted:
        touch(role)  # its rights are rows of their own: the role's version says they changed
        db.session.flush()
        label = dict(ENTITIES)[entity]
        record(actor.id, "role", role.id, "permission",
               f"{'Granted' if granted else 'Took away'} {action} {label.lower()} "
               f"{'to' if granted else 'from'} {role.name}",
               {f"{action} {label.lower()}": ["granted" if before else "not granted",
                                              "granted" if granted else "not granted"]}, version=role.version)


def change_user_role(actor: User, user: User, role: Role, member: bool) -> None:
    check_may_change_user(actor, user)
    if member and role not in user.roles:
        check_may_assign(actor, [role])
        user.roles.append(role)
    elif not member and role in user.roles:
        user.roles.remove(role)
    else:
        return
    _guard()
    record(actor.id, "user", user.id, "role",
           f"{'Gave' if member else 'Took'} the role {role.name} {'to' if member else 'from'} {user.display_name}",
           {"roles": [None if member else role.name, role.name if member else None]})


def create_role(actor: User, name: str, description: str = "") -> Role:
    name = name.strip()
    if not name:
        raise DomainError("Give the role a name.", "name")
    if db.session.scalar(select(Role.id).where(same_text(Role.name, name))):
        raise DomainError(f"There is already a role named “{name}”.", "name")
    role = Role(name=name, description=description.strip())
    db.session.add(role)
    db.session.flush()
    record_saved(actor.id, "role", role, ROLE_AUDITED, None, f"role {role.name}")
    return role


def delete_role(actor: User, role: Role) -> None:
    record_deleted(actor.id, "role", role, ROLE_AUDITED, f"role {role.name}")
    db.session.delete(role)
    _guard()


def add_user(actor: User, *, username: str, display_name: str, password: str, email: str | None, active: bool,
             roles: list[Role]) -> User:
    check_may_assign(actor, roles)
    user = create_user(username, display_name, password, roles, email=email)
    user.active = active
    db.session.flush()
    changes = changes_since(user, USER_AUDITED, None)
    if roles:
        changes["roles"] = [None, ", ".join(role.name for role in roles)]
    record(actor.id, "user", user.id, "create", f"Added user {user.username}", changes)
    return user


def update_user(actor: User, user: User, *, display_name: str, email: str | None, active: bool,
                password: str | None = None) -> None:
    """Change a user's account. Refused outright when the user holds rights the actor does not."""
    check_may_change_user(actor, user)
    before = snapshot(user, USER_AUDITED)
    if user.active and not active:
        end_sessions(user)  # a deactivated user is signed out everywhere, not just kept from signing in
    user.display_name, user.email, user.active = display_name.strip(), email, active
    if password:
        set_password(user, password)
    _guard("active")
    changes = changes_since(user, USER_AUDITED, before)
    if password:
        changes["password"] = "reset"
    if changes:
        action, done = _user_change(before["active"], active, bool(password))
        record(actor.id, "user", user.id, action, f"{done} user {user.username}", changes)


def _user_change(was_active: bool, active: bool, password_reset: bool) -> tuple[str, str]:
    """The audit action of a user's edit, by what matters most in it."""
    if was_active and not active:
        return "deactivate", "Deactivated"
    if active and not was_active:
        return "reactivate", "Reactivated"
    if password_reset:
        return "password_reset", "Reset the password of"
    return "edit", "Edited"


def delete_user(actor: User, user: User) -> None:
    if user.id == actor.id:
        raise DomainError("You cannot delete your own account.")
    check_may_change_user(actor, user)
    record_deleted(actor.id, "user", user, USER_AUDITED, f"user {user.username}")
    db.session.delete(user)
    _guard()
