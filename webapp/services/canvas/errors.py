"""Typed Canvas errors whose messages a training administrator can act on.

`str(error)` names the Canvas object involved and never contains a token; Canvas's raw
body is kept in `detail` for logs.
"""

from dataclasses import dataclass
from typing import TypeVar


class CanvasError(Exception):
    def __init__(self, message: str, *, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


class NotFound(CanvasError):
    """Canvas has no such object (or the token may not see it)."""


class AuthError(CanvasError):
    """The access token is invalid, expired or revoked, or could not be renewed."""


class PermissionDenied(CanvasError):
    """The token works, but its Canvas user may not do this."""


class MissingScope(PermissionDenied):
    """The developer key enforces scopes and the token was not granted the one this call needs."""

    def __init__(self, message: str, *, scope: str | None, status: int | None = None, detail: str = "") -> None:
        super().__init__(message, status=status, detail=detail)
        self.scope = scope


class ThrottledTooLong(CanvasError):
    """Canvas kept throttling beyond the client's total wait budget."""


class Unavailable(CanvasError):
    """Canvas could not be reached or kept failing (5xx, timeouts, dropped connections)."""


class RefusedAddress(CanvasError):
    """canvaslink would not connect: the Canvas host name resolves to an address it never reaches."""


class BadResponse(CanvasError):
    """The answer is not what Canvas sends: wrong address, a proxy, or a damaged body."""


@dataclass(frozen=True)
class FieldError:
    """One entry of a Canvas validation error hash, e.g. `pseudonym.unique_id` is `taken`."""

    attribute: str
    type: str
    message: str
    object: str | None = None  # "pseudonym", "user", ... in the nested user-creation shape


class CanvasValidationError(CanvasError):
    """Canvas refused the request as invalid (400/409/422), possibly per field."""

    def __init__(self, message: str, *, errors: tuple[FieldError, ...] = (), status: int | None = None,
                 detail: str = "") -> None:
        super().__init__(message, status=status, detail=detail)
        self.errors = errors

    def has(self, type_: str, attribute: str | None = None) -> bool:
        """`has("taken", "unique_id")`: is that login already used by another user?"""
        return any(e.type == type_ and attribute in (None, e.attribute) for e in self.errors)


E = TypeVar("E", bound=CanvasError)


def amended(error: E, message: str) -> E:
    """The same error, told in words that fit the call."""
    return type(error)(message, status=error.status, detail=error.detail)
