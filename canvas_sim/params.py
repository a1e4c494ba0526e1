"""Request parameters the way Rails sees them: query, form and JSON body merged.

A JSON body `{"enrollment": {"user_id": 5}}` reads as `enrollment[user_id]`, so each
endpoint parses one flat namespace whichever encoding the client chose.
"""

import re

from flask import g, request
from werkzeug.datastructures import MultiDict

from . import errors

_TRUE = ("1", "true", "yes", "on")


def params() -> MultiDict:
    if "params" not in g:
        merged = MultiDict(request.args)
        for key, value in request.form.items(multi=True):
            merged.add(key, value)
        if request.is_json:
            for key, value in _flatten(request.get_json(silent=True) or {}, ""):
                merged.add(key, value)
        g.params = merged
    return g.params


def _flatten(value, key: str):
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from _flatten(inner, f"{key}[{name}]" if key else str(name))
    elif isinstance(value, list):
        for inner in value:
            yield from _flatten(inner, f"{key}[]")
    elif isinstance(value, bool):
        yield key, "true" if value else "false"
    else:
        yield key, "" if value is None else str(value)


def param(name: str, default: str | None = None) -> str | None:
    return params().get(name, default)


def list_param(name: str) -> list[str]:
    """`include[]=items` and `include=items` both count, as Rails' `Array(params[:include])`."""
    return params().getlist(name + "[]") + params().getlist(name)


def bool_param(name: str, default: bool = False) -> bool:
    """Canvas's value_to_boolean."""
    value = param(name)
    return default if value is None else value.strip().lower() in _TRUE


def ruby_int(text: str | None) -> int:
    """Ruby's String#to_i: the leading integer, else 0."""
    match = re.match(r"\s*[-+]?\d+", text or "")
    return int(match.group()) if match else 0


def search_term(minimum: int) -> str | None:
    """`search_term`, refused as Canvas refuses one that is too short; blank means none."""
    term = (param("search_term") or "").strip()
    if term and len(term) < minimum:
        raise errors.search_term_too_short(minimum)
    return term.casefold() or None
