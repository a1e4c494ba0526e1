"""List / view / add / edit / delete pages for a simple record, registered on a blueprint.

Clients, units, result types and task statuses are all "a table of records with a
form"; this serves them all so each entity's module only says what differs.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from ..forms.fields import VersionField
from ..services.records import delete_record, save_record
from .common import (
    check_edit, confirm_delete, get_or_404, paginate, refusal_status, render, require, save_or_refuse,
)


@dataclass
class Crud:
    blueprint: Blueprint
    entity: str
    model: type
    form: type
    label: str
    label_plural: str
    columns: list[tuple[str, str]]
    order_by: Callable[[], list]
    search: list[str] = field(default_factory=list)
    unique: tuple[str, ...] = ()
    in_use: Callable[[object], str | None] | None = None
    # Checks the values against the world outside before they are saved (raises DomainError).
    check: Callable[[object | None, dict], None] | None = None
    view_template: str = "crud/view.html"
    form_template: str = "crud/form.html"

    def __post_init__(self):
        # Every edit carries the version of the record it was opened at, so a save over a newer one is
        # refused instead of undoing someone else's change.
        self.form = type(self.form.__name__, (self.form,), {"version": VersionField()})
        bp, e = self.blueprint, self.entity
        bp.add_url_rule("/", "index", require(e, "view")(self.index))
        bp.add_url_rule("/new", "new", require(e, "add")(self.new), methods=["GET", "POST"])
        bp.add_url_rule("/<int:ident>", "view", require(e, "view")(self.view))
        bp.add_url_rule("/<int:ident>/edit", "edit", require(e, "edit")(self.edit), methods=["GET", "POST"])
        bp.add_url_rule("/<int:ident>/delete", "delete", require(e, "delete")(self.delete), methods=["GET", "POST"])

    def url(self, endpoint: str, **values) -> str:
        return url_for(f"{self.blueprint.name}.{endpoint}", **values)

    def index(self):
        q = request.args.get("q", "").strip()
        query = select(self.model).order_by(*self.order_by())
        if q and self.search:
            like = f"%{q}%"
            query = query.where(or_(*(getattr(self.model, c).ilike(like) for c in self.search)))
        page = paginate(query)
        return render("crud/list.html", block="results", crud=self, page=page, q=q)

    def view(self, ident: int):
        obj = get_or_404(self.model, ident)
        return render(self.view_template, crud=self, obj=obj)

    def new(self):
        return self._save(None)

    def edit(self, ident: int):
        return self._save(get_or_404(self.model, ident))

    def _save(self, obj):
        form = self.form(obj=obj)
        if form.validate_on_submit():
            values = {name: _clean(form[name].data) for name in form.record_fields}
            saved, done = save_or_refuse(form, lambda: self._store(form, obj, values))
            if done:
                flash(f"Saved {self.label} {saved}.", "success")
                return redirect(self.url("view", ident=saved.id))
        # A POST that reaches here was refused: 422 (or 409, over a newer version) lets htmx swap the form.
        status = refusal_status(form) if request.method == "POST" else 200
        return render(self.form_template, status=status, crud=self, form=form, obj=obj)

    def _store(self, form, obj, values: dict):
        if self.check:
            self.check(obj, values)
        if obj is not None:
            # After the check, which may ask Canvas: the version check holds the row until the commit.
            check_edit(form, obj, self.entity)
        return save_record(self.model, obj, values, unique=self.unique, label=self.label, entity=self.entity,
                           actor_id=current_user.id)

    def delete(self, ident: int):
        obj = get_or_404(self.model, ident)
        return confirm_delete(lambda: delete_record(obj, label=self.label, entity=self.entity,
                                                  fields=self.form.record_fields, actor_id=current_user.id,
                                                  in_use=self.in_use),
                              what=f"{self.label} {obj}", detail=None, cancel_url=self.url("view", ident=ident),
                              done_url=self.url("index"), done=f"Deleted {self.label} {obj}.")


def _clean(value):
    return value.strip() if isinstance(value, str) else value
