"""LMS integrations: the Add/Edit wizard's drafts, saving with an audit trail, and the Canvas
client built from an integration's credentials (OAuth2 with automatic token refresh)."""

import hashlib
import json
import logging
import secrets as random_tokens
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode
from zoneinfo import available_timezones

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..queue import redis_connection
from ..models import (
    ENROL_ACTIVE, ENROL_INVITED, LEAVE_CONCLUDE, LEAVE_DEACTIVATE, LEAVE_DELETE, IntegrationDraft, LmsIntegration,
    OccurrenceLink, ResultType, TaskStatus,
)
from . import DomainError
from .audit import record, utcnow
from .canvas import SCOPES, BadResponse, CanvasClient, CanvasError, OAuthTokenProvider, OAuthTokens, SharedLimiter, \
    StaticToken, Unavailable, exchange_authorization_code
from .canvas_rights import ConnectionReport, check_rights
from .canvas_usage import call_counter
from .canvas_address import normalise_canvas_address
from .records import same_text
from .result_transfer.proposals import START_RULES, UNATTENDED_START_RULES
from .secrets import decrypt, encrypt

log = logging.getLogger(__name__)

STEP_TITLES = {1: "Integration", 2: "Canvas connection", 3: "Unit results", 4: "Task statuses"}
STEP_FIELDS = {
    1: ("name", "code", "product", "transfer_units", "transfer_tasks"),
    2: ("base_url", "account_id", "client_id", "enrol_mode", "limit_to_section", "notify", "time_zone",
        "leave_action", "conclude_on_completed", "auto_transfer", "push_login_changes", "invitation_days",
        "guard_students", "guard_percent"),
    3: ("result_on_start", "result_on_start_type_id", "result_on_complete", "result_on_complete_type_id",
        "started_end_months"),
    4: ("task_on_start", "task_on_start_status_id", "task_on_complete", "task_on_complete_status_id",
        "nightly_pull", "nightly_start_rule"),
}
SETTINGS = tuple(f for fields in STEP_FIELDS.values() for f in fields)
# Stored encrypted on the integration as <name>_enc.
SECRETS = ("client_secret", "access_token", "refresh_token")
# What a draft forgets when its Canvas address changes: nothing issued for one host goes to another.
FORGET_ON_NEW_ADDRESS = {name: "" for name in SECRETS} | {"token_expires_at": None, "token_acts_as": None}
PRODUCTS = {"canvas": "Canvas LMS"}
# What leaving a class does in Canvas (reference §5.4), in the wizard's words.
LEAVE_ACTIONS = {
    LEAVE_CONCLUDE: "Conclude the enrolment: the student's work and gradebook stay in Canvas",
    LEAVE_DEACTIVATE: "Deactivate the enrolment: hidden from the student, can be reactivated",
    LEAVE_DELETE: "Delete the enrolment",
}
DRAFT_LIFETIME = timedelta(days=2)


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
        "push_login_changes": False, "invitation_days": 7, "guard_students": 10, "guard_percent": 25,
        "result_on_start": True, "result_on_start_type_id": _by_name(ResultType, "Continuing enrolment"),
        "result_on_complete": True, "result_on_complete_type_id": _by_name(ResultType, "Competent"),
        "started_end_months": 12,
        "task_on_start": True, "task_on_start_status_id": _by_name(TaskStatus, "In progress"),
        "task_on_complete": True, "task_on_complete_status_id": _by_name(TaskStatus, "Completed"),
        "nightly_pull": False, "nightly_start_rule": None,
    }


# Drafts ---------------------------------------------------------------------------------

def start_draft(user_id: int, integration: LmsIntegration | None = None) -> IntegrationDraft:
    data = defaults() if integration is None else {f: getattr(integration, f) for f in SETTINGS}
    now = utcnow()
    draft = IntegrationDraft(id=random_tokens.token_urlsafe(24), user_id=user_id, integration=integration,
                             step=1, data=data, created_at=now, updated_at=now)
    db.session.add(draft)
    _forget_old_drafts(now)
    db.session.flush()
    return draft


def _forget_old_drafts(now: datetime) -> None:
    db.session.execute(IntegrationDraft.__table__.delete().where(IntegrationDraft.updated_at < now - DRAFT_LIFETIME))


def find_draft(draft_id: str, user_id: int, integration_id: int | None) -> IntegrationDraft | None:
    """The user's own draft for this integration (or for a new one); never someone else's."""
    draft = db.session.get(IntegrationDraft, draft_id)
    if draft is None or draft.user_id != user_id or draft.integration_id != integration_id:
        return None
    return draft


def draft_secrets(draft: IntegrationDraft) -> dict:
    """Secrets typed or obtained in this draft (a missing key means: keep the saved one)."""
    return json.loads(decrypt(draft.secrets_enc)) if draft.secrets_enc else {}


def _store_draft_secrets(draft: IntegrationDraft, values: dict) -> None:
    merged = draft_secrets(draft) | values
    draft.secrets_enc = encrypt(json.dumps(merged))


def effective_secret(draft: IntegrationDraft, name: str) -> str | None:
    pending = draft_secrets(draft)
    if name in pending:
        return pending[name]
    if draft.integration is not None:
        return decrypt(getattr(draft.integration, f"{name}_enc"))
    return None


def secret_is_set(draft: IntegrationDraft, name: str) -> bool:
    pending = draft_secrets(draft)
    if name in pending:
        return bool(pending[name])
    return draft.integration is not None and bool(getattr(draft.integration, f"{name}_enc"))


def _forget_secrets_if_moved(draft: IntegrationDraft, values: dict) -> None:
    """A new Canvas address drops the secret and tokens kept for the old one (saved or in this
    draft): Test connection or a token refresh would otherwise hand them to the new host."""
    before, after = draft.data.get("base_url"), values.get("base_url", draft.data.get("base_url"))
    if before and after != before:
        _store_draft_secrets(draft, FORGET_ON_NEW_ADDRESS)


def save_step(draft: IntegrationDraft, step: int, values: dict, secrets: dict | None = None) -> None:
    """Check one page's values and keep them in the draft; DomainError names the field at fault."""
    values = dict(values)
    _CHECKS[step](draft, values)
    _forget_secrets_if_moved(draft, values)
    draft.data = {**draft.data, **{k: values[k] for k in STEP_FIELDS[step] if k in values}}
    typed = {k: v for k, v in (secrets or {}).items() if v}
    if typed.get("access_token"):
        # A pasted token replaces an OAuth pair; it cannot be refreshed.
        typed |= {"refresh_token": "", "token_expires_at": None, "token_acts_as": None}
    if typed:
        _store_draft_secrets(draft, typed)
    draft.step = max(draft.step, min(step + 1, len(STEP_FIELDS)))
    draft.updated_at = utcnow()
    db.session.flush()


def keep_unchecked(draft: IntegrationDraft, step: int, values: dict) -> None:
    """Keep a page's values without checking them (Back); finish() checks every page again."""
    _forget_secrets_if_moved(draft, values)
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


def finish(draft: IntegrationDraft, actor_id: int) -> LmsIntegration:
    """Save the draft as the integration (new or edited), record what changed, drop the draft."""
    for step in STEP_FIELDS:  # another tab may have changed the data behind an earlier page
        _CHECKS[step](draft, dict(draft.data))
    integration = draft.integration
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
            if value or was_set:
                changes[name] = "replaced" if was_set and value else ("set" if value else "removed")
        elif name == "token_expires_at":
            integration.token_expires_at = datetime.fromtimestamp(value, timezone.utc).replace(tzinfo=None) \
                if value else None
        elif name == "token_acts_as":
            integration.token_acts_as = value
    db.session.delete(draft)
    db.session.flush()
    record(actor_id, "lms_integration", integration.id, "create" if creating else "edit",
           f"{'Added' if creating else 'Edited'} LMS integration {integration.name}", _jsonable(changes))
    return integration


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


# Canvas access --------------------------------------------------------------------------

def _token_provider(base_url: str, client_id: str | None, client_secret: str | None, access_token: str | None,
                    refresh_token: str | None, expires_at: float | None, on_new_tokens):
    if refresh_token and client_id and client_secret:
        return OAuthTokenProvider(base_url, client_id, client_secret, refresh_token, access_token=access_token,
                                  expires_at=expires_at, on_new_tokens=on_new_tokens)
    if access_token:
        return StaticToken(access_token)
    raise DomainError("The integration is not authorised yet: use Authorise with Canvas, or paste an access "
                      "token, on the Canvas connection page.")


def _epoch(moment: datetime | None) -> float | None:
    return moment.replace(tzinfo=timezone.utc).timestamp() if moment else None


def canvas_client(integration: LmsIntegration, **options) -> CanvasClient:
    """A client for a saved integration; renewed tokens are written back (encrypted) as they arrive."""
    integration_id = integration.id

    def keep(tokens: OAuthTokens) -> None:
        # Its own short transaction: the caller may be a worker thread, mid-way through other work.
        try:
            with db.engine.begin() as connection:
                connection.execute(update(LmsIntegration).where(LmsIntegration.id == integration_id).values(
                    access_token_enc=encrypt(tokens.access_token),
                    token_expires_at=datetime.fromtimestamp(tokens.expires_at, timezone.utc).replace(tzinfo=None)
                    if tokens.expires_at else None))
        except Exception:  # the new token still works for this run; the next run renews again
            log.warning("Could not store a renewed Canvas access token for integration %s", integration_id,
                        exc_info=True)

    access_token = decrypt(integration.access_token_enc)
    provider = _token_provider(integration.base_url, integration.client_id, decrypt(integration.client_secret_enc),
                               access_token, decrypt(integration.refresh_token_enc),
                               _epoch(integration.token_expires_at), keep)
    if current_app.config.get("REDIS_URL") and "limiter" not in options:
        # Canvas keeps one bucket per token (§7): every worker on every machine shares its limiter.
        token_key = hashlib.sha256(f"{integration.base_url}|{access_token}".encode()).hexdigest()[:24]
        options["limiter"] = SharedLimiter(redis_connection(), f"canvaslink:canvas-token:{token_key}",
                                           ceiling=options.pop("max_concurrency", 8),
                                           lease_seconds=current_app.config.get("LEASE_SECONDS", 30))
    return CanvasClient(integration.base_url, provider, observe=call_counter(integration_id), **options)


def _draft_client(draft: IntegrationDraft) -> tuple[CanvasClient, dict]:
    """A short-fused client for the wizard, and the dict its provider fills with renewed tokens."""
    pending = draft_secrets(draft)

    def keep(tokens: OAuthTokens) -> None:
        pending.update(access_token=tokens.access_token, token_expires_at=tokens.expires_at)

    expires_at = pending.get("token_expires_at") if "token_expires_at" in pending else (
        _epoch(draft.integration.token_expires_at) if draft.integration else None)
    provider = _token_provider(draft.data["base_url"], draft.data.get("client_id"),
                               effective_secret(draft, "client_secret"), effective_secret(draft, "access_token"),
                               effective_secret(draft, "refresh_token"), expires_at, keep)
    client = CanvasClient(draft.data["base_url"], provider, timeout=(5, 15), max_attempts=2,
                          max_throttle_wait=20)
    return client, pending


class ConnectionFailed(DomainError):
    """Canvas was tried and failed; what the attempt recorded (its audit entry) is kept."""


def test_connection(draft: IntegrationDraft) -> ConnectionReport:
    """Who the draft's credentials act as in Canvas and whether they hold each right the flows need;
    ConnectionFailed when the token does not work at all."""
    client, renewed = _draft_client(draft)
    address = draft.data["base_url"]
    if draft.integration is None or address != draft.integration.base_url:
        # Credentials go to a host nobody has saved yet: keep a trace of every such attempt.
        record(draft.user_id, "lms_integration", draft.integration_id, "test_address",
               f"Tested the connection to {address}", {"base_url": [getattr(draft.integration, "base_url", None),
                                                                   address]})
    try:
        with client:
            report = check_rights(client)
    except (Unavailable, BadResponse):
        # Whether nothing listens there, or something that is not Canvas: one answer, so that
        # Test connection cannot map which ports answer on other hosts.
        raise ConnectionFailed(f"No Canvas answered at {address}. Check the Canvas address; if it is right, "
                               "Canvas may be down: try again later.") from None
    except CanvasError as err:
        raise ConnectionFailed(str(err)) from None
    _store_draft_secrets(draft, {**renewed, "token_acts_as": report.acts_as})
    draft.updated_at = utcnow()
    db.session.flush()
    return report


# OAuth2 (reference §8.1) ----------------------------------------------------------------

def _hash_state(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def authorisation_url(draft: IntegrationDraft, redirect_uri: str) -> tuple[str, str]:
    """Where to send the browser to approve access, and the `state` to keep in the user's session."""
    if not draft.data.get("client_id") or not effective_secret(draft, "client_secret"):
        raise DomainError("Enter the Client ID and Client Secret of the Canvas developer key first.", "client_id")
    state = random_tokens.token_urlsafe(32)
    draft.oauth_state_hash = _hash_state(state)
    db.session.flush()
    # A key with "Enforce scopes" refuses a request without them (§11.1); others ignore them.
    query = urlencode({"client_id": draft.data["client_id"], "response_type": "code", "state": state,
                       "redirect_uri": redirect_uri, "scope": " ".join(SCOPES)})
    return f"{draft.data['base_url']}/login/oauth2/auth?{query}", state


def draft_for_state(state: str, user_id: int) -> IntegrationDraft | None:
    draft = db.session.scalar(select(IntegrationDraft).where(IntegrationDraft.oauth_state_hash == _hash_state(state)))
    return draft if draft is not None and draft.user_id == user_id else None


def complete_authorisation(draft: IntegrationDraft, code: str, redirect_uri: str) -> ConnectionReport:
    """Trade Canvas's code for tokens, keep them (encrypted) in the draft, and test what they may do."""
    draft.oauth_state_hash = None  # a state is good for one answer only
    try:
        tokens = exchange_authorization_code(draft.data["base_url"], draft.data["client_id"],
                                             effective_secret(draft, "client_secret"), code, redirect_uri)
    except CanvasError as err:
        raise DomainError(str(err)) from None
    _store_draft_secrets(draft, {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token or "",
                                 "token_expires_at": tokens.expires_at})
    return test_connection(draft)
