"""LMS integrations: the Add/Edit wizard's pages, their checks, and saving with an audit trail."""

import logging
import secrets as random_tokens
from zoneinfo import available_timezones

from sqlalchemy import select

from ...extensions import db
from ...models import (
    ENROL_ACTIVE, ENROL_INVITED, LEAVE_CONCLUDE, LEAVE_DEACTIVATE, LEAVE_DELETE, IntegrationDraft, LmsIntegration,
    OccurrenceLink, ResultType, TaskStatus,
)
from .. import DomainError
from ..audit import record
from ..clock import from_epoch, utcnow
from ..records import same_text
from ..versions import Words, audited, check_version
from ..result_transfer.start_rules import START_RULES, UNATTENDED_START_RULES
from .address import normalise_canvas_address
from .drafts import SECRETS, draft_secrets, forget_old_drafts, forget_secrets_if_moved, store_draft_secrets
from .secrets import encrypt
from .token_failures import forget_token_failure

log = logging.getLogger(__name__)


STEP_TITLES = {1: "Integration", 2: "Canvas connection", 3: "Unit results", 4: "Task statuses"}
STEP_FIELDS = {
    1: ("name", "code", "product", "transfer_units", "transfer_tasks"),
    2: ("base_url", "account_id", "client_id", "enrol_mode", "limit_to_section", "notify", "time_zone",
        "leave_action", "conclude_on_completed", "auto_transfer", "push_login_changes", "invitation_days",
        "quiet_days", "guard_students", "guard_percent"),
    3: ("result_on_start", "result_on_start_type_id", "result_on_complete", "result_on_complete_type_id",
        "started_end_months"),
    4: ("task_on_start", "task_on_start_status_id", "task_on_complete", "task_on_complete_status_id",
        "nightly_pull", "nightly_start_rule"),
}
SETTINGS = tuple(f for fields in STEP_FIELDS.values() for f in fields)
PRODUCTS = {"canvas": "Canvas LMS"}
# What leaving a class does in Canvas (reference §5.4), in the wizard's words.
LEAVE_ACTIONS = {
    LEAVE_CONCLUDE: "Conclude the enrolment: the student's work and gradebook stay in Canvas",
    LEAVE_DEACTIVATE: "Deactivate the enrolment: hidden from the student, can be reactivated",
    LEAVE_DELETE: "Delete the enrolment",
}


def time_zones() -> list[str]:
    return sorted(z for z in available_timezones() if z.startswith(("Australia/", "Pacific/"))) + ["UTC"]


def _by_name(model, name: str) -> int | None:
    return db.session.scalar(select(model.id).where(model.name == name))


def defaults() -> dict:
    return {
        "name": "", "code": "", "product": "canvas", "transfer_units": True, "transfer_tasks": True,
        "base_url": "", "account_id": "self", "client_id": "", "enrol_mode": ENROL_ACTIVE,
        "limit_to_section": True, "notify": False, "time_zone": "Australia/Sydney",
        "leave_action": LEAVE_CONCLUDE, "conclude_on_completed": False, "auto_transfer": False,
        "push_login_changes": False, "invitation_days": 7, "quiet_days": 14, "guard_students": 10, "guard_percent": 25,
        "result_on_start": True, "result_on_start_type_id": _by_name(ResultType, "Continuing enrolment"),
        "result_on_complete": True, "result_on_complete_type_id": _by_name(ResultType, "Competent"),
        "started_end_months": 12,
        "task_on_start": True, "task_on_start_status_id": _by_name(TaskStatus, "In progress"),
        "task_on_complete": True, "task_on_complete_status_id": _by_name(TaskStatus, "Completed"),
        "nightly_pull": False, "nightly_start_rule": None,
    }


def start_draft(user_id: int, integration: LmsIntegration | None = None, step: int = 1) -> IntegrationDraft:
    """A new draft; of a saved integration it may open at a later page (page 2 to authorise again):
    its earlier pages hold what was saved, and Finish checks every page anyway."""
    data = defaults() if integration is None else {f: getattr(integration, f) for f in SETTINGS}
    now = utcnow()
    draft = IntegrationDraft(id=random_tokens.token_urlsafe(24), user_id=user_id, integration=integration,
                             integration_version=integration.version if integration else None,
                             step=step if integration is not None else 1, data=data, created_at=now, updated_at=now)
    db.session.add(draft)
    forget_old_drafts(now)
    db.session.flush()
    return draft


def save_step(draft: IntegrationDraft, step: int, values: dict, secrets: dict | None = None) -> None:
    """Check one page's values and keep them in the draft; DomainError names the field at fault."""
    values = dict(values)
    _CHECKS[step](draft, values)
    forget_secrets_if_moved(draft, values)
    draft.data = {**draft.data, **{k: values[k] for k in STEP_FIELDS[step] if k in values}}
    typed = {k: v for k, v in (secrets or {}).items() if v}
    if typed.get("access_token"):
        # A pasted token replaces an OAuth pair; it cannot be refreshed.
        typed |= {"refresh_token": "", "token_expires_at": None, "token_acts_as": None}
    if typed:
        store_draft_secrets(draft, typed)
    draft.step = max(draft.step, min(step + 1, len(STEP_FIELDS)))
    draft.updated_at = utcnow()
    db.session.flush()


def keep_unchecked(draft: IntegrationDraft, step: int, values: dict) -> None:
    """Keep a page's values without checking them (Back); finish() checks every page again."""
    forget_secrets_if_moved(draft, values)
    draft.data = {**draft.data, **{k: v for k, v in values.items() if k in STEP_FIELDS[step]}}
    draft.updated_at = utcnow()
    db.session.flush()


def _check_integration(draft, values):
    name = (values.get("name") or "").strip()
    if not name:
        raise DomainError("Give the integration a name.", "name")
    query = select(LmsIntegration.id).where(same_text(LmsIntegration.name, name))
    if draft.integration_id:
        query = query.where(LmsIntegration.id != draft.integration_id)
    if db.session.scalar(query):
        raise DomainError(f"Another LMS integration is already called “{name}”.", "name")
    values["name"] = name
    values["code"] = (values.get("code") or "").strip() or None
    if values.get("product") not in PRODUCTS:
        raise DomainError("Choose the LMS product.", "product")
    if not (values.get("transfer_units") or values.get("transfer_tasks")):
        raise DomainError("Choose at least one transfer level: units, tasks, or both.", "transfer_units")


def _check_connection(draft, values):
    values["base_url"] = normalise_canvas_address(values.get("base_url", ""))
    account = (values.get("account_id") or "").strip() or "self"
    if not (account == "self" or account.isdigit() or account.startswith("sis_account_id:")):
        raise DomainError("The account id is a number, “self” (the root account) or sis_account_id:…", "account_id")
    values["account_id"] = account
    values["client_id"] = (values.get("client_id") or "").strip()
    if values.get("enrol_mode") not in (ENROL_ACTIVE, ENROL_INVITED):
        raise DomainError("Choose whether students are enrolled at once or invited.", "enrol_mode")
    if values.get("time_zone") not in available_timezones():
        raise DomainError("Choose the time zone your college records dates in.", "time_zone")
    if values.get("leave_action") not in LEAVE_ACTIONS:
        raise DomainError("Choose what leaving a class does to the student's Canvas enrolment.", "leave_action")
    for field, low, high, what in (("invitation_days", 1, 365, "Invitations are listed as not accepted after 1 to "
                                    "365 days."),
                                   ("quiet_days", 1, 365, "A student has gone quiet after 1 to 365 days without "
                                    "activity in Canvas."),
                                   ("guard_students", 1, 10000, "The guard lets through 1 to 10000 students."),
                                   ("guard_percent", 1, 100, "The guard's share of a section is 1 to 100%.")):
        if not isinstance(values.get(field), int) or not low <= values[field] <= high:
            raise DomainError(what, field)


def _check_outcome(values, on_field, type_field, model, what, moment):
    if values.get(on_field):
        if not values.get(type_field) or db.session.get(model, values[type_field]) is None:
            raise DomainError(f"Choose the {what} to record when a module is {moment}.", type_field)
    else:
        values[type_field] = values.get(type_field) or None


def _check_unit_results(draft, values):
    _check_outcome(values, "result_on_start", "result_on_start_type_id", ResultType, "result", "started")
    _check_outcome(values, "result_on_complete", "result_on_complete_type_id", ResultType, "result", "completed")
    months = values.get("started_end_months")
    if not isinstance(months, int) or not 1 <= months <= 60:
        raise DomainError("The default end date is 1 to 60 months after the start date.", "started_end_months")


NIGHTLY_START_RULES = {"": "Leave started units for review",
                       **{kind: START_RULES[kind] for kind in UNATTENDED_START_RULES}}


def _check_task_statuses(draft, values):
    _check_outcome(values, "task_on_start", "task_on_start_status_id", TaskStatus, "task status", "started")
    _check_outcome(values, "task_on_complete", "task_on_complete_status_id", TaskStatus, "task status",
                   "completed")
    if (values.get("nightly_start_rule") or "") not in NIGHTLY_START_RULES:
        raise DomainError("Choose how started units get their start date at night.", "nightly_start_rule")
    values["nightly_start_rule"] = values.get("nightly_start_rule") or None


_CHECKS = {1: _check_integration, 2: _check_connection, 3: _check_unit_results, 4: _check_task_statuses}


def finish(draft: IntegrationDraft, actor_id: int, words: Words | None = None) -> LmsIntegration:
    """Save the draft as the integration (new or edited), record what changed, drop the draft.

    An Edit opened before someone saved the integration again is refused (NewerVersion, saying what
    they changed, in `words`); the draft stays as it was, to be finished again knowingly (`reopen`)."""
    integration = draft.integration
    if integration is not None:
        check_version(integration, draft.integration_version,
                      audited("lms_integration", "This LMS integration", words), again="Finish")
    for step in STEP_FIELDS:  # another tab may have changed the data behind an earlier page
        _CHECKS[step](draft, dict(draft.data))
    creating = integration is None
    if creating:
        integration = LmsIntegration()
        db.session.add(integration)
    changes = {}
    for field in SETTINGS:
        before, after = (None if creating else getattr(integration, field)), draft.data.get(field)
        if before != after:
            changes[field] = [before, after]
            setattr(integration, field, after)
    for name, value in draft_secrets(draft).items():
        if name in SECRETS:
            was_set = bool(getattr(integration, f"{name}_enc"))
            setattr(integration, f"{name}_enc", encrypt(value) if value else None)
            if name == "access_token" and value:
                forget_token_failure(integration)
            if value or was_set:
                changes[name] = "replaced" if was_set and value else ("set" if value else "removed")
        elif name == "token_expires_at":
            integration.token_expires_at = from_epoch(value) if value else None
        elif name == "token_acts_as":
            integration.token_acts_as = value
    db.session.delete(draft)
    db.session.flush()
    record(actor_id, "lms_integration", integration.id, "create" if creating else "edit",
           f"{'Added' if creating else 'Edited'} LMS integration {integration.name}", _jsonable(changes),
           version=integration.version)
    return integration


def reopen(draft: IntegrationDraft, version: int) -> None:
    """After Finish was refused over a newer version of the integration: the draft, as it was, is now
    opened at that version, so Finish again saves it over the change it was told of."""
    draft.integration_version = version
    draft.updated_at = utcnow()
    db.session.flush()


def _jsonable(changes: dict) -> dict:
    return {k: v if isinstance(v, str) else [x if x is None or isinstance(x, bool | int | str) else str(x)
                                             for x in v] for k, v in changes.items()}


def delete_integration(integration: LmsIntegration, actor_id: int) -> None:
    linked = db.session.scalars(select(OccurrenceLink.occurrence_id).where(
        OccurrenceLink.integration_id == integration.id, OccurrenceLink.unlinked_at.is_(None))).all()
    if linked:
        raise DomainError(f"{integration.name} cannot be deleted while occurrence(s) {', '.join(map(str, linked))} "
                          "are linked through it. Unlink them first (their history is kept).")
    record(actor_id, "lms_integration", integration.id, "delete", f"Deleted LMS integration {integration.name}")
    db.session.delete(integration)
    db.session.flush()
