"""The Canvas REST client (reference: ../shared/canvas-api.md). It never imports models."""

from .backoff import Backoff
from .client import CanvasClient
from .encoding import sis_path_id
from .errors import (
    AuthError,
    BadResponse,
    CanvasError,
    CanvasValidationError,
    FieldError,
    MissingScope,
    NotFound,
    PermissionDenied,
    RefusedAddress,
    ThrottledTooLong,
    Unavailable,
)
from .fanout import run_concurrently
from .limiter import ConcurrencyLimiter, SharedLimiter
from .models import (
    Account, Admin, CommunicationChannel, CompletionRequirement, Course, CourseProgress, Enrollment, Login, Module,
    ModuleItem, Section, StudentProgress, User,
)
from .peers import AddressCheck, IPAddress
from .scopes import SCOPES
from .tokens import OAuthTokenProvider, OAuthTokens, StaticToken, TokenProvider, exchange_authorization_code

__all__ = [
    "Account", "AddressCheck", "Admin", "AuthError", "Backoff", "BadResponse", "CanvasClient", "CanvasError", "CanvasValidationError", "CommunicationChannel",
    "CompletionRequirement", "ConcurrencyLimiter", "Course", "CourseProgress", "Enrollment", "FieldError", "IPAddress", "Login", "MissingScope", "Module",
    "ModuleItem", "NotFound", "OAuthTokenProvider", "OAuthTokens", "PermissionDenied", "RefusedAddress", "SCOPES", "Section", "SharedLimiter", "StaticToken",
    "StudentProgress", "ThrottledTooLong", "TokenProvider", "Unavailable", "User", "exchange_authorization_code",
    "run_concurrently", "sis_path_id",
]
