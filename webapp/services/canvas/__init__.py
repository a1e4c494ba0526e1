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
from .calls.grades import CANVAS_DEFAULT_SCHEME, LETTER_TYPES, SchemeLookup
from .limiter import ConcurrencyLimiter, SharedLimiter
from .grade_models import Assignment, GradingStandard, SchemeEntry, StudentSubmissions, Submission
from .models import (
    Account, Admin, CommunicationChannel, CompletionRequirement, Course, CourseProgress, Enrollment, Login, Module,
    ModuleItem, Section, StudentProgress, User,
)
from .peers import AddressCheck, IPAddress
from .scopes import SCOPES
from .tokens import OAuthTokenProvider, OAuthTokens, StaticToken, TokenProvider, exchange_authorization_code

__all__ = [
    "Assignment", "CANVAS_DEFAULT_SCHEME", "GradingStandard", "LETTER_TYPES", "SchemeEntry", "SchemeLookup", "StudentSubmissions",
    "Submission", "CommunicationChannel",
    "Account", "AddressCheck", "Admin", "AuthError", "Backoff", "BadResponse", "CanvasClient", "CanvasError", "CanvasValidationError",
    "CompletionRequirement", "ConcurrencyLimiter", "Course", "CourseProgress", "Enrollment", "FieldError", "IPAddress", "Login", "MissingScope", "Module",
    "ModuleItem", "NotFound", "OAuthTokenProvider", "OAuthTokens", "PermissionDenied", "RefusedAddress", "SCOPES", "Section", "SharedLimiter", "StaticToken",
    "StudentProgress", "ThrottledTooLong", "TokenProvider", "Unavailable", "User", "exchange_authorization_code",
    "run_concurrently", "sis_path_id",
]
