"""What every blueprint shares: permission marks and checks (access.py), block rendering, paging,
service errors on forms, CSV exports (exports.py), starting and polling runs. Blueprints import this
package, never each other.

Every view is marked with exactly one of `public`, `signed_in`, `require(entity, action)` or
`require_any(*rights)` (access.py). `tests/web/test_route_permissions.py` walks the URL map and fails on an
unmarked view; `tests/web/test_authorisation_probe.py` requests every route as every role and
compares the answers with the marks.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from ... import jobs
from ...extensions import db, htmx
from ...models import JobRun, Occurrence, ResultType, TaskStatus
from ...request_limits import MAX_DB_INT
from ...services import DomainError
from ...services.canvas_links.link import current_link
from ...services.oversight.history import occurrence_history
from ...services.runs.kinds import KINDS
from ...services.permissions import can
from ...services.result_transfer.review import SHOW, present
from ...services.result_transfer.staging import download_outcome
from ...services.result_transfer.start_rules import START_RULES
from ...services.runs.lifecycle import request_cancel
from ...services.runs.recovery import recover
from ...services.versions import NewerVersion, Words, audited, check_version
from .access import may_visit, passes, public, require, require_any, require_can, signed_in  # noqa: F401 (shared)
from .exports import csv_response  # noqa: F401 (shared)


def render(template: str, block: str | None = None, status: int = 200, **context):
    """The full page, or just `block` when htmx asks for a fragment.

    A view names the block its htmx targets use; a plain request (reload, no JS) gets
    the whole page, so every URL works both ways.
    """
    if block and htmx:
        return render_block(template, block, **context), status
    return render_template(template, **context), status


def fragment_or_back(template: str, block: str, back_url: str, *, error: str | None = None, done: str = "Saved.",
                     newer: bool = False, **context):
    """The answer to a row or cell that htmx saves in place. A plain form post (no JS, or a
    script) gets no fragment, which alone is no page: it goes back to the page, with the outcome.
    `newer`: the error is a save refused over a newer version (409)."""
    if not htmx:
        flash(error or done, "error" if error else "success")
        return redirect(back_url)
    return render(template, block=block, status=(409 if newer else 422) if error else 200, **context)


def get_or_404(model, ident):
    if ident is None:  # a missing or unreadable id in a form
        abort(404)
    return db.get_or_404(model, ident)


def db_int(text: str) -> int:
    """`int` for ids and numbers that reach the database, as `type=` of request.form/args.get:
    werkzeug turns the ValueError of a number too large to store into "not given"."""
    value = int(text)
    if abs(value) > MAX_DB_INT:
        raise ValueError(f"{text} is out of range")
    return value


def page_number() -> int:
    # Far past the last page is just an empty page.
    return max(request.args.get("page", 1, type=db_int) or 1, 1)


def paginate(query, per_page: int = 25):
    return db.paginate(query, page=page_number(), per_page=per_page, error_out=False)


def form_error(form, err: DomainError, *, at: dict | None = None) -> None:
    """Put a service's refusal on the form: under the field it names, or above the form (the
    `form_errors` macro) when it names none or one the form lacks. `at` maps a service's field
    name (or None) to the form's field where the two differ."""
    if isinstance(err, NewerVersion) and "version" in form:
        form.version.refused_over(err.version)
    name = (at or {}).get(err.field, err.field)
    if name and name in form:
        form[name].errors = [*form[name].errors, err.message]
    else:
        form.form_errors.append(err.message)


def save_or_refuse(form, perform, *, at: dict | None = None, record=None, entity: str | None = None):
    """Run `perform()` and commit. A DomainError it raises is rolled back and put on the form
    (`form_error`, with `at`). Returns (what `perform` returned, True), or (None, False) when refused.
    An edit of `record` (audited as `entity`) is refused first when the record has a newer version
    than the one the form was opened at (its `version` field): `refusal_status` then says 409."""
    try:
        if record is not None:
            check_edit(form, record, entity)
        result = perform()
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        form_error(form, err, at=at)
        return None, False
    return result, True


def check_edit(form, record, entity: str) -> None:
    """Refuse (NewerVersion) an edit of `record`, audited as `entity`, when the record has a newer
    version than the form was opened at (its `version` field), naming what changed in the form's words."""
    check_version(record, form.version.data, audited(entity, f"This {entity.replace('_', ' ')}", form_words(form)))


def refusal_status(form) -> int:
    """The status of a form sent back refused: 409 when it was opened at an older version of the
    record than the one saved since, else 422 (what was typed is at fault)."""
    return 409 if "version" in form and form.version.newer else 422


def form_words(form) -> Words:
    """The form's fields as a refusal names them: their labels, and the words of their choices."""
    return {f.name: (f.label.text, {choice.value: choice.label for choice in f.iter_choices()}
                     if hasattr(f, "iter_choices") else {})
            for f in form if f.name not in ("csrf_token", "version")}


def linked_or_back(occurrence_id: int):
    """The occurrence and its current Canvas link; without a link, back to the occurrence page to link it."""
    occurrence = get_or_404(Occurrence, occurrence_id)
    link = current_link(occurrence)
    if link is None:
        flash("This occurrence is not linked to Canvas yet: use Link occurrence to Canvas LMS… first.", "error")
        abort(redirect(url_for("occurrences.view", occurrence_id=occurrence_id, _anchor="enrolments")))
    return occurrence, link


def history_of(occurrence: Occurrence, limit: int):
    """An occurrence's history as the signed-in user may see it: the audit entries (who changed what,
    the calls made in Canvas) with the audit log's right, the results saved with the enrolments' right."""
    return occurrence_history(occurrence, limit, audit=can(current_user, "audit_entry", "view"),
                              results=can(current_user, "enrolment", "view"))


def confirm_delete(perform, *, what: str, detail: str | None, cancel_url: str, done_url: str, done: str):
    """GET asks "Delete …? This cannot be undone."; POST runs `perform()` and commits, or shows
    the service's reason for refusing on the record's page."""
    if request.method != "POST":
        return render("confirm_delete.html", what=what, detail=detail, cancel=cancel_url)
    try:
        perform()
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(cancel_url)
    flash(done, "success")
    return redirect(done_url)


def start_from_form(begin, inline_limit: int, *, back_url: str, already: str | None = None):
    """Start the run a form asked for: `begin()` gives (run, created) or refuses with a DomainError,
    which is shown on the page at `back_url`. A new run goes to the workers, or runs now when it is
    small; one already under way is not started twice (`already`, when given, says so).
    Returns (run, None), or (None, the redirect back)."""
    try:
        run, created = begin()
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return None, redirect(back_url)
    if created:
        jobs.start(run, inline_limit)
    elif already:
        flash(already, "info")
    return run, None


def may_cancel(run) -> bool:
    """Cancelling a run takes the right that starts its kind (a trainer who may pull results must
    not stop an administrator's enrolment transfer)."""
    return can(current_user, *KINDS[run.kind].right)


def cancel_run(run: JobRun, said: str, back_to: str):
    """Cancel a run (cancelling takes the right that starts it), say what is kept, go back to `back_to`."""
    require_can(*KINDS[run.kind].right)
    request_cancel(run)
    db.session.commit()
    flash(said, "info")
    return redirect(back_to)


def run_or_404(run_id: int, *kinds: str, occurrence_id: int | None = None) -> JobRun:
    """The run `run_id` when it is of one of `kinds` (and, when given, of that occurrence); else 404."""
    run = get_or_404(JobRun, run_id)
    if run.kind not in kinds or (occurrence_id is not None and run.occurrence_id != occurrence_id):
        abort(404)
    return run


def poll_response(run, template: str, block: str, *, page_url: str | None = None, **context):
    """A run's progress as its page polls it: `block` of `template`, with htmx status 286 once the
    run has ended, which stops the polling. A plain request gets the whole page, or, where the
    poll URL is no page of its own, a redirect to `page_url`. A run nothing would finish is put right
    as it is watched: queued again when Redis lost its job, else ended saying why (runs.recovery)."""
    if page_url and not htmx:
        return redirect(page_url)
    recover(run)
    db.session.commit()
    body, status = render(template, block=block, run=run, **context)
    return body, 286 if run.ended and htmx else status


def run_progress(run, occurrence, heading: str, *, done_link: tuple | None):
    """A JobRun's page: a progress bar that polls this same address until the run ends, with a
    Cancel button, for whoever may cancel the run, that posts to the blueprint's `cancel` view
    (which takes the same arguments)."""
    return poll_response(run, "runs/progress.html", "progress", occurrence=occurrence, link=None, heading=heading,
                         poll_url=url_for(request.endpoint, **request.view_args),
                         cancel_url=url_for(".cancel", **request.view_args) if may_cancel(run) else None,
                         done_link=done_link)


def render_review(job_run, students, rule, show, *, status=200, outcome=None, counts=None, **page):
    """The review of a download's proposed results, per occurrence and in bulk alike; `counts`: every
    page's rows, when `students` are one page of them."""
    zones = {student.context.defaults.time_zone for student in students if student.context}
    return render("result_transfer/review.html", status=422 if rule.problem else status, run=job_run,
                  review=present(students, show, counts), rule=rule, rules=START_RULES, kinds=SHOW, outcome=outcome,
                  download=download_outcome(job_run),
                  zone=zones.pop() if len(zones) == 1 else None,
                  result_types=db.session.scalars(db.select(ResultType).order_by(ResultType.national_outcome_id)).all(),
                  statuses=db.session.scalars(db.select(TaskStatus).order_by(TaskStatus.position)).all(), **page)
