"""Every route is guarded, and a role without the right is refused on the server."""

import re

import pytest

from webapp.models import Role
from webapp.extensions import db
from webapp.services.permissions import ACTIONS, ENTITY_NAMES

from tests.helpers import sign_in

# The sign-in page, and what the machines that run canvaslink ask without an account (a load balancer,
# a service manager, Prometheus).
PUBLIC_ENDPOINTS = {"auth.login", "static", "operations.healthz", "operations.readyz", "operations.metrics"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        yield rule, app.view_functions[rule.endpoint]


def _url(rule) -> str:
    # Any id will do: the permission check runs before the record is loaded.
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)


def _is_right(right) -> bool:
    return isinstance(right, tuple) and len(right) == 2 and right[0] in ENTITY_NAMES and right[1] in ACTIONS


def test_every_route_declares_its_permission_check(app):
    unguarded = []
    for rule, view in _routes(app):
        access = getattr(view, "access", None)
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        if access == "signed_in":
            continue
        if not (_is_right(access) or (isinstance(access, frozenset) and access and all(map(_is_right, access)))):
            unguarded.append(f"{rule.rule} ({rule.endpoint})")
    assert not unguarded, "routes without a permission check: " + ", ".join(unguarded)


def test_only_sign_in_and_the_operations_endpoints_are_public(app):
    public = {rule.endpoint for rule, view in _routes(app) if getattr(view, "access", None) == "public"}
    assert public == PUBLIC_ENDPOINTS - {"static"}


def test_signed_out_visitors_are_sent_to_sign_in(app, client):
    for rule, view in _routes(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(_url(rule), method=method)
        assert response.status_code in (302, 400, 401), rule.rule
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], rule.rule


def _guarded(app, method):
    for rule, view in _routes(app):
        access = getattr(view, "access", None)
        if isinstance(access, tuple | frozenset) and method in rule.methods:
            yield rule, access


@pytest.fixture
def no_rights_client(client, make_user):
    db.session.add(Role(name="Nothing"))
    db.session.commit()
    make_user("nobody", ("Nothing",))
    sign_in(client, "nobody")
    return client


def test_a_role_without_rights_gets_403_on_every_guarded_route(app, no_rights_client):
    checked = 0
    for method in ("GET", "POST"):
        for rule, access in _guarded(app, method):
            response = no_rights_client.open(_url(rule), method=method, data={"x": "1"})
            assert response.status_code == 403, f"{method} {rule.rule} answered {response.status_code}"
            checked += 1
    assert checked > 40


def test_read_only_gets_403_on_every_mutating_route(app, client, login):
    login("Read only")
    mutating = [(rule, access) for rule, access in _guarded(app, "POST") if isinstance(access, tuple)
                and access[1] != "view"]
    assert len(mutating) > 20
    for rule, _access in mutating:
        response = client.post(_url(rule), data={"x": "1"})
        assert response.status_code == 403, f"POST {rule.rule} answered {response.status_code}"
