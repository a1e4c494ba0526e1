"""The security manager's changes, guarded so nobody locks every administrator out, and nobody
hands out (to others or to themselves) rights they do not hold."""

from sqlalchemy import select

from ...extensions import db
from ...models import Role, RolePermission, User, user_role
from .. import DomainError
from ..audit import record
from ..permissions import ENTITIES, grants, permission_set, set_permission
from ..records import same_text
from .users import end_sessions


def _security_managers() -> int:
    """How many active users could still change roles and permissions."""
    return len(db.session.scalars(
        select(User.id).distinct()
        .join(user_role, user_role.c.user_id == User.id)
        .join(RolePermission, RolePermission.role_id == user_role.c.role_id)
        .where(User.active.is_(True), RolePermission.entity == "role", RolePermission.action == "edit")
    ).all())


def _guard() -> None:
    db.session.flush()
    if _security_managers() == 0:
        raise DomainError("That would leave nobody able to change security. "
                          "Keep at least one active user whose role may edit roles.")


def _refuse_beyond_own(actor: User, rights: set[tuple[str, str]], what: str, field: str | None = None) -> None:
    missing = rights - permission_set(actor)
    if missing:
        labels = dict(ENTITIES)
        named = ", ".join(sorted(f"{action} {labels[entity].lower()}" for entity, action in missing))
        raise DomainError(f"You cannot {what}: it gives rights your own roles do not have ({named}).", field)


def check_may_assign(actor: User, roles: list[Role]) -> None:
    """Giving users roles is a change to security: it needs the right to edit roles, and each
    role may give no more than the actor holds."""
    if not roles:
        return
    if ("role", "edit") not in permission_set(actor):
        raise DomainError("Giving users roles needs the right to edit roles and permissions.", "role_ids")
    for role in roles:
        _refuse_beyond_own(actor, grants(role), f"give the role {role.name}", "role_ids")


def change_permission(actor: User, role: Role, entity: str, action: str, granted: bool) -> None:
    if granted:
        _refuse_beyond_own(actor, {(entity, action)}, f"grant this to {role.name}")
    before = (entity, action) in grants(role)
    set_permission(role, entity, action, granted)
    _guard()
    if before != granted:
        label = dict(ENTITIES)[entity]
        record(actor.id, "role", role.id, "permission",
               f"{'Granted' if granted else 'Took away'} {action} {label.lower()} "
               f"{'to' if granted else 'from'} {role.name}",
               {f"{action} {label.lower()}": ["granted" if before else "not granted",
                                              "granted" if granted else "not granted"]})


def change_user_role(actor: User, user: User, role: Role, member: bool) -> None:
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
           {"roles": [role.name if not member else "", role.name if member else ""]})


def create_role(name: str, description: str = "") -> Role:
    name = name.strip()
    if not name:
        raise DomainError("Give the role a name.", "name")
    if db.session.scalar(select(Role.id).where(same_text(Role.name, name))):
        raise DomainError(f"There is already a role named “{name}”.", "name")
    role = Role(name=name, description=description.strip())
    db.session.add(role)
    db.session.flush()
    return role


def delete_role(role: Role) -> None:
    db.session.delete(role)
    _guard()


def update_user(user: User, *, display_name: str, email: str | None, active: bool) -> None:
    if user.active and not active:
        end_sessions(user)  # a deactivated user is signed out everywhere, not just kept from signing in
    user.display_name, user.email, user.active = display_name.strip(), email, active
    _guard()


def delete_user(user: User, acting_user_id: int) -> None:
    if user.id == acting_user_id:
        raise DomainError("You cannot delete your own account.")
    db.session.delete(user)
    _guard()
