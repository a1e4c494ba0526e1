"""A service's refusal lands on the form: under the field it names, otherwise above the form."""

from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import StringField

from webapp.blueprints.common import form_error
from webapp.services import DomainError


class NameForm(FlaskForm):
    name = StringField("Name")


def _refused(app, err, **at):
    with app.test_request_context("/", method="POST", data={"name": "x"}):
        form = NameForm(meta={"csrf": False})
        form.validate()
        form_error(form, err, **at)
        page = render_template_string('{% from "_macros.html" import form_errors %}{{ form_errors(form) }}', form=form)
        return form, page


def test_an_error_naming_a_field_stands_at_that_field(app):
    form, page = _refused(app, DomainError("Taken.", "name"))
    assert form.name.errors == ["Taken."] and not form.form_errors
    assert "Please correct the marked fields" in page


def test_an_error_naming_no_field_or_a_field_the_form_lacks_stands_above_the_form(app):
    for err in (DomainError("Nobody could manage security."), DomainError("Not here.", "client_id")):
        form, page = _refused(app, err)
        assert form.form_errors == [err.message] and not form.name.errors
        assert err.message in page and "Please correct the marked fields" not in page


def test_a_service_field_is_put_where_the_form_has_it(app):
    form, _ = _refused(app, DomainError("Already enrolled.", "client_id"), at={"client_id": "name"})
    assert form.name.errors == ["Already enrolled."]
