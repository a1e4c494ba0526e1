"""All models, imported here so Alembic and the app see one complete metadata."""

from .audit import AuditEntry
from .base import Base, StatusType
from .canvas_links import (
    ACCESS_ENDED, ACCESS_LIVE, BY_CANVAS, BY_SYNC, BY_TRANSFER, AccessEnding, CanvasAssessment, CanvasModule, EnrolmentTransfer,
    OccurrenceLink,
)
from .clients import Client
from .job_runs import CANCELLED, FAILED, FINISHED, QUEUED, RUNNING, JobRun, JobRunItem
from .integrations import (
    ENROL_ACTIVE, ENROL_INVITED, LEAVE_CONCLUDE, LEAVE_DEACTIVATE, LEAVE_DELETE, IntegrationDraft, LmsIntegration,
)
from .enrolments import Enrolment, EnrolmentStatus, EnrolmentTask, TrainingPlanUnit
from .results_transfer import FROM_CANVAS, CanvasProgress, FROM_PERSON, ModuleStateDownload, ResultProvenance
from .occurrences import Occurrence, OccurrenceStatus, OccurrenceUnit, Task, TaskUnit
from .units import ResultType, TaskStatus, Unit
from .users import LoginAttempt, Role, RolePermission, User, user_role

__all__ = [
    "CanvasProgress", "ModuleStateDownload", "ResultProvenance", "FROM_CANVAS", "FROM_PERSON",
    "ACCESS_ENDED", "ACCESS_LIVE", "BY_CANVAS", "BY_SYNC", "BY_TRANSFER",
    "LEAVE_CONCLUDE", "LEAVE_DEACTIVATE", "LEAVE_DELETE",
    "AccessEnding", "CanvasAssessment", "CanvasModule", "EnrolmentTransfer", "OccurrenceLink", "JobRun", "JobRunItem",
    "CANCELLED", "FAILED", "FINISHED", "QUEUED", "RUNNING",
    "AuditEntry", "ENROL_ACTIVE", "ENROL_INVITED", "IntegrationDraft", "LmsIntegration",
    "Base", "StatusType", "Client", "Enrolment", "EnrolmentStatus", "EnrolmentTask", "TrainingPlanUnit",
    "Occurrence", "OccurrenceStatus", "OccurrenceUnit", "Task", "TaskUnit", "ResultType", "TaskStatus",
    "Unit", "LoginAttempt", "Role", "RolePermission", "User", "user_role",
]
