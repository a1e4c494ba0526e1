"""Keeping Canvas in step: an occurrence's Canvas enrolments (Refresh from Canvas, the dry run, Apply,
the guard's confirmation), the same across every occurrence (Utilities), and a client's new name,
login and e-mail pushed to Canvas after a preview."""

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import FINISHED, Client, EnrolmentTransfer, JobRun, JobRunItem, Occurrence, OccurrenceLink
from ..services import DomainError
from ..services.canvas_links.link import current_link
from ..services.canvas_sync import runs as sync
from ..services.canvas_sync import users
from ..services.canvas_sync.guard import ended_unconfirmed
from ..services.canvas_sync.apply import PREVIEW
from ..services.canvas_sync.standing import held_changes, unaccepted_invitations
from ..services.result_transfer import download
from .common import cancel_run, db_int, get_or_404, poll_response, render, require, run_or_404, start_from_form

bp = Blueprint("canvas_sync", __name__)

OCCURRENCE = "/occurrences/<int:occurrence_id>/canvas/enrolments"
UTILITY = "/utilities/canvas-enrolments"


def _latest(kind: str, occurrence_id: int | None) -> JobRun | None:
    query = select(JobRun).where(JobRun.kind == kind).order_by(JobRun.id.desc()).limit(1)
    return db.session.scalar(query.where(JobRun.occurrence_id == occurrence_id) if occurrence_id else query)


def _items(run: JobRun | None) -> list[JobRunItem]:
    """What went wrong first, then what the guard holds, then the rest."""
    if run is None:
        return []
    return sorted(run.items, key=lambda item: (item.ok, item.outcome != "held", item.label.casefold()))


def _trigger(what: str) -> str:
    return f"{current_user.display_name} pressed {what}"


# One occurrence ------------------------------------------------------------------------------

def _to_confirm(occurrence: Occurrence) -> tuple[list[EnrolmentTransfer], int | None, int]:
    """What waits for a person's confirmation: the students the guard holds; the students applying
    would hold, as the latest dry run found them; and the number to type, whichever it is (0: none)."""
    held = held_changes(occurrence.id)
    run = _latest(sync.KIND, occurrence.id)
    guard = run.params.get("guard", {}).get(str(occurrence.id)) if run and run.ended and run.params.get(
        "dry_run") else None
    return held, guard, len(held) or guard or 0


def _occurrence_page(occurrence: Occurrence, link: OccurrenceLink | None, status: int = 200, **extra):
    transfers = db.session.scalars(select(EnrolmentTransfer).where(EnrolmentTransfer.link_id == link.id)).all() \
        if link else []
    run = _latest(sync.KIND, occurrence.id)
    downloads = db.session.scalars(select(JobRun).where(JobRun.kind == download.KIND,
                                                        JobRun.occurrence_id == occurrence.id)
                                   .order_by(JobRun.id.desc()).limit(20))
    held, guard, waiting = _to_confirm(occurrence)
    return render("canvas_sync/occurrence.html", status=status, occurrence=occurrence, link=link,
                  transfers=sorted(transfers, key=_by_name), run=run, items=_items(run),
                  held=held, guard=guard, waiting=waiting, changes_due=_changes_due(run),
                  ended_today=ended_unconfirmed(link.integration_id) if link and link.integration_id else 0,
                  staged=_grouped([d for d in downloads if d.params.get("before_leaving")]),
                  invitations=unaccepted_invitations(occurrence.id), **extra)


def _changes_due(run: JobRun | None) -> int | None:
    """How many changes the last dry run found to make in Canvas; None when no dry run that
    finished without a failure says (then Apply is the next step as far as the page knows)."""
    if run is None or not run.params.get("dry_run") or run.status != FINISHED or run.failed:
        return None
    return sum(1 for item in run.items if item.outcome == PREVIEW)


def _grouped(staged: list[JobRun]) -> list[list[JobRun]]:
    """Stagings of the same minute and size, newest first, as one line with a count: withdrawing a
    few students one by one stages each apart, and five equal lines read as a mistake."""
    groups: dict[tuple, list[JobRun]] = {}
    for staging in staged:
        groups.setdefault((staging.created_at.replace(second=0, microsecond=0), staging.total), []).append(staging)
    return list(groups.values())


def _by_name(transfer: EnrolmentTransfer) -> tuple:
    client = transfer.client
    return (client.last_name.casefold(), client.first_name.casefold()) if client else ("", "")


@bp.route(OCCURRENCE)
@require("enrolment_transfer", "view")
def occurrence(occurrence_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    return _occurrence_page(occurrence, current_link(occurrence))


@bp.route(f"{OCCURRENCE}/refresh", methods=["POST"])
@require("enrolment_transfer", "add")
def refresh(occurrence_id: int):
    """Read every transferred student's state from Canvas and list the changes due, making none."""
    return _start(occurrence_id, dry_run=True, confirmed=None, inline=current_app.config["DOWNLOAD_INLINE_LIMIT"])


@bp.route(f"{OCCURRENCE}/apply", methods=["POST"])
@require("enrolment_transfer", "add")
def apply(occurrence_id: int):
    """Make the changes due; the count typed for the guard lets a held mass change through. A count that
    is not the one asked for starts nothing: the students stay held and the page says what to type."""
    confirmed = None
    if "confirm" in request.form:
        occurrence = get_or_404(Occurrence, occurrence_id)
        held, _, expected = _to_confirm(occurrence)
        typed = request.form.get("confirm", "").strip()[:20]
        confirmed = request.form.get("confirm", type=db_int) if expected else None  # nothing waits any more
        if expected and confirmed != expected:
            error = (f"Type {expected}, the number of students whose Canvas access ends, to confirm. "
                     f"{typed + ' is not ' + str(expected) if typed else 'Nothing was typed'}: nothing was started"
                     f"{', and they stay held' if held else ''}.")
            return _occurrence_page(occurrence, current_link(occurrence), status=422, confirm_error=error, typed=typed)
    return _start(occurrence_id, dry_run=False, confirmed=confirmed,
                  inline=current_app.config["TRANSFER_INLINE_LIMIT"])


def _start(occurrence_id: int, *, dry_run: bool, confirmed: int | None, inline: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    _, refused = start_from_form(
        lambda: sync.start_sync(current_link(occurrence), current_user.id,
                                _trigger("Refresh from Canvas" if dry_run else "Apply changes in Canvas"),
                                dry_run=dry_run, confirmed=confirmed),
        inline, back_url=url_for("occurrences.view", occurrence_id=occurrence_id, _anchor="enrolments"),
        already="A Canvas sync of this occurrence is already under way; here it is.")
    return refused or redirect(url_for(".occurrence", occurrence_id=occurrence_id))


@bp.route(f"{OCCURRENCE}/runs/<int:run_id>")
@require("enrolment_transfer", "view")
def occurrence_run(occurrence_id: int, run_id: int):
    run = run_or_404(run_id, sync.KIND, occurrence_id=occurrence_id)
    return poll_response(run, "canvas_sync/occurrence.html", "progress",
                         page_url=url_for(".occurrence", occurrence_id=occurrence_id),
                         occurrence=get_or_404(Occurrence, occurrence_id), items=_items(run))


@bp.route(f"{OCCURRENCE}/runs/<int:run_id>/cancel", methods=["POST"])
@require("enrolment_transfer", "add")
def cancel_occurrence_run(occurrence_id: int, run_id: int):
    return cancel_run(run_or_404(run_id, sync.KIND, occurrence_id=occurrence_id),
                      "Cancelling: what was changed in Canvas stays changed.",
                      url_for(".occurrence", occurrence_id=occurrence_id))


# Every occurrence (Utilities) ----------------------------------------------------------------

@bp.route(f"{UTILITY}/")
@require("enrolment_transfer", "view")
def bulk():
    run = _latest(sync.BULK_KIND, None)
    return render("canvas_sync/bulk.html", run=run, items=_items(run), held=held_changes())


@bp.route(f"{UTILITY}/start", methods=["POST"])
@require("enrolment_transfer", "add")
def start_bulk():
    dry_run = request.form.get("dry_run") == "1"
    _, refused = start_from_form(
        lambda: sync.start_bulk_sync(current_user.id, _trigger(
            "Preview changes" if dry_run else "Transfer enrolments to Canvas LMS"), dry_run=dry_run),
        0, back_url=url_for(".bulk"),  # every occurrence: always in the background
        already="A transfer of every occurrence is already under way; here it is.")
    return refused or redirect(url_for(".bulk"))


@bp.route(f"{UTILITY}/runs/<int:run_id>")
@require("enrolment_transfer", "view")
def bulk_run(run_id: int):
    run = run_or_404(run_id, sync.BULK_KIND)
    return poll_response(run, "canvas_sync/bulk.html", "progress", page_url=url_for(".bulk"), items=_items(run))


@bp.route(f"{UTILITY}/runs/<int:run_id>/cancel", methods=["POST"])
@require("enrolment_transfer", "add")
def cancel_bulk_run(run_id: int):
    return cancel_run(run_or_404(run_id, sync.BULK_KIND),
                      "Cancelling: what was changed in Canvas stays changed.", url_for(".bulk"))


# A client's details -----------------------------------------------------------------------------

@bp.route("/clients/<int:client_id>/canvas", methods=["GET", "POST"])
@require("enrolment_transfer", "edit")
def client_push(client_id: int):
    """GET: what would be sent (the preview, nothing sent). POST: send it. It changes a Canvas account
    with the integration's administrator token, so it takes the Canvas right, not client edit."""
    record = get_or_404(Client, client_id)
    try:
        if request.method == "POST":
            done = users.push(record, current_user.id)
            db.session.commit()
            flash(f"Updated in Canvas: {', '.join(c.what.lower() for c in done.changes)}." if done.changes
                  else "Canvas already had these details; nothing was sent.", "success")
            for note in done.notes:
                flash(note, "warning")
            return redirect(url_for("clients.view", ident=record.id))
        planned = users.preview_push(record)
    except DomainError as err:
        db.session.commit()  # the audit of a call Canvas refused stays
        return render("canvas_sync/client.html", status=422, client=record, push=None, error=err.message)
    return render("canvas_sync/client.html", client=record, push=planned, error=None)
