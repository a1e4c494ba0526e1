"""Developer key scopes (reference §8.1, §11.1; lib/token_scopes.rb, authentication_methods.rb).

A route's scope is `url:<METHOD>|<Canvas route template>`, the template being the
Flask rule with `<cid:name>` written `:name` -- which is why the API's route
variables carry Canvas's own names. While `enforce_scopes` is on, the developer key
requires scopes: a token may call only the routes it was granted, and unless
`allow_includes` is on, `include[]` is stripped to `uuid` before the endpoint runs.
"""

import re

from flask import Flask, g, request

from . import errors
from .params import params
from .simulation import current_simulation

API_PREFIX = "/api/v1/"
INVALID_SCOPE = ("A requested scope is invalid, unknown, malformed, or exceeds the scope granted by the "
                 "resource owner.")
# Canvas keeps `uuid` even for a key that does not allow include parameters.
ALWAYS_INCLUDED = ("uuid",)
_RULE_ARGUMENT = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


def route_template(rule: str) -> str:
    """`/api/v1/courses/<cid:course_id>/modules` -> `/api/v1/courses/:course_id/modules`."""
    return _RULE_ARGUMENT.sub(lambda m: ":" + m.group(1), rule)


def scope(method: str, rule: str) -> str:
    return f"url:{method}|{route_template(rule)}"


def all_scopes(app: Flask) -> list[str]:
    """Every scope the simulator knows, i.e. every API route and method, sorted."""
    return sorted({scope(method, rule.rule) for rule in app.url_map.iter_rules()
                   if rule.rule.startswith(API_PREFIX) for method in rule.methods - {"HEAD", "OPTIONS"}})


def enforced() -> bool:
    return current_simulation().settings.enforce_scopes


def check() -> None:
    """After authentication: refuse an out-of-scope call, strip includes (Canvas's order)."""
    if not enforced() or g.token.developer_key_id is None:
        return  # manual tokens are never scoped; a key without "Enforce scopes" ignores them
    method = "GET" if request.method == "HEAD" else request.method
    if scope(method, request.url_rule.rule) not in g.token.scopes:
        raise errors.CanvasError(401, {"errors": [{"message": "Insufficient scopes on access token."}]})
    if not current_simulation().settings.allow_includes:
        merged = params()
        for key in ("include[]", "include"):
            merged.setlist(key, [value for value in merged.getlist(key) if value in ALWAYS_INCLUDED])
