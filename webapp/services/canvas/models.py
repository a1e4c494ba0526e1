"""What the client returns: Canvas objects under Canvas's field names, cut to what canvaslink uses.

Timestamps become aware datetimes (Canvas sends UTC ISO 8601); absent or null fields are None.
"""

from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import datetime
from functools import cache
from typing import Any, Self, TypeVar

from .errors import BadResponse


class CanvasObject:
    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Build from a decoded Canvas object; ValueError when it lacks a field every Canvas sends."""
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
        values = {}
        for name, parse, required in _plan(cls):
            value = data.get(name)
            if value is not None:
                values[name] = parse(value) if parse else value
            elif required:
                raise ValueError(f"it has no {name!r}")
        return cls(**values)


@cache
def _plan(cls: type) -> tuple[tuple[str, Any, bool], ...]:
    """Each field's name, parser and whether Canvas always sends it, worked out once per class: a
    bulk download parses tens of thousands of modules and items."""
    return tuple((f.name, f.metadata.get("parse"), f.default is MISSING) for f in fields(cls))


def parse_timestamp(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no time zone")
    return parsed


def _seconds(value: Any) -> int:
    # Canvas sends an integer; a float is accepted (rounded down), anything else is not a duration.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"total_activity_time {value!r} is not a number of seconds")
    return int(value)


def optional_field(parse: Any) -> Any:
    return field(default=None, metadata={"parse": parse})


@dataclass(frozen=True)
class Account(CanvasObject):
    id: int
    name: str
    parent_account_id: int | None = None
    root_account_id: int | None = None

    @property
    def is_root(self) -> bool:
        return self.parent_account_id is None and self.root_account_id is None


@dataclass(frozen=True)
class Course(CanvasObject):
    id: int
    name: str
    course_code: str | None = None
    workflow_state: str | None = None
    account_id: int | None = None
    sis_course_id: str | None = None
    grading_standard_id: int | None = None   # the course's scheme for letter grades (§13.5)


@dataclass(frozen=True)
class Section(CanvasObject):
    id: int
    course_id: int
    name: str
    sis_section_id: str | None = None
    sis_course_id: str | None = None


@dataclass(frozen=True)
class CompletionRequirement(CanvasObject):
    type: str
    min_score: float | None = None
    completed: bool | None = None  # only in a student's context


@dataclass(frozen=True)
class ModuleItem(CanvasObject):
    """Only `completion_requirement` is used: a field canvaslink does not read never fails a download."""
    id: int
    module_id: int | None = None
    position: int | None = None
    title: str | None = None
    type: str | None = None
    content_id: int | None = None
    html_url: str | None = None
    completion_requirement: CompletionRequirement | None = optional_field(CompletionRequirement.from_json)


def _module_items(items: list[Any]) -> tuple[ModuleItem, ...]:
    return tuple(ModuleItem.from_json(item) for item in items)


@dataclass(frozen=True)
class Module(CanvasObject):
    id: int
    name: str
    position: int
    workflow_state: str | None = None
    unlock_at: datetime | None = optional_field(parse_timestamp)
    require_sequential_progress: bool | None = None
    items_count: int | None = None
    published: bool | None = None
    # state is locked|unlocked|started|completed; with completed_at only in a student's context
    state: str | None = None
    completed_at: datetime | None = optional_field(parse_timestamp)
    items: tuple[ModuleItem, ...] | None = optional_field(_module_items)

    @classmethod
    def from_json(cls, data: Any) -> Self:
        """Canvas has answered modules with a null name: such a module is named by its id, not dropped."""
        if isinstance(data, dict) and data.get("name") is None and data.get("id") is not None:
            data = {**data, "name": f"Module {data['id']} (no name in Canvas)"}
        return super().from_json(data)


@dataclass(frozen=True)
class CourseProgress(CanvasObject):
    """A student's course-level counters (bulk_user_progress, §3.2): no per-module data."""
    requirement_count: int
    requirement_completed_count: int
    next_requirement_url: str | None = None
    completed_at: datetime | None = optional_field(parse_timestamp)


@dataclass(frozen=True)
class StudentProgress(CanvasObject):
    """One element of bulk_user_progress: the user's display JSON and their counters."""
    id: int
    progress: CourseProgress = field(metadata={"parse": CourseProgress.from_json})
    display_name: str | None = None


class _SisShown(CanvasObject):
    """Canvas leaves `sis_user_id` out of user and login JSON when the caller lacks read_sis
    (§11.3): then a None `sis_user_id` means "not shown", not "has none"."""

    @classmethod
    def from_json(cls, data: Any) -> Self:
        return replace(super().from_json(data), sis_shown="sis_user_id" in data)  # type: ignore[type-var]


@dataclass(frozen=True)
class User(_SisShown):
    id: int
    name: str
    sortable_name: str | None = None
    short_name: str | None = None
    sis_user_id: str | None = None
    login_id: str | None = None
    email: str | None = None
    sis_shown: bool = True  # see _SisShown
    # Canvas leaves `email` out, whatever include[] asks, without read_email_addresses (§12.3).
    email_shown: bool = True

    @classmethod
    def from_json(cls, data: Any) -> Self:
        return replace(super().from_json(data), email_shown="email" in data)


@dataclass(frozen=True)
class CommunicationChannel(CanvasObject):
    """One of a user's addresses (§12.2): Canvas notifies only `active` (confirmed) channels, and the one
    at position 1 is the user's default e-mail."""
    id: int
    address: str
    type: str
    workflow_state: str
    position: int | None = None


@dataclass(frozen=True)
class Login(_SisShown):
    id: int
    user_id: int
    unique_id: str
    account_id: int | None = None
    sis_user_id: str | None = None
    integration_id: str | None = None
    authentication_provider_id: int | None = None
    authentication_provider_type: str | None = None
    workflow_state: str | None = None
    sis_shown: bool = True  # see _SisShown


@dataclass(frozen=True)
class Enrollment(CanvasObject):
    id: int
    user_id: int
    course_id: int
    course_section_id: int
    type: str
    enrollment_state: str
    role: str | None = None
    limit_privileges_to_course_section: bool | None = None
    sis_user_id: str | None = None
    sis_section_id: str | None = None
    updated_at: datetime | None = optional_field(parse_timestamp)
    user: User | None = optional_field(User.from_json)
    # Engagement (§5.2): null until the student first does something in the course; seconds. Canvas
    # sends them only to a caller with read_reports on the course (api/v1/user.rb): `activity_shown`.
    last_activity_at: datetime | None = optional_field(parse_timestamp)
    total_activity_time: int | None = optional_field(_seconds)
    activity_shown: bool = False

    @classmethod
    def from_json(cls, data: Any) -> Self:
        enrollment = super().from_json(data)
        return replace(enrollment, activity_shown="total_activity_time" in data) if enrollment else enrollment


@dataclass(frozen=True)
class Admin(CanvasObject):
    """An account role given to a user (admins_controller: AccountAdmin or a custom account role)."""
    id: int
    role: str
    user: User = field(metadata={"parse": User.from_json})


C = TypeVar("C", bound=CanvasObject)


def parse_answer(cls: type[C], data: Any, what: str) -> C:
    """Canvas's JSON as a typed object; BadResponse when it is not what Canvas sends."""
    try:
        return cls.from_json(data)
    except (ValueError, TypeError) as exc:
        raise BadResponse(f"The answer for {what} is not what Canvas sends ({exc}); check the integration's "
                          f"Canvas address.") from exc
