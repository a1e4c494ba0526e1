"""What a student sees of a course's modules (reference §3.1, §11.7).

Canvas hides unpublished modules and items from students, and differentiated ones
(assigned to some students only) from everyone else; hidden items do not count in
`items_count` nor in the module's requirements.
"""

from .models import Module, ModuleItem


def visible_to(thing: Module | ModuleItem, student_id: int) -> bool:
    return thing.published and (thing.assigned_to is None or student_id in thing.assigned_to)


def visible_items(module: Module, student_id: int | None) -> list[ModuleItem]:
    """All items in an admin's view (None), else those the student may see."""
    if student_id is None:
        return list(module.items)
    return [item for item in module.items if visible_to(item, student_id)]
