"""Integration health (token, last good download and transfer, Canvas calls) and mapping health
(what the module mappings leave out or no longer fit). Read from what was recorded: no Canvas call."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import CanvasModule, EnrolmentTransfer, LmsIntegration, ModuleStateDownload, OccurrenceLink
from .. import DomainError
from ..clock import utcnow
from ..canvas import CanvasError
from ..integrations.rights import ConnectionReport, check_rights, rights_needed
from ..integrations.connection import QUICK, canvas_client
from ..canvas_links.modules import without_requirements
from ..integrations.usage import Usage, usage
from ..canvas_links.matching import TaskRef, UnitRef, match_modules


@dataclass(frozen=True)
class TokenHealth:
    expires_at: datetime | None
    expired: bool
    renewable: bool
    words: str
    failed_at: datetime | None = None   # when Canvas last rejected the token and it could not be renewed
    failure: str | None = None          # what Canvas said then; until a call works again

    @property
    def works(self) -> bool:
        return not self.expired and self.failed_at is None


def token_health(integration: LmsIntegration, now: datetime | None = None) -> TokenHealth:
    """When the access token expires, whether canvaslink can renew it by itself, and whether Canvas
    rejected it last time (a refresh token can be revoked, a pasted token deleted, in Canvas)."""
    now = now or utcnow()
    renewable = bool(integration.refresh_token_enc and integration.client_id and integration.client_secret_enc)
    expires = integration.token_expires_at
    if not integration.access_token_enc:
        return TokenHealth(None, True, False, "No token: authorise the integration.")
    expired = expires is not None and expires <= now
    if expires is None:
        words = "A token that does not expire (pasted)."
    elif renewable:
        words = "Renews itself with its refresh token."
    else:
        words = "Cannot renew itself (no refresh token): authorise again before it expires."
    return TokenHealth(expires, expired, renewable, words, integration.token_failed_at, integration.token_failure)


def token_failures() -> list[LmsIntegration]:
    """The integrations whose token Canvas rejected last time, for the home page."""
    return db.session.scalars(select(LmsIntegration).where(LmsIntegration.token_failed_at.is_not(None))
                              .order_by(LmsIntegration.name)).all()


@dataclass
class OccurrenceHealth:
    link: OccurrenceLink
    last_download: datetime | None
    last_transfer: datetime | None


@dataclass
class IntegrationHealth:
    integration: LmsIntegration
    token: TokenHealth
    usage: Usage
    occurrences: list[OccurrenceHealth] = field(default_factory=list)


def integration_health(integrations: list[LmsIntegration]) -> list[IntegrationHealth]:
    counts = usage([i.id for i in integrations])
    links = db.session.scalars(select(OccurrenceLink).where(OccurrenceLink.is_current, OccurrenceLink.integration_id.in_(
        [i.id for i in integrations])).order_by(OccurrenceLink.occurrence_id)).all()
    occurrence_ids = [link.occurrence_id for link in links]
    downloads = dict(db.session.execute(
        select(ModuleStateDownload.occurrence_id, func.max(ModuleStateDownload.fetched_at))
        .where(ModuleStateDownload.occurrence_id.in_(occurrence_ids), ModuleStateDownload.error.is_(None))
        .group_by(ModuleStateDownload.occurrence_id)).all())
    transfers = dict(db.session.execute(
        select(EnrolmentTransfer.link_id, func.max(EnrolmentTransfer.transferred_at))
        .where(EnrolmentTransfer.link_id.in_([link.id for link in links]))
        .group_by(EnrolmentTransfer.link_id)).all())
    health = {i.id: IntegrationHealth(i, token_health(i), counts[i.id]) for i in integrations}
    for link in links:
        health[link.integration_id].occurrences.append(
            OccurrenceHealth(link, downloads.get(link.occurrence_id), transfers.get(link.id)))
    return [health[i.id] for i in integrations]


# Mapping health --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Renamed:
    module: CanvasModule
    suggestion: str   # the unit/task the new name matches, or why there is none


@dataclass
class MappingHealth:
    link: OccurrenceLink
    unmapped_modules: list[str] = field(default_factory=list)
    units_without_module: list[str] = field(default_factory=list)
    tasks_without_module: list[str] = field(default_factory=list)
    renamed: list[Renamed] = field(default_factory=list)
    without_requirements: list[str] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return (len(self.unmapped_modules) + len(self.units_without_module) + len(self.tasks_without_module)
                + len(self.renamed) + len(self.without_requirements))


def _suggestion(link: OccurrenceLink, module: CanvasModule) -> str:
    """A renamed module keeps its mapping: say what it is still mapped to, and what the new name
    would match, so the person can confirm the mapping or change it."""
    occurrence = link.occurrence
    match = match_modules({module.canvas_module_id: module.name},
                          [UnitRef(u.id, u.code, u.name) for u in occurrence.units],
                          [TaskRef(t.id, t.name) for t in occurrence.tasks],
                          match_units=link.integration is None or link.integration.transfer_units,
                          match_tasks=link.integration is None or link.integration.transfer_tasks,
                          )[module.canvas_module_id]
    kept = " and ".join(_names(occurrence, module.unit_id, module.task_id))
    names = _names(occurrence, match.unit_id, match.task_id)
    if (match.unit_id, match.task_id) == (module.unit_id, module.task_id):
        return f"The mapping was kept: still mapped to {kept}, which the new name matches too."
    if not names:
        return (f"The mapping was kept: still mapped to {kept}. The new name matches no unit or task; "
                "if the mapping still fits, save the mappings to confirm it.")
    return (f"The mapping was kept: still mapped to {kept}. The new name matches {' and '.join(names)}: "
            "choose that instead if it is right, or save the mappings to confirm the one kept.")


def _names(occurrence, unit_id: int | None, task_id: int | None) -> list[str]:
    return [u.code for u in occurrence.units if u.id == unit_id] + [t.name for t in occurrence.tasks if t.id == task_id]


def mapping_health(link: OccurrenceLink) -> MappingHealth:
    live = [m for m in link.modules if m.removed_at is None]
    mapped_units = {m.unit_id for m in live if m.unit_id}
    mapped_tasks = {m.task_id for m in live if m.task_id}
    occurrence = link.occurrence
    # A unit is reached by its own module, or by a mapped task that starts or completes it.
    for task in occurrence.tasks:
        if task.id in mapped_tasks:
            mapped_units |= {c.unit_id for c in task.matrix if c.starts or c.completes}
    health = MappingHealth(link)
    health.unmapped_modules = [m.name for m in live if not (m.unit_id or m.task_id)]
    if link.integration is None or link.integration.transfer_units:
        health.units_without_module = [f"{u.code} {u.name}" for u in occurrence.units if u.id not in mapped_units]
    if link.integration is None or link.integration.transfer_tasks:
        health.tasks_without_module = [t.name for t in occurrence.tasks if t.id not in mapped_tasks]
    health.renamed = [Renamed(m, _suggestion(link, m)) for m in live
                      if (m.unit_id or m.task_id) and m.mapped_name and m.mapped_name != m.name]
    health.without_requirements = without_requirements(link)
    return health


def all_mapping_health(occurrence_id: int | None = None) -> list[MappingHealth]:
    query = (select(OccurrenceLink).where(OccurrenceLink.is_current).order_by(OccurrenceLink.occurrence_id)
             .options(selectinload(OccurrenceLink.modules)))
    if occurrence_id is not None:
        query = query.where(OccurrenceLink.occurrence_id == occurrence_id)
    return [mapping_health(link) for link in db.session.scalars(query)]


def recheck_rights(integration: LmsIntegration) -> ConnectionReport:
    """Test connection's rights check, on demand, with the integration's saved credentials."""
    if not integration.access_token_enc:
        raise DomainError("This integration is not authorised yet: edit it and authorise with Canvas.")
    try:
        with canvas_client(integration, QUICK) as client:
            return check_rights(client, rights_needed(integration.leave_action, integration.conclude_on_completed,
                                                      integration.push_login_changes))
    except CanvasError as err:
        raise DomainError(f"The rights check could not finish: {err}") from None
