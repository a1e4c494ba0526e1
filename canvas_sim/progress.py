"""A student's state in each module, as Canvas's `evaluate_for(student)` reports it.

The stored progress is what "playing the student" sets (started, or completed at a
time), and what their submissions meet (reference §13.7: `must_submit` at submission,
before marking; `min_score` with a posted score; excused meets either); without one a
module is `locked` until its unlock date and prerequisites allow entry, then `unlocked`.
"""

from datetime import datetime

from .activity import record_activity
from .models import Assignment, Module, ModuleItem, Progress, Submission
from .state import State
from .visibility import visible_items, visible_to

SETTABLE_STATES = ("started", "completed", "unlocked")
# The time a student spends on a step of a module when a scenario does not say (seconds).
MODULE_SECONDS = 600


def requirement_items(module: Module, user_id: int) -> list[ModuleItem]:
    """The requirements Canvas evaluates for this student: those of items they can see."""
    return [item for item in visible_items(module, user_id) if item.requirement]


def evaluate(state: State, module: Module, user_id: int, record: bool = True) -> Progress:
    """`record=False` reads only, as CourseProgress does (reference §12.5): a module the student may
    enter that has no requirements then reads completed without a completion being stored."""
    stored = state.progress.get((user_id, module.id))
    if stored is not None:
        return stored
    if _locked(state, module, user_id, record):
        return Progress(user_id, module.id, "locked", None)
    if not requirement_items(module, user_id):
        # Canvas completes a module without requirements as soon as the student may enter it.
        if not record:
            return Progress(user_id, module.id, "completed", None)
        return set_progress(state, user_id, module, "completed", seconds=None)
    return Progress(user_id, module.id, "unlocked", None)


def _locked(state: State, module: Module, user_id: int, record: bool = True) -> bool:
    if module.unlock_at is not None and module.unlock_at > state.now():
        return True
    prerequisites = (state.modules.get(module_id) for module_id in module.prerequisite_module_ids)
    return any(p is not None and evaluate(state, p, user_id, record).state != "completed" for p in prerequisites)


def set_progress(state: State, user_id: int, module: Module, new_state: str,
                 completed_at: datetime | None = None, seconds: int | None = MODULE_SECONDS) -> Progress:
    """Play the student: "unlocked" forgets any progress, so the derived state shows again. `seconds`:
    the time the student spent, recorded as activity on their enrolment (None: Canvas completed the
    module by itself, which is no activity)."""
    if new_state not in SETTABLE_STATES:
        raise ValueError(f"state must be one of {', '.join(SETTABLE_STATES)}")
    if new_state == "unlocked":
        state.progress.pop((user_id, module.id), None)
        return evaluate(state, module, user_id)
    required = [item.id for item in requirement_items(module, user_id)]
    if new_state == "completed":
        met = set(required)
        completed_at = completed_at or state.now()
    else:
        # A started module has some but not all requirements met; under "one" any met one completes it.
        met = {required[0]} if module.requirement_type == "all" and len(required) > 1 else set()
        completed_at = None
    progress = Progress(user_id, module.id, new_state, completed_at, met)
    state.progress[(user_id, module.id)] = progress
    if seconds is not None:
        # Working through a module is activity in the course, at the completion time when one is given.
        record_activity(state, user_id, module.course_id, seconds, completed_at or state.now())
    return progress


def course_progress(state: State, course_modules: list[Module], user_id: int) -> dict:
    """Canvas's CourseProgress for one student, read-only: the requirements of the modules they see,
    how many are met, the first one still open (module, item), and when the last module was completed
    (all met)."""
    count = completed = 0
    next_item, last_completed = None, None
    for module in sorted(course_modules, key=lambda m: m.position):
        if not visible_to(module, user_id):
            continue
        progress = evaluate(state, module, user_id, record=False)
        for item in requirement_items(module, user_id):
            count += 1
            if item.id in progress.requirements_met:
                completed += 1
            elif next_item is None:
                next_item = (module, item)
        if progress.completed_at and (last_completed is None or progress.completed_at > last_completed):
            last_completed = progress.completed_at
    return {"requirement_count": count, "requirement_completed_count": completed,
            "next_requirement": next_item,
            "completed_at": last_completed if count and completed >= count else None}


def _meets(item: ModuleItem, row: Submission) -> bool:
    """context_module_progression.rb: which submission meets an Assignment item's requirement."""
    kind = item.requirement["type"]
    if row.excused:
        return kind in ("must_submit", "min_score", "min_percentage")
    if kind == "must_submit":
        # A row graded by a teacher without any attempt (on-paper work) was never submitted.
        return row.attempt is not None and row.submitted_at is not None
    if kind == "min_score":
        return row.posted_at is not None and row.score is not None and row.score >= item.requirement["min_score"]
    return False


def submission_changed(state: State, assignment: Assignment, row: Submission) -> None:
    """Mark the Assignment items this row now meets; a module whose visible requirements are all
    met is completed (now), otherwise started. A met requirement stays met, as Canvas keeps it."""
    for module in state.course_modules(state.courses[assignment.course_id]):
        items = [item for item in requirement_items(module, row.user_id)
                 if item.type == "Assignment" and item.content_id == assignment.id and _meets(item, row)]
        if not items:
            continue
        current = evaluate(state, module, row.user_id)
        met = set(current.requirements_met) | {item.id for item in items}
        required = {item.id for item in requirement_items(module, row.user_id)}
        done = required <= met if module.requirement_type == "all" else bool(met & required)
        completed_at = current.completed_at or state.now() if done else None
        state.progress[(row.user_id, module.id)] = Progress(row.user_id, module.id, "completed" if done else "started",
                                                           completed_at, met)
