"""Who a request acts as (reference §8): the bearer token. What they may do is rights.py."""

from flask import g, request

from . import errors
from .simulation import current_simulation


def bearer_token(authorization: str | None, access_token_param: str | None) -> str | None:
    """Canvas reads `Authorization: Bearer <token>`, else the `access_token` parameter."""
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme == "Bearer" and token:
            return token
    return access_token_param or None


def authenticate() -> None:
    """Sets `g.user` and `g.token`, or raises the 401 that makes a client refresh."""
    sim = current_simulation()
    token_string = bearer_token(request.headers.get("Authorization"), request.values.get("access_token"))
    if token_string is None:
        raise errors.unauthenticated()
    token = sim.state.tokens.get(token_string)
    if token is None or token.expired(sim.settings.clock()):
        raise errors.invalid_token()
    g.token = token
    g.user = sim.state.users[token.user_id]

