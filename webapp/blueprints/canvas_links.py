"""An occurrence's link to a Canvas section, and the mapping of its Canvas modules to units and tasks."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import LmsIntegration, Occurrence
from ..services import DomainError
from ..services.canvas_links import assessments as assessment_list
from ..services.canvas_links import link as linking
from ..services.canvas_links import modules as module_list
from ..services.integrations.connection import PAGE, canvas_client
from ..services.versions import NewerVersion, check_version, mentioned
from .common import confirm_delete, db_int, get_or_404, history_of, linked_or_back, render, require

bp = Blueprint("canvas_links", __name__, url_prefix="/occurrences/<int:occurrence_id>/canvas")


@bp.route("/link", methods=["GET", "POST"])
@require("occurrence_link", "add")
def link(occurrence_id: int):
    occurrence = get_or_404(Occurrence, occurrence_id)
    current = linking.current_link(occurrence)
    integrations = db.session.scalars(select(LmsIntegration).order_by(LmsIntegration.name)).all()
    error = None
    if request.method == "POST":
        integration = db.session.get(LmsIntegration, request.form.get("integration_id", type=db_int) or 0)
        try:
            if integration is None:
                raise DomainError("Choose the LMS integration to link through.")
            with canvas_client(integration, PAGE) as client:
                new_link = linking.link_occurrence(occurrence, integration, client, current_user.id)
            db.session.commit()
        except DomainError as err:
            db.session.rollback()
            error = err.message
        else:
            flash(f"Linked to Canvas course “{new_link.canvas_course_name}”, section “{new_link.canvas_section_name}”. "
                  "Next, update the module list and check the mappings.", "success")
            return redirect(url_for(".modules", occurrence_id=occurrence.id))
    return render("canvas_links/link.html", status=422 if error else 200, occurrence=occurrence, link=current,
                  integrations=integrations, error=error, history=linking.link_history(occurrence),
                  events=history_of(occurrence, 50), zone=current.integration if current else None)


@bp.route("/unlink", methods=["GET", "POST"])
@require("occurrence_link", "delete")
def unlink(occurrence_id: int):
    occurrence, current = linked_or_back(occurrence_id)
    return confirm_delete(
        lambda: linking.unlink_occurrence(current, current_user.id),
        what=f"the link between occurrence {occurrence.id} and Canvas section “{current.canvas_section_name}”",
        detail="Nothing changes in Canvas. Module mappings and transfer records are kept as history; "
               "results can no longer be transferred until the occurrence is linked again.",
        cancel_url=url_for(".link", occurrence_id=occurrence.id),
        done_url=url_for("occurrences.view", occurrence_id=occurrence.id, _anchor="enrolments"),
        done="Unlinked the occurrence from Canvas.")


@bp.route("/modules")
@require("module_mapping", "view")
def modules(occurrence_id: int):
    occurrence, current = linked_or_back(occurrence_id)
    return render("canvas_links/modules.html", occurrence=occurrence, link=current)


@bp.route("/modules/update", methods=["POST"])
@require("module_mapping", "edit")
def update_modules(occurrence_id: int):
    """The mapping page sends its choices along, so that choices not saved yet are saved, not lost,
    before the list changes under them. Only the choices that differ are saved: pressing Update is
    not confirming the other mappings (a renamed module's stays for a person to check)."""
    occurrence, current = linked_or_back(occurrence_id)
    chosen = _chosen(current)
    unsaved = {m.id: chosen[m.id] for m in current.modules if m.id in chosen and chosen[m.id] != (m.unit_id, m.task_id)}
    try:
        # The unsaved rows carry the version they were opened at, as on Save mappings.
        _check_versions(occurrence, current, unsaved)
        saved = module_list.save_mappings(current, unsaved, current_user.id)
    except NewerVersion as err:
        return _refused(occurrence, current, chosen, err)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for(".modules", occurrence_id=occurrence_id))
    if saved:
        flash(f"Saved your {_count(saved, 'mapping change')} first.", "success")
    try:
        with canvas_client(current.integration, PAGE) as client:
            summary = module_list.update_module_list(current, client, current_user.id)
    except DomainError as err:
        flash(err.message, "error")
    else:
        renamed = summary["renamed"]
        flash(f"Canvas has {summary['total']} modules: {summary['added']} new, {summary['removed']} removed"
              f"{f', {len(renamed)} renamed (mapping kept)' if renamed else ''}"
              f"{', ' + str(summary['returned']) + ' back again' if summary['returned'] else ''}. "
              + "".join(f"“{old}” is now “{new}”. " for old, new in renamed)
              + "New modules are matched automatically; the mappings you saved are kept. Check and save.", "success")
        _warn_without_requirements(summary["without_requirements"])
    db.session.commit()
    return redirect(url_for(".modules", occurrence_id=occurrence_id))


def _chosen(current) -> dict[int, tuple[int | None, int | None]]:
    """Module row id → (unit id, task id) as the mapping form sent them; modules the form did not
    show (none, when the update button is pressed on an empty list) are left as they are."""
    return {m.id: (request.form.get(f"unit-{m.id}", type=db_int) or None,
                   request.form.get(f"task-{m.id}", type=db_int) or None)
            for m in current.modules if f"unit-{m.id}" in request.form or f"task-{m.id}" in request.form}


def _check_versions(occurrence, current, chosen: dict) -> None:
    """Each module row sent carries the version it was opened at: one changed since refuses them all."""
    for m in current.modules:
        if m.id in chosen:
            check_version(m, request.form.get(f"version-{m.id}", type=db_int),
                          mentioned("occurrence", occurrence.id, m.name, f"The mapping of “{m.name}”",
                                    ("mapping", "modules")), again="Save mappings")


def _refused(occurrence, current, chosen: dict, err: NewerVersion):
    """The mapping page again, as typed, saying who changed which row since it was opened."""
    db.session.rollback()
    return render("canvas_links/modules.html", status=409, occurrence=occurrence, link=current, typed=chosen,
                  error=err.message)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _warn_without_requirements(names: list[str]) -> None:
    if names:
        flash(f"{_quoted(names)} {'has' if len(names) == 1 else 'have'} no completion requirements in Canvas: Canvas "
              "shows such a module completed for every student, so it is no evidence and never proposes a result "
              "on its own.", "warning")


def _quoted(names: list[str]) -> str:
    quoted = [f"“{name}”" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


@bp.route("/modules", methods=["POST"])
@require("module_mapping", "edit")
def save_modules(occurrence_id: int):
    occurrence, current = linked_or_back(occurrence_id)
    try:
        chosen = _chosen(current)
        _check_versions(occurrence, current, chosen)
        changed = module_list.save_mappings(current, chosen, current_user.id)
        db.session.commit()
    except NewerVersion as err:
        return _refused(occurrence, current, chosen, err)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        flash(f"Saved the module mappings ({changed} changed).", "success")
        _warn_without_requirements(module_list.without_requirements(current))
    return redirect(url_for(".modules", occurrence_id=occurrence_id))


@bp.route("/assessments")
@require("module_mapping", "view")
def assessments(occurrence_id: int):
    occurrence, current = linked_or_back(occurrence_id)
    return render("canvas_links/assessments.html", occurrence=occurrence, link=current, flag_of=assessment_list.flag_of)


def _chosen_tasks(current) -> dict[int, int | None]:
    return {row.id: request.form.get(f"task-{row.id}", type=db_int) or None
            for row in current.assessments if f"task-{row.id}" in request.form}


@bp.route("/assessments", methods=["POST"])
@require("module_mapping", "edit")
def save_assessments(occurrence_id: int):
    """Saves the choices shown; with `update` it then reads the course's assignments again (the choices
    first, so none typed is lost when the list changes under them)."""
    occurrence, current = linked_or_back(occurrence_id)
    chosen = _chosen_tasks(current)
    try:
        for row in current.assessments:
            if row.id in chosen:
                check_version(row, request.form.get(f"version-{row.id}", type=db_int),
                              mentioned("occurrence", occurrence.id, row.name, f"The mapping of “{row.name}”",
                                        ("assessment_mapping", "assessments")), again="Save mappings")
        changed = assessment_list.save_assessment_mappings(current, chosen, current_user.id)
        if "update" in request.form:
            with canvas_client(current.integration, PAGE) as client:
                summary = assessment_list.update_assessment_list(current, client, current_user.id)
        db.session.commit()
    except NewerVersion as err:
        db.session.rollback()
        return render("canvas_links/assessments.html", status=409, occurrence=occurrence, link=current,
                      flag_of=assessment_list.flag_of, typed=chosen, error=err.message)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for(".assessments", occurrence_id=occurrence_id))
    if "update" not in request.form:
        flash(f"Saved the assessment mappings ({changed} changed).", "success")
        return redirect(url_for(".assessments", occurrence_id=occurrence_id))
    renamed = summary["renamed"]
    flash(f"Canvas has {summary['total']} assignments: {summary['added']} new, {summary['removed']} removed"
          f"{f', {len(renamed)} renamed (mapping kept)' if renamed else ''}. "
          + "".join(f"“{old}” is now “{new}”. " for old, new in renamed)
          + "New assignments are matched automatically; the mappings you saved are kept. Check and save.", "success")
    if summary["never_evidence"]:
        flash(f"{_quoted(summary['never_evidence'])}: unpublished or not graded in Canvas, so never evidence.",
              "warning")
    return redirect(url_for(".assessments", occurrence_id=occurrence_id))
