"""A linked course's assignments, kept from Canvas by the same rules as its modules (listing.py), and
assessment mappings: each assignment to at most one task of the occurrence, suggested by name or code
as modules are (matching.py). An unpublished assignment, or one Canvas does not grade, is flagged and
is never evidence (result_transfer/grades.py).

Canvas calls go through a CanvasClient handed in by the caller."""

from collections.abc import Mapping

from ...extensions import db
from ...models import CanvasAssessment, OccurrenceLink, Task
from .. import DomainError
from ..audit import record
from ..canvas import LETTER_TYPES, CanvasClient, CanvasError, SchemeLookup
from ..clock import utcnow
from .listing import reconcile
from .matching import TaskRef, match_modules

UNGRADED = "not_graded"


def update_assessment_list(link: OccurrenceLink, client: CanvasClient, actor_id: int) -> dict:
    """Read the course's assignments (every page) and bring the list up to date: only new ones get
    automatic matches; every saved mapping, and every deliberate "not mapped", is kept."""
    try:
        fetched = client.list_assignments(link.canvas_course_id)
        course, schemes = client.get_course(link.canvas_course_id), SchemeLookup(client)
        named = {a.id: scheme_names(course, a, schemes) for a in fetched}
    except CanvasError as err:
        raise DomainError(f"Could not read the assignments of “{link.canvas_course_name}”: {err}") from None
    now = utcnow()

    def update(row: CanvasAssessment, placed) -> None:
        row.position, assignment = placed
        row.published, row.grading_type = assignment.published, assignment.grading_type
        row.points_possible, row.grading_standard_id = assignment.points_possible, assignment.grading_standard_id
        row.post_manually, row.scheme = bool(assignment.post_manually), named[assignment.id]

    done = reconcile(link.assessments, ((a.id, a.name, (position, a)) for position, a in enumerate(fetched, 1)),
                     lambda row: row.canvas_assignment_id,
                     lambda assignment_id: CanvasAssessment(canvas_assignment_id=assignment_id), update,
                     lambda row: _label(row.task_id), now)
    link.assessments_updated_at = now
    _suggest(link, done.added)
    db.session.flush()
    for row in done.added:
        done.changes[row.name] = ["new", _label(row.task_id, auto=True)]
    record(actor_id, "occurrence", link.occurrence_id, "assessments",
           f"Updated the Canvas assessment list: {len(fetched)} assignments, {len(done.added)} new, "
           f"{len(done.removed)} removed{f', {len(done.renamed)} renamed' if done.renamed else ''}; mappings kept",
           done.changes)
    return {"total": len(fetched), "added": len(done.added), "removed": len(done.removed),
            "returned": len(done.returned), "renamed": done.renamed, "never_evidence": never_evidence(link)}


def scheme_names(course, assignment, schemes: SchemeLookup) -> list[str] | None:
    """The names of a letter-graded assignment's scheme as the row keeps them (see CanvasAssessment.scheme)."""
    if assignment.grading_type not in LETTER_TYPES:
        return []
    scheme = schemes.scheme_for(course, assignment)
    # The assignment's own scheme, else its course's, else Canvas's default (A to F): Canvas names a
    # course's scheme in the course JSON, null when the default applies (§13.5).
    return None if scheme is None else [entry.name for entry in scheme]


def flag_of(row: CanvasAssessment) -> str:
    """Why a mapped assignment can never be evidence, in staff's words; "" when it can."""
    if row.removed_at is not None:
        return "Removed from Canvas"
    if not row.published:
        return "Unpublished in Canvas: never evidence"
    if row.grading_type == UNGRADED:
        return "Not graded in Canvas: never evidence"
    return ""


def never_evidence(link: OccurrenceLink) -> list[str]:
    """Mapped assignments that can tell nothing: unpublished or ungraded."""
    return [row.name for row in link.assessments if row.task_id and row.removed_at is None and flag_of(row)]


def evidence_assessments(link: OccurrenceLink) -> list[CanvasAssessment]:
    """The mapped assignments whose grades are read: published, graded, still in Canvas. Only these
    go to Canvas's students/submissions, which refuses the whole call for an unpublished id (§13.1)."""
    return [row for row in link.assessments if row.task_id is not None and not flag_of(row)]


def _suggest(link: OccurrenceLink, rows: list[CanvasAssessment]) -> None:
    if not link.integration.transfer_tasks:
        return
    matches = match_modules({row.canvas_assignment_id: row.name for row in rows}, [],
                            [TaskRef(t.id, t.name) for t in link.occurrence.tasks], match_units=False)
    for row in rows:
        row.task_id = matches[row.canvas_assignment_id].task_id
        row.task_auto = row.task_id is not None
        row.mapped_name = row.name if row.task_id else None


def save_assessment_mappings(link: OccurrenceLink, chosen: Mapping[int, int | None], actor_id: int) -> int:
    """Save each assignment's task (assessment row id → task id or None); returns how many changed.
    A mapping that differs from the suggestion becomes a person's choice."""
    task_ids = {t.id for t in link.occurrence.tasks} if link.integration.transfer_tasks else set()
    rows = {row.id: row for row in link.assessments}
    changes = {}
    for row_id, task_id in chosen.items():
        row = rows.get(row_id)
        if row is None:
            raise DomainError("The assessment list changed while you were mapping; reload the page and try again.")
        if task_id is not None and task_id not in task_ids:
            raise DomainError(f"“{row.name}” can only map to a task of this occurrence"
                              f"{'' if link.integration.transfer_tasks else ' (task transfer is off)'}.")
        if row.task_id != task_id:
            changes[row.name] = [_label(row.task_id), _label(task_id)]
            row.task_id, row.task_auto = task_id, False
        row.mapped_name = row.name if task_id else None
    db.session.flush()
    if changes:
        record(actor_id, "occurrence", link.occurrence_id, "assessment_mapping",
               f"Changed {len(changes)} assessment mapping(s)", changes)
    return len(changes)


def _label(task_id: int | None, auto: bool = False) -> str:
    if not task_id:
        return "not mapped"
    return ("matched to " if auto else "") + db.session.get(Task, task_id).name
