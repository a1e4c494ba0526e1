"""All models, imported here so Alembic and the app see one complete metadata."""

from .audit import AuditEntry
from .base import Base, StatusType
from .clients import Client
from .integrations import ENROL_ACTIVE, ENROL_INVITED, IntegrationDraft, LmsIntegration
from .enrolments import Enrolment, EnrolmentStatus, EnrolmentTask, TrainingPlanUnit
from .occurrences import Occurrence, OccurrenceStatus, OccurrenceUnit, Task, TaskUnit
from .units import ResultType, TaskStatus, Unit
from .users import LoginAttempt, Role, RolePermission, User, user_role

__all__ = [
    "AuditEntry", "ENROL_ACTIVE", "ENROL_INVITED", "IntegrationDraft", "LmsIntegration",
    "Base", "StatusType", "Client", "Enrolment", "EnrolmentStatus", "EnrolmentTask", "TrainingPlanUnit",
    "Occurrence", "OccurrenceStatus", "OccurrenceUnit", "Task", "TaskUnit", "ResultType", "TaskStatus",
    "Unit", "LoginAttempt", "Role", "RolePermission", "User", "user_role",
]
