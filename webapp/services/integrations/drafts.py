"""Wizard drafts: one row per user and integration being edited, its secrets encrypted,
forgotten after two days. Secrets never go into the cookie session."""

import json
import logging
from datetime import datetime, timedelta

from ...extensions import db
from ...models import IntegrationDraft
from .secrets import decrypt, encrypt

log = logging.getLogger(__name__)


# Stored encrypted on the integration as <name>_enc.
SECRETS = ("client_secret", "access_token", "refresh_token")
# What a draft forgets when its Canvas address changes: nothing issued for one host goes to another.
FORGET_ON_NEW_ADDRESS = {name: "" for name in SECRETS} | {"token_expires_at": None, "token_acts_as": None}
DRAFT_LIFETIME = timedelta(days=2)


def forget_old_drafts(now: datetime) -> None:
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


def store_draft_secrets(draft: IntegrationDraft, values: dict) -> None:
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


def forget_secrets_if_moved(draft: IntegrationDraft, values: dict) -> None:
    """A new Canvas address drops the secret and tokens kept for the old one (saved or in this
    draft): Test connection or a token refresh would otherwise hand them to the new host."""
    before, after = draft.data.get("base_url"), values.get("base_url", draft.data.get("base_url"))
    if before and after != before:
        store_draft_secrets(draft, FORGET_ON_NEW_ADDRESS)
