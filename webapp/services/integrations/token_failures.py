"""An integration's last token failure: when Canvas rejected its token and renewing it failed, and
what Canvas said. Its health shows it (the LMS integrations list, its page, the home page) until a
call with the token works again, or a person authorises the integration again."""

import logging
from collections.abc import Callable

from sqlalchemy import update

from ...extensions import db
from ...models import LmsIntegration
from ..clock import utcnow

log = logging.getLogger(__name__)


def token_watch(integration: LmsIntegration) -> Callable[[str | None], None]:
    """What a saved integration's Canvas client tells of its token after each answer (None: Canvas
    took it). A failure is recorded with its time, once per client and message; the first answer
    that shows the token works again clears it, so a working token costs no write."""
    integration_id = integration.id
    # Its own short transactions on the engine taken now: the client may answer in a worker thread
    # (no app context there) mid-way through other work, whose transaction must not carry this.
    engine = db.engine
    state = {"failing": integration.token_failed_at is not None, "said": None}

    def write(failed_at, failure: str | None) -> None:
        try:
            with engine.begin() as connection:
                connection.execute(update(LmsIntegration).where(LmsIntegration.id == integration_id)
                                   .values(token_failed_at=failed_at, token_failure=failure))
        except Exception:  # the call's own outcome matters more; the next call records it again
            log.warning("Could not record the token state of LMS integration %s", integration_id, exc_info=True)

    def tell(failure: str | None) -> None:
        if failure is None:
            if state["failing"]:
                state["failing"], state["said"] = False, None
                write(None, None)
        elif failure != state["said"]:
            state["failing"], state["said"] = True, failure
            write(utcnow(), failure)

    return tell


def forget_token_failure(integration: LmsIntegration) -> None:
    """A new token was stored: the old one's failure no longer says anything about it."""
    integration.token_failed_at = integration.token_failure = None
