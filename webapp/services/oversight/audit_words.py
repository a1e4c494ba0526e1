"""Audit entries in the words staff use: what kind of record, what was done, each field's label and
value. The audit log keeps internal names (`lms_integration`, `canvas_update`, `result_on_start_type_id`,
true/false, ids); this is the one mapping from them to words, used by every page and CSV that shows
audit entries, so the same entry reads the same everywhere."""

import re

from ...extensions import db
from ...models import ResultType, TaskStatus

ENTITIES = {
    "client": "Client", "unit": "Unit", "occurrence": "Occurrence", "enrolment": "Enrolment",
    "result_type": "Result type", "task_status": "Task status", "lms_integration": "LMS integration",
    "user": "User", "role": "Role",
}

ACTIONS = {
    "create": "Added", "edit": "Edited", "delete": "Deleted",
    "link": "Linked to Canvas", "unlink": "Unlinked from Canvas",
    "modules": "Updated the Canvas module list", "mapping": "Changed module mappings",
    "transfer": "Transferred to Canvas", "replace": "Replaced a kept result",
    "canvas_update": "Changed in Canvas", "canvas_enrol": "Transferred to Canvas",
    "canvas_conclude": "Concluded in Canvas", "canvas_deactivate": "Deactivated in Canvas",
    "canvas_delete": "Deleted from Canvas", "canvas_reactivate": "Reactivated in Canvas",
    "canvas_reenrol": "Re-opened in Canvas",
    "test_address": "Tested the Canvas address",
    "permission": "Changed a permission", "role": "Changed roles",
    "deactivate": "Deactivated", "reactivate": "Reactivated", "password_reset": "Reset the password",
}

FIELDS = {
    # clients, units, occurrences, enrolments, result types, task statuses
    "code": "Code", "first_name": "First name", "last_name": "Last name", "email": "E-mail",
    "date_of_birth": "Date of birth", "canvas_user_id": "Canvas user id", "name": "Name",
    "program_name": "Program", "start_date": "Start date", "end_date": "End date", "status": "Status",
    "client": "Client", "occurrence_id": "Occurrence", "national_outcome_id": "National outcome id",
    "is_final": "Final result", "is_complete": "Marks the task complete", "description": "Description",
    "position": "Order",
    # users
    "username": "Username", "display_name": "Name", "active": "Active", "password": "Password", "roles": "Roles",
    # LMS integrations, as the wizard labels them
    "product": "LMS product", "transfer_units": "Transfer units", "transfer_tasks": "Transfer tasks",
    "base_url": "Canvas address", "account_id": "Canvas account for new users", "client_id": "Client ID",
    "client_secret": "Client Secret", "access_token": "Access token", "refresh_token": "Refresh token",
    "enrol_mode": "Enrolment", "limit_to_section": "Limit students to their course section",
    "notify": "Send enrolment notifications", "time_zone": "Time zone",
    "leave_action": "When a student leaves a class",
    "conclude_on_completed": "Conclude the Canvas enrolment when the enrolment is Completed",
    "auto_transfer": "Transfer new enrolments automatically",
    "push_login_changes": "Allow pushing login and e-mail changes to Canvas",
    "invitation_days": "List invitations not accepted after (days)",
    "quiet_days": "List students not active in Canvas after (days)",
    "guard_students": "Mass-change guard: students a day", "guard_percent": "Mass-change guard: % of a section",
    "result_on_start": "Record a unit result when a linked module is started",
    "result_on_start_type_id": "Result on start",
    "result_on_complete": "Record a unit result when the linked modules are completed",
    "result_on_complete_type_id": "Result on completion",
    "started_end_months": "End date of started units: start date plus (months)",
    "task_on_start": "Record a task status when a linked module is started",
    "task_on_start_status_id": "Status on start",
    "task_on_complete": "Record a task status when a linked module is completed",
    "task_on_complete_status_id": "Status on completion",
    "nightly_pull": "Transfer results from Canvas every night",
    "nightly_start_rule": "Start date of started units at night",
    # what canvaslink did in Canvas
    "student": "Student", "trigger": "Triggered by", "call": "Canvas call", "outcome": "Outcome",
    "canvas_enrollment_id": "Canvas enrolment id",
}

# Fields that hold the id of another record: shown by that record's name.
_REFERENCES = {"result_on_start_type_id": ResultType, "result_on_complete_type_id": ResultType,
               "task_on_start_status_id": TaskStatus, "task_on_complete_status_id": TaskStatus}

# An internal name not listed above still reads as words; a module or unit name used as a key
# (module mappings, replaced results) is shown as it is.
_INTERNAL = re.compile(r"[a-z]+(?:_[a-z]+)*")


def _words(mapping: dict[str, str], name: str) -> str:
    if name in mapping:
        return mapping[name]
    return name.replace("_", " ").capitalize() if _INTERNAL.fullmatch(name) else name


def entity_words(entity: str) -> str:
    return _words(ENTITIES, entity)


def action_words(action: str) -> str:
    return _words(ACTIONS, action)


def field_label(name: str) -> str:
    return _words(FIELDS, name)


def value_words(name: str, value) -> str:
    """A field's value as staff read it: Yes/No, a referenced record by its name, nothing as "—"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    model = _REFERENCES.get(name)
    if model is not None and isinstance(value, int):
        referenced = db.session.get(model, value)
        return referenced.name if referenced is not None else f"{value} (since deleted)"
    return str(value)


def change_lines(changes: dict) -> list[str]:
    """One line per changed field: "Result on start: — → Continuing enrolment", "Active: Yes → No",
    "Client Secret: replaced"."""
    lines = []
    for name, change in (changes or {}).items():
        if isinstance(change, list) and len(change) == 2:
            lines.append(f"{field_label(name)}: {value_words(name, change[0])} → {value_words(name, change[1])}")
        else:
            lines.append(f"{field_label(name)}: {value_words(name, change)}")
    return lines


def describe_changes(changes: dict) -> str:
    """The changes on one line, for the audit page and the CSV."""
    return "; ".join(change_lines(changes))
