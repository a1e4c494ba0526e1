"""Link an occurrence to its Canvas section (the section's SIS ID is the occurrence ID), unlink it,
and find an occurrence's current link.

Canvas calls go through a CanvasClient handed in by the caller, so tests and jobs choose how it is built."""

from collections.abc import Iterable

from sqlalchemy import select

from ...extensions import db
from ...models import LmsIntegration, Occurrence, OccurrenceLink
from .. import DomainError
from ..audit import record
from ..canvas import CanvasClient, CanvasError, NotFound
from ..clock import utcnow


def current_links(occurrence_ids: Iterable[int]) -> dict[int, OccurrenceLink]:
    """Occurrence id → the link its results and enrolments go through (not the unlinked history)."""
    links = db.session.scalars(select(OccurrenceLink).where(
        OccurrenceLink.occurrence_id.in_(list(occurrence_ids)), OccurrenceLink.is_current))
    return {link.occurrence_id: link for link in links}


def linked_occurrences() -> list[Occurrence]:
    """The occurrences linked to Canvas now, by id."""
    return db.session.scalars(select(Occurrence).join(
        OccurrenceLink, (OccurrenceLink.occurrence_id == Occurrence.id) & OccurrenceLink.is_current)
        .order_by(Occurrence.id)).all()


def current_link(occurrence: Occurrence) -> OccurrenceLink | None:
    return current_links([occurrence.id]).get(occurrence.id)


def link_history(occurrence: Occurrence) -> list[OccurrenceLink]:
    return db.session.scalars(select(OccurrenceLink).where(OccurrenceLink.occurrence_id == occurrence.id)
                              .order_by(OccurrenceLink.linked_at.desc())).all()


def link_occurrence(occurrence: Occurrence, integration: LmsIntegration, client: CanvasClient,
                    actor_id: int) -> OccurrenceLink:
    """Find the section whose SIS ID is the occurrence ID and link to it (relinking replaces the link)."""
    sis_id = str(occurrence.id)
    try:
        section = client.get_section_by_sis_id(sis_id)
        course = client.get_course(section.course_id)
    except NotFound:
        raise DomainError(
            f"Canvas at {integration.base_url} has no course section with SIS ID {sis_id}. In Canvas, open the "
            f"course for this class, go to Settings › Sections, edit its section and set the SIS ID to {sis_id} "
            "(the occurrence ID), then link again.") from None
    except CanvasError as err:
        raise DomainError(f"Canvas did not let canvaslink find the section: {err}") from None
    existing = current_link(occurrence)
    if existing is not None:
        if (existing.integration_id, existing.canvas_section_id) == (integration.id, section.id):
            return existing  # linking again to the same section keeps its modules and mappings
        unlink_occurrence(existing, actor_id)
    link = OccurrenceLink(occurrence_id=occurrence.id, integration_id=integration.id, canvas_course_id=course.id,
                          canvas_course_name=course.name, canvas_section_id=section.id,
                          canvas_section_name=section.name, linked_at=utcnow(), linked_by_id=actor_id)
    db.session.add(link)
    db.session.flush()
    record(actor_id, "occurrence", occurrence.id, "link",
           f"Linked to Canvas course “{course.name}”, section “{section.name}” through {integration.name}",
           {"canvas_course_id": [None, course.id], "canvas_section_id": [None, section.id]})
    return link


def unlink_occurrence(link: OccurrenceLink, actor_id: int) -> None:
    """The link, its modules and their mappings stay as history; transfers no longer use it."""
    link.unlinked_at, link.unlinked_by_id = utcnow(), actor_id
    db.session.flush()
    record(actor_id, "occurrence", link.occurrence_id, "unlink",
           f"Unlinked from Canvas section “{link.canvas_section_name}” (course “{link.canvas_course_name}”)")
