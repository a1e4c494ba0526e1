"""The kinds of run, each in one place: what runs it, the parts it splits into, the right that starts
(and cancels) it, and its name in the run history.

The concept packages that start runs import `lifecycle`; this registry imports their runners. So
`lifecycle` never imports this module: it knows runs, not kinds.
"""

from collections.abc import Callable
from typing import NamedTuple

from ...models import JobRun
from ..canvas_sync import runs as sync
from ..canvas_sync import transfer as enrolment_transfer
from ..result_transfer import bulk, download


class RunKind(NamedTuple):
    name: str
    label: str
    runner: Callable[..., None]
    # (entity, action) in the permission matrix.
    right: tuple[str, str]
    # A run split into one RQ job per occurrence, which any number of workers take: its occurrences.
    parts: Callable[[JobRun], list[int]] | None = None

    @property
    def view_right(self) -> tuple[str, str]:
        """Seeing its runs (the run history, a run's items) takes the view right of the entity whose
        right starts it: who may see enrolment transfers may see their runs."""
        return self.right[0], "view"


KINDS = {kind.name: kind for kind in (
    RunKind(enrolment_transfer.KIND, "Enrolment transfer", enrolment_transfer.run_transfer,
            ("enrolment_transfer", "add")),
    RunKind(download.KIND, "Result download", download.run_download, ("result_transfer", "add"),
            download.occurrences_of),
    RunKind(bulk.KIND, "Bulk result download", download.run_download, ("result_transfer", "add"),
            download.occurrences_of),
    RunKind(bulk.PROCESS_KIND, "Processing results", bulk.run_processing, ("result_transfer", "edit")),
    RunKind(sync.KIND, "Canvas sync", sync.run_sync, ("enrolment_transfer", "add")),
    RunKind(sync.BULK_KIND, "Canvas sync, every occurrence", sync.run_bulk_sync, ("enrolment_transfer", "add")),
)}

# Whoever holds one of these sees the runs of some kind: the run history's own right.
VIEW_RIGHTS = tuple(sorted({kind.view_right for kind in KINDS.values()}))


def parts_of(run: JobRun) -> list[int] | None:
    """The parts a run is queued in, one RQ job each; None: one job."""
    parts = KINDS[run.kind].parts
    return parts(run) if parts else None


def label_of(kind: str) -> str:
    """A kind's name for people; one this version does not know (an older run's) under its own words."""
    return KINDS[kind].label if kind in KINDS else kind.replace("_", " ").capitalize()
