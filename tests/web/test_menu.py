"""Menu links follow the right their route needs: a role sees a link exactly when the page it
opens would let that role in, so no menu leads to "Not allowed"."""

import re

import pytest

from webapp.extensions import db
from webapp.models import Role, RolePermission

from tests.helpers import sign_in

LINK = re.compile(r'<a href="([^"]+)">([^<]+)</a>')


def _menu(client) -> dict[str, str]:
    """The links of the top bar's menus, label → address."""
    page = client.get("/").get_data(as_text=True)
    topbar = page[page.index('<header class="topbar">'):page.index("</header>")]
    return {label: href for href, label in LINK.findall(topbar)}


def _sign_in_with(client, make_user, role_name: str, *rights) -> None:
    db.session.add(Role(name=role_name, permissions=[RolePermission(entity=e, action=a) for e, a in rights]))
    db.session.commit()
    make_user("someone", (role_name,))
    sign_in(client, "someone")


def test_a_role_without_the_right_neither_sees_the_link_nor_gets_in(client, make_user):
    # Enrolment transfer alone opens the Utilities menu, but Canvas exceptions need result transfer.
    _sign_in_with(client, make_user, "Sync clerk", ("enrolment_transfer", "view"))
    menu = _menu(client)
    assert "Transfer enrolments to Canvas LMS" in menu
    assert "Canvas exceptions" not in menu
    assert client.get("/canvas-exceptions").status_code == 403


def test_the_run_history_opens_to_either_kind_of_transfer(client, make_user):
    # Each kind of run shows to those with its kind's right: enrolment transfer sees its own runs.
    _sign_in_with(client, make_user, "Sync clerk", ("enrolment_transfer", "view"))
    assert _menu(client)["Run history"] == "/runs"
    assert client.get("/runs").status_code == 200


@pytest.mark.parametrize("label, path", [("Canvas exceptions", "/canvas-exceptions"), ("Run history", "/runs")])
def test_a_role_with_the_right_sees_the_link_and_gets_in(client, make_user, label, path):
    _sign_in_with(client, make_user, "Results clerk", ("result_transfer", "view"))
    menu = _menu(client)
    assert menu[label] == path
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("rights", [
    (("enrolment_transfer", "view"),),
    (("result_transfer", "view"),),
    (("module_mapping", "view"), ("audit_entry", "view")),
    (("client", "view"), ("lms_integration", "view"), ("role", "view")),
])
def test_every_link_a_role_sees_opens(client, make_user, rights):
    _sign_in_with(client, make_user, "Clerk", *rights)
    menu = _menu(client)
    assert menu, "the role sees no link at all"
    for label, href in menu.items():
        assert client.get(href).status_code == 200, f"{label} ({href})"
