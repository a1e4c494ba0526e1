"""Canvas's pagination (reference §6, lib/api.rb): `per_page`, `page` and the Link header.

Numbered lists give rels current, next, prev, first, last (last only where Canvas
counts); bookmarked lists (enrollments) give current, next and first, with pages
named `first` and `bookmark:<base64url JSON of the last id>`.
"""

import base64
import binascii
import json
from math import ceil
from typing import Callable, Sequence
from urllib.parse import quote_plus

from flask import Response, jsonify, request

from . import errors
from .params import ruby_int

PER_PAGE = 10
MAX_PER_PAGE = 100
# Canvas leaves these out of the links; the token especially must not leak into URLs.
EXCLUDED = ("page", "per_page", "access_token", "api_key")


def per_page() -> int:
    raw = request.args.get("per_page")
    return min(max(PER_PAGE if raw is None else ruby_int(raw), 1), MAX_PER_PAGE)


def paginate(items: Sequence, render: Callable, *, counted: bool = True) -> Response:
    size = per_page()
    page = _page_number()
    last = max(1, ceil(len(items) / size))
    links = {"current": page, "next": page + 1 if page < last else None, "prev": page - 1 if page > 1 else None,
             "first": 1, "last": last if counted else None}
    return _respond(items[(page - 1) * size: page * size], render, links, size)


def paginate_bookmarked(items: Sequence, render: Callable) -> Response:
    """`items` must be in id order; a page's bookmark is the last id on it."""
    size = per_page()
    after = _bookmark()
    remaining = [item for item in items if after is None or item.id > after]
    chunk = remaining[:size]
    links = {"current": _encode(after) if after is not None else "first",
             "next": _encode(chunk[-1].id) if len(remaining) > size else None, "first": "first"}
    return _respond(chunk, render, links, size)


def _page_number() -> int:
    raw = request.args.get("page")
    if raw in (None, ""):
        return 1
    if not raw.isdigit() or int(raw) < 1:
        raise errors.not_found()
    return int(raw)


def _bookmark() -> int | None:
    """The id after which the page starts; None for the first page."""
    page = request.args.get("page") or ""
    if page.startswith("bookmark:"):
        token = page.removeprefix("bookmark:")
        try:
            return int(json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))[0])
        except (ValueError, TypeError, IndexError, KeyError, binascii.Error):
            return None  # Canvas reads an undecodable bookmark as the first page
    if page.isdigit() and int(page) > 1:
        raise errors.not_found()
    return None


def _encode(last_id: int) -> str:
    return "bookmark:" + base64.urlsafe_b64encode(json.dumps([last_id]).encode()).decode().rstrip("=")


def _respond(chunk: Sequence, render: Callable, links: dict, size: int) -> Response:
    response = jsonify([render(item) for item in chunk])
    query = sorted(f"{quote_plus(k)}={quote_plus(v)}" for k, v in request.args.items(multi=True)
                   if k not in EXCLUDED)
    base = f"{request.host_url.rstrip('/')}{request.path}?" + "".join(f"{pair}&" for pair in query)
    response.headers["Link"] = ",".join(f'<{base}page={value}&per_page={size}>; rel="{rel}"'
                                        for rel, value in links.items() if value is not None)
    return response
