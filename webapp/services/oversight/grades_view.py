"""The progress picture's grades view: students down, the occurrence's mapped assessments across, each
cell the assessor's grade as last read from Canvas, marked released or draft. No Canvas call."""

from dataclasses import dataclass, field

from ...models import CanvasAssessment, Occurrence, OccurrenceLink
from ..canvas_links.link import current_link
from ..result_transfer.grades import Evidence, rules_from, staged_evidence
from .progress import _latest_stages, last_download_run


@dataclass(frozen=True)
class GradeCell:
    evidence: Evidence | None   # None: nothing staged for this assessment

    @property
    def released(self) -> bool | None:
        """True released, False a draft, None no grade."""
        grade = self.evidence.grade if self.evidence else None
        if grade is None or grade.graded_at is None:
            return None
        return grade.posted_at is not None


@dataclass
class GradeRow:
    enrolment: object
    cells: list[GradeCell]


@dataclass
class GradesGrid:
    occurrence: Occurrence
    link: OccurrenceLink | None
    columns: list[CanvasAssessment] = field(default_factory=list)
    rows: list[GradeRow] = field(default_factory=list)
    run_id: int | None = None


def grades_grid(occurrence: Occurrence) -> GradesGrid:
    link = current_link(occurrence)
    grid = GradesGrid(occurrence, link)
    if link is None:
        return grid
    grid.columns = [a for a in link.assessments if a.task_id is not None and a.removed_at is None]
    grid.run_id = last_download_run(occurrence.id)
    if grid.run_id is None:
        return grid
    rules = rules_from(link.integration)
    for _, read in _latest_stages(occurrence.id):
        if read is None:
            continue
        by_assignment = staged_evidence(read.grades, rules)
        grid.rows.append(GradeRow(read.enrolment, [GradeCell(by_assignment.get(a.canvas_assignment_id))
                                                    for a in grid.columns]))
    grid.rows.sort(key=lambda r: (r.enrolment.client.last_name, r.enrolment.client.first_name, r.enrolment.id))
    return grid



