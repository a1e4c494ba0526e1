"""Reading Canvas's answers: throttle vs permission vs token problems, and its error shapes (§7, §8.3, §10)."""

from typing import Any
from urllib.parse import urlsplit

import requests

from .errors import (
    AuthError,
    BadResponse,
    CanvasError,
    CanvasValidationError,
    FieldError,
    MissingScope,
    NotFound,
    PermissionDenied,
    Unavailable,
)
from .scopes import scope_for

# Failures where Canvas may not have seen the request, or its answer was lost on the way.
TRANSPORT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)

_NOT_AUTHORIZED = "user not authorized to perform that action"
_INSUFFICIENT_SCOPES = "insufficient scopes on access token"
_DETAIL_LIMIT = 2000


def raw_detail(response: requests.Response) -> str:
    """Canvas's body as sent, cut to a size fit for a log line."""
    return response.text[:_DETAIL_LIMIT]


def is_json(response: requests.Response) -> bool:
    return "json" in response.headers.get("Content-Type", "").lower()


def json_body(response: requests.Response) -> Any:
    """The decoded body, or None when it is not JSON (throttle text, proxy pages)."""
    if not is_json(response):
        return None
    try:
        return response.json()
    except ValueError:
        return None


def rate_limit_remaining(response: requests.Response) -> float | None:
    return _float_header(response, "X-Rate-Limit-Remaining")


def request_cost(response: requests.Response) -> float | None:
    """What Canvas charged for the request (§7); absent on throttled answers."""
    return _float_header(response, "X-Request-Cost")


def _float_header(response: requests.Response, name: str) -> float | None:
    try:
        return float(response.headers[name])
    except (KeyError, ValueError):
        return None


def retry_after(response: requests.Response) -> float:
    """Seconds a 429 asks us to wait (0 when absent or given as a date)."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", 0)))
    except ValueError:
        return 0.0


def is_throttled(response: requests.Response) -> bool:
    # Canvas throttles with a plain-text 403; a permission 403 has a JSON body (§7, §10).
    if response.status_code == 429:
        return True
    return response.status_code == 403 and "rate limit exceeded" in response.text.lower()


def is_token_rejected(response: requests.Response) -> bool:
    """A 401 that renewing the token can cure: WWW-Authenticate present, not a permission body (§8.3)."""
    return (response.status_code == 401 and "WWW-Authenticate" in response.headers
            and not _is_permission_body(json_body(response)))


def read_error_body(body: Any) -> tuple[str, tuple[FieldError, ...]]:
    """Canvas's message and field errors, trying `errors` as list, then dict, then `message`, then `error`."""
    if not isinstance(body, dict):
        return "", ()
    errors = body.get("errors")
    if isinstance(errors, list):
        return _read_error_list(errors)
    if isinstance(errors, dict):
        fields = tuple(_read_error_hash(errors))
        # A user create refused over its login also says the user's `pseudonyms` "is invalid" (§12.5):
        # the login's own error says why, so that echo stays out of the words.
        said = [f for f in fields if not (f.object == "user" and f.attribute == "pseudonyms")] or fields
        return "; ".join(f.message for f in said if f.message), fields
    if isinstance(body.get("message"), str):
        return body["message"], ()
    error = body.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"], ()
    if isinstance(error, str):
        # The OAuth token endpoint pairs an error code with a readable description (§8.1).
        description = body.get("error_description")
        return (description if isinstance(description, str) and description else error), ()
    return "", ()


def _read_error_list(errors: list[Any]) -> tuple[str, tuple[FieldError, ...]]:
    messages: list[str] = []
    fields: list[FieldError] = []
    for entry in errors:
        if isinstance(entry, str):
            messages.append(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("message"), str):
            messages.append(entry["message"])
            if isinstance(entry.get("field"), str):  # raised RecordInvalid: field + error_code
                fields.append(FieldError(entry["field"], str(entry.get("error_code", "")), entry["message"]))
    return "; ".join(messages), tuple(fields)


def _read_error_hash(errors: dict[str, Any], object_: str | None = None) -> list[FieldError]:
    fields: list[FieldError] = []
    for key, value in errors.items():
        if isinstance(value, list):
            fields.extend(
                FieldError(str(e.get("attribute", key)), str(e.get("type", "")), str(e.get("message", "")), object_)
                for e in value if isinstance(e, dict)
            )
        elif isinstance(value, dict) and object_ is None:
            # User creation nests one hash per object: {"user": {}, "pseudonym": {"unique_id": [...]}}.
            fields.extend(_read_error_hash(value, key))
    return fields


def _is_permission_body(body: Any) -> bool:
    if isinstance(body, dict) and body.get("status") == "unauthorized":
        return True
    message = read_error_body(body)[0].lower()
    return _NOT_AUTHORIZED in message or _INSUFFICIENT_SCOPES in message


def error_for_response(response: requests.Response, what: str) -> CanvasError:
    """The typed error for a failed answer about `what` (e.g. "course section with SIS ID 121")."""
    status = response.status_code
    body = json_body(response)
    message, fields = read_error_body(body)
    said = f" (Canvas said: {message})" if message else ""
    detail = raw_detail(response)
    if 300 <= status < 400:
        return BadResponse(
            f"The Canvas address redirects to {response.headers.get('Location', 'another address')} "
            f"while reading {what}; set the integration's Canvas address to where it redirects.",
            status=status, detail=detail)
    # A 404 without a body is Canvas's too (`head :not_found`); an HTML 404 page is something else's.
    if status == 404 and (body is not None or not response.content.strip()):
        return NotFound(f"Canvas has no {what}.", status=status, detail=detail)
    if status in (401, 403) and _INSUFFICIENT_SCOPES in message.lower():
        return _missing_scope(response, what, detail)
    if status == 403 or (status == 401 and (_is_permission_body(body)
                                            or "WWW-Authenticate" not in response.headers)):
        return PermissionDenied(
            f"Canvas refused access to {what}: the Canvas user this integration acts as lacks the "
            f"permission{said}.", status=status, detail=detail)
    if status == 401:
        return AuthError(
            f"Canvas rejected the integration's access token while working on {what}{said}. "
            f"Authorise the integration again or paste a new access token.", status=status, detail=detail)
    if status in (400, 409, 422):
        return CanvasValidationError(f"Canvas refused {what}{said or ' without giving a reason'}.",
                                     errors=fields, status=status, detail=detail)
    if status >= 500:
        return Unavailable(f"Canvas failed with error {status} while working on {what}{said}; try again later.",
                           status=status, detail=detail)
    return not_canvas(response, what, f"HTTP {status}")


def _missing_scope(response: requests.Response, what: str, detail: str) -> MissingScope:
    """Name the scope to add to the developer key, so an administrator can fix it in one go (§11.1)."""
    method = response.request.method if response.request is not None else "GET"
    scope = scope_for(method or "GET", urlsplit(response.url).path)
    needed = f"the scope {scope}" if scope else "a scope canvaslink does not request"
    return MissingScope(
        f"Canvas refused {what}: the developer key enforces scopes and the access token lacks {needed}. "
        f"Add it to the key's scopes in Canvas (Admin › Developer Keys), then authorise the integration again.",
        scope=scope, status=response.status_code, detail=detail)


def not_canvas(response: requests.Response, what: str, reason: str) -> BadResponse:
    host = urlsplit(response.url).netloc or "the configured address"
    return BadResponse(
        f"The answer from {host} for {what} is not what Canvas sends ({reason}); check the integration's "
        f"Canvas address.", status=response.status_code, detail=raw_detail(response))
