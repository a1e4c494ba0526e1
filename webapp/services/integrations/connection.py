"""The Canvas client built from an integration's credentials (OAuth2 with automatic token
refresh, a limiter shared through Redis), and Test connection for a draft."""

import hashlib
import logging
from typing import NamedTuple

from flask import current_app
from sqlalchemy import update

from ...extensions import db
from ...models import IntegrationDraft, LmsIntegration
from ...queue import redis_connection
from .. import DomainError
from ..audit import record
from ..canvas import (
    AddressCheck, BadResponse, CanvasClient, CanvasError, OAuthTokenProvider, OAuthTokens, SharedLimiter, StaticToken,
    Unavailable,
)
from ..clock import from_epoch, to_epoch, utcnow
from .address import connection_check
from .drafts import draft_secrets, effective_secret, store_draft_secrets
from .rights import ConnectionReport, check_rights, rights_needed
from .secrets import decrypt, encrypt
from .token_failures import token_watch
from .usage import call_counter

log = logging.getLogger(__name__)


class Patience(NamedTuple):
    """How long a Canvas call may keep someone waiting: (connect, read) seconds per request, tries of
    a call that fails, and seconds of waiting out Canvas's throttle in all."""

    timeout: tuple[float, float]
    max_attempts: int
    max_throttle_wait: float


# By who waits. Jobs keep the client's own long defaults: nobody watches the page, and a throttled
# run must not give up.
QUICK = Patience(timeout=(5, 15), max_attempts=2, max_throttle_wait=20)  # a check while a form is open
PAGE = Patience(timeout=(5, 30), max_attempts=3, max_throttle_wait=60)   # a page that calls Canvas while staff wait


def _token_provider(base_url: str, client_id: str | None, client_secret: str | None, access_token: str | None,
                    refresh_token: str | None, expires_at: float | None, on_new_tokens, check_address: AddressCheck):
    if refresh_token and client_id and client_secret:
        return OAuthTokenProvider(base_url, client_id, client_secret, refresh_token, access_token=access_token,
                                  expires_at=expires_at, on_new_tokens=on_new_tokens, check_address=check_address)
    if access_token:
        return StaticToken(access_token)
    raise DomainError("The integration is not authorised yet: use Authorise with Canvas, or paste an access "
                      "token, on the Canvas connection page.")



def canvas_client(integration: LmsIntegration, patience: Patience | None = None, **options) -> CanvasClient:
    """A client for a saved integration; renewed tokens are written back (encrypted) as they arrive.
    Every connection it makes, token requests included, checks the address it reaches (`address`)."""
    integration_id = integration.id
    check_address = connection_check()
    if patience is not None:
        options = patience._asdict() | options

    def keep(tokens: OAuthTokens) -> None:
        # Its own short transaction: the caller may be a worker thread, mid-way through other work.
        try:
            with db.engine.begin() as connection:
                connection.execute(update(LmsIntegration).where(LmsIntegration.id == integration_id).values(
                    access_token_enc=encrypt(tokens.access_token),
                    token_expires_at=from_epoch(tokens.expires_at) if tokens.expires_at else None))
        except Exception:  # the new token still works for this run; the next run renews again
            log.warning("Could not store a renewed Canvas access token for integration %s", integration_id,
                        exc_info=True)

    access_token = decrypt(integration.access_token_enc)
    provider = _token_provider(integration.base_url, integration.client_id, decrypt(integration.client_secret_enc),
                               access_token, decrypt(integration.refresh_token_enc),
                               to_epoch(integration.token_expires_at), keep, check_address)
    if current_app.config.get("REDIS_URL") and "limiter" not in options:
        # Canvas keeps one bucket per token (§7): every worker on every machine shares its limiter.
        token_key = hashlib.sha256(f"{integration.base_url}|{access_token}".encode()).hexdigest()[:24]
        options["limiter"] = SharedLimiter(redis_connection(), f"canvaslink:canvas-token:{token_key}",
                                           ceiling=options.pop("max_concurrency", 8),
                                           lease_seconds=current_app.config.get("LEASE_SECONDS", 30))
    return CanvasClient(integration.base_url, provider, observe=call_counter(integration_id),
                        check_address=check_address, on_token=token_watch(integration), **options)


def draft_client(draft: IntegrationDraft) -> tuple[CanvasClient, dict]:
    """A short-fused client for the wizard, and the dict its provider fills with renewed tokens."""
    pending = draft_secrets(draft)

    def keep(tokens: OAuthTokens) -> None:
        pending.update(access_token=tokens.access_token, token_expires_at=tokens.expires_at)

    expires_at = pending.get("token_expires_at") if "token_expires_at" in pending else (
        to_epoch(draft.integration.token_expires_at) if draft.integration else None)
    check_address = connection_check()
    provider = _token_provider(draft.data["base_url"], draft.data.get("client_id"),
                               effective_secret(draft, "client_secret"), effective_secret(draft, "access_token"),
                               effective_secret(draft, "refresh_token"), expires_at, keep, check_address)
    client = CanvasClient(draft.data["base_url"], provider, check_address=check_address, **QUICK._asdict())
    return client, pending


class ConnectionFailed(DomainError):
    """Canvas was tried and failed; what the attempt recorded (its audit entry) is kept."""


def test_connection(draft: IntegrationDraft) -> ConnectionReport:
    """Who the draft's credentials act as in Canvas and whether they hold each right the flows need;
    ConnectionFailed when the token does not work at all."""
    client, renewed = draft_client(draft)
    address = draft.data["base_url"]
    if draft.integration is None or address != draft.integration.base_url:
        # Credentials go to a host nobody has saved yet: keep a trace of every such attempt.
        record(draft.user_id, "lms_integration", draft.integration_id, "test_address",
               f"Tested the connection to {address}", {"base_url": [getattr(draft.integration, "base_url", None),
                                                                   address]})
    try:
        with client:
            report = check_rights(client, rights_needed(draft.data.get("leave_action"),
                                                        bool(draft.data.get("conclude_on_completed")),
                                                        bool(draft.data.get("push_login_changes"))))
    except (Unavailable, BadResponse):
        # Whether nothing listens there, or something that is not Canvas: one answer, so that
        # Test connection cannot map which ports answer on other hosts.
        raise ConnectionFailed(f"No Canvas answered at {address}. Check the Canvas address; if it is right, "
                               "Canvas may be down: try again later.") from None
    except CanvasError as err:
        raise ConnectionFailed(str(err)) from None
    store_draft_secrets(draft, {**renewed, "token_acts_as": report.acts_as})
    draft.updated_at = utcnow()
    db.session.flush()
    return report
