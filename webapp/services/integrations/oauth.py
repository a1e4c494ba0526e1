"""OAuth2 authorisation with the integration's developer key (reference §8.1)."""

import hashlib
import logging
import secrets as random_tokens
from urllib.parse import urlencode

from sqlalchemy import select

from ...extensions import db
from ...models import IntegrationDraft
from .. import DomainError
from ..canvas import SCOPES, CanvasError, exchange_authorization_code
from .address import connection_check
from .connection import test_connection
from .drafts import effective_secret, store_draft_secrets
from .rights import ConnectionReport

log = logging.getLogger(__name__)


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
                                             effective_secret(draft, "client_secret"), code, redirect_uri,
                                             check_address=connection_check())
    except CanvasError as err:
        raise DomainError(str(err)) from None
    store_draft_secrets(draft, {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token or "",
                                 "token_expires_at": tokens.expires_at})
    return test_connection(draft)
