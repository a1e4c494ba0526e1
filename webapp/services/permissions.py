"""The one permission matrix: roles × entities × {view, add, edit, delete}."""

from sqlalchemy import select

from ..extensions import db
from ..models import Role, RolePermission, User

ACTIONS = ("view", "add", "edit", "delete")

# (entity, label shown in the security manager)
ENTITIES = [
    ("client", "Clients"),
    ("unit", "Units"),
    ("occurrence", "Occurrences"),
    ("enrolment", "Enrolments and results"),
    ("result_type", "Result types"),
    ("task_status", "Task statuses"),
    ("lms_integration", "LMS integrations"),
    ("occurrence_link", "Occurrence links to Canvas"),
    ("module_mapping", "Canvas module mappings"),
    ("enrolment_transfer", "Enrolment transfer to Canvas"),
    ("result_transfer", "Result transfer from Canvas"),
    ("user", "Users"),
    ("role", "Roles and permissions"),
    ("audit_entry", "Audit log"),
]
ENTITY_NAMES = [name for name, _ in ENTITIES]


def permission_set(user: User) -> frozenset[tuple[str, str]]:
    rows = db.session.execute(
        select(RolePermission.entity, RolePermission.action)
        .join(Role.permissions)
        .where(Role.users.any(User.id == user.id))
    )
    return frozenset((entity, action) for entity, action in rows)


def can(user, entity: str, action: str) -> bool:
    """True when one of the user's roles grants `action` on `entity`.

    The set is cached on the user object, which Flask-Login loads once per request.
    """
    if entity not in ENTITY_NAMES or action not in ACTIONS:
        raise ValueError(f"unknown permission {entity}.{action}")
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_permission_cache", None)
    if cached is None:
        cached = permission_set(user)
        user._permission_cache = cached
    return (entity, action) in cached


def set_permission(role: Role, entity: str, action: str, granted: bool) -> None:
    if entity not in ENTITY_NAMES or action not in ACTIONS:
        raise ValueError(f"unknown permission {entity}.{action}")
    existing = next((p for p in role.permissions if p.entity == entity and p.action == action), None)
    if granted and existing is None:
        role.permissions.append(RolePermission(entity=entity, action=action))
    elif not granted and existing is not None:
        role.permissions.remove(existing)
    db.session.flush()


def grants(role: Role) -> set[tuple[str, str]]:
    return {(p.entity, p.action) for p in role.permissions}
