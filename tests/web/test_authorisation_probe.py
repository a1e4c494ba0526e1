"""The authorisation probe (issue 22): every route of the URL map, with each method it takes, requested by
a user holding one role, for every role — the seeded roles, a role with no rights, and a role for each
right of the permission matrix, which alone may pass exactly the routes that need that right (60 roles ×
137 requests). Each answer is compared with what the route's declared right says the role may do:
allowed is any answer but 403 or a redirect to sign in (a 404, a form error or a redirect elsewhere are
the route doing its work); refused is 403. A route answering 5xx is a difference too.

Where the expected right comes from: each view's access mark (`require`, `require_any`, `signed_in`,
`public` in webapp/blueprints/common/access.py), the very object the server checks; a route without one is a
difference. A run's page needs its kind's view right as well (the RunKind registry), so it is
requested once for a run of each kind.

State: one database, seeded once (the demo RTO, occurrence 121 linked to the simulator and transferred,
a run of every kind). Every role makes its GETs, which change nothing; then every role its POSTs that
keep records, so that they meet the records whole; then every role its deletes, signing out last. URL
parameters name records no POST can turn against the probe: a user and a role with no rights (so no
edit of them is refused for exceeding the editor's rights, and the prober's own account and role are
never touched), and records still in use where a delete should be refused. A record an earlier POST
deleted or unlinked makes later requests for it 404 or redirect elsewhere, which still reads as allowed,
and a route refuses before it loads any record: so what earlier POSTs changed cannot turn one outcome
into the other. CSRF stays on; the prober sends its token as htmx does.
"""

from collections import Counter
from typing import NamedTuple
from urllib.parse import urlsplit

import pytest
from flask import g, url_for
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tests.helpers import PASSWORD, sign_in
from webapp.extensions import db
from webapp.models import (
    Enrolment,
    JobRun,
    LmsIntegration,
    ResultProvenance,
    ResultType,
    Role,
    RolePermission,
    TaskStatus,
    User,
)
from webapp.services.canvas_sync.runs import start_bulk_sync, start_sync
from webapp.services.integrations.wizard import start_draft
from webapp.services.permissions import ACTIONS, ENTITY_NAMES
from webapp.services.result_transfer.bulk import start_bulk_download, start_processing
from webapp.services.result_transfer.download import start_download
from webapp.services.result_transfer.start_rules import START_FROM_ENROLMENT, start_rule
from webapp.services.runs.kinds import KINDS
from webapp.services.runs.lifecycle import execute
from webapp.services.setup.reference_data import ROLES
from webapp.services.sms.enrolments import enter_unit_result
from webapp.services.staff.users import create_user

# Which run a run's route is about: run_or_404 answers 404 for a run of another kind.
RUN_OF = {"result_transfer": "result_download", "enrolment_transfer": "enrolment_transfer",
          "bulk_results": "bulk_result_download", "canvas_sync.occurrence_run": "canvas_sync",
          "canvas_sync.cancel_occurrence_run": "canvas_sync", "canvas_sync.bulk_run": "canvas_sync_all",
          "canvas_sync.cancel_bulk_run": "canvas_sync_all"}
# Routes whose right also depends on the record: a run's page needs its kind's view right.
PER_RUN_KIND = {"oversight.run_detail"}


def _roles() -> dict[str, set[tuple[str, str]]]:
    """Every role the probe signs in with, and the rights it holds."""
    roles = {name: set(granted) for name, (_, granted) in ROLES.items()}
    roles["No rights"] = set()
    roles |= {f"Only {entity}.{action}": {(entity, action)} for entity in ENTITY_NAMES for action in ACTIONS}
    return roles


def _allows(access, rights: set[tuple[str, str]]) -> bool | None:
    """What the access mark lets a role with `rights` do; None when the route declares no right."""
    if access in ("public", "signed_in"):
        return True
    if isinstance(access, tuple):
        return access in rights
    if isinstance(access, frozenset) and access:
        return bool(access & rights)
    return None


def _refused(response) -> bool:
    if response.status_code == 403:
        return True
    location = urlsplit(response.headers.get("Location", ""))
    return response.status_code == 302 and location.path == "/login" and "next=" in location.query


class Records:
    """The records the probe's URLs name, by URL parameter."""

    def __init__(self, prober: User, transferred) -> None:
        occurrence = transferred.occurrence
        enrolment = db.session.scalars(select(Enrolment).where(Enrolment.occurrence_id == occurrence.id)
                                       .order_by(Enrolment.id.desc())).first()
        plan_unit = enrolment.plan_units[0]
        enter_unit_result(plan_unit, prober.id, result_type=self._competent(), start=plan_unit.planned_start,
                          end=plan_unit.planned_start)
        victim_role = Role(name="Victim")
        victim = create_user("victim", "Victim", PASSWORD, [victim_role])
        integration = db.session.scalar(select(LmsIntegration))
        self.runs = self._runs(transferred, prober.id)
        self.values = {
            "occurrence_id": occurrence.id, "enrolment_id": enrolment.id, "plan_unit_id": plan_unit.id,
            "enrolment_task_id": enrolment.enrolment_tasks[0].id, "client_id": enrolment.client_id,
            "provenance_id": db.session.scalar(select(ResultProvenance.id).where(
                ResultProvenance.plan_unit_id == plan_unit.id)),
            "unit_id": plan_unit.unit_id, "task_id": enrolment.enrolment_tasks[0].task_id,
            "integration_id": integration.id, "user_id": victim.id, "role_id": victim_role.id, "step": 1,
            "filename": "css/app.css",
        }
        # The simple records by blueprint (crud.py's <ident>): each still in use, so a delete is refused.
        self.ident = {"clients": enrolment.client_id, "units": plan_unit.unit_id,
                      "result_types": self._competent().id,
                      "task_statuses": db.session.scalar(select(TaskStatus.id).where(TaskStatus.name == "Completed"))}
        self.drafts = {"new": start_draft(prober.id).id, "edit": start_draft(prober.id, integration).id}

    @staticmethod
    def _runs(link, actor_id: int) -> dict[str, int]:
        """A run of every kind, made and run as staff start them (against the simulator)."""
        def run(started) -> JobRun:
            db.session.commit()
            execute(started.run, KINDS[started.run.kind].runner)
            db.session.commit()
            return started.run

        bulk = run(start_bulk_download(actor_id))
        made = [run(start_download(link, actor_id)), run(start_sync(link, actor_id, "the probe", dry_run=True)),
                run(start_bulk_sync(actor_id, "the probe", dry_run=True)), bulk,
                run(start_processing(bulk, start_rule(START_FROM_ENROLMENT), actor_id, {})),
                db.session.scalar(select(JobRun).where(JobRun.kind == "enrolment_transfer"))]
        runs = {made_run.kind: made_run.id for made_run in made}
        assert set(runs) == set(KINDS), "a kind of run the probe does not make"
        return runs

    @staticmethod
    def _competent() -> ResultType:
        return db.session.scalar(select(ResultType).where(ResultType.name == "Competent"))

    def urls(self, app, rule) -> list[tuple[str, tuple[str, str] | None]]:
        """The URLs to request for `rule`, each with the right its record needs besides the route's."""
        endpoint, blueprint = rule.endpoint, rule.endpoint.split(".")[0]
        values = {}
        for name in rule.arguments:
            if name == "ident":
                values[name] = self.ident[blueprint]
            elif name == "draft_id":
                values[name] = self.drafts["edit" if "integration_id" in rule.arguments else "new"]
            elif name == "run_id":
                values[name] = self.runs[RUN_OF.get(endpoint) or RUN_OF.get(blueprint, "result_download")]
            else:
                values[name] = self.values[name]
        with app.test_request_context():
            if endpoint in PER_RUN_KIND:
                return [(url_for(endpoint, **(values | {"run_id": run_id})), KINDS[kind].view_right)
                        for kind, run_id in self.runs.items()]
            return [(url_for(endpoint, **values), None)]


class Request(NamedTuple):
    method: str
    url: str
    endpoint: str
    access: object  # the view's access mark
    record_right: tuple[str, str] | None  # what the record needs besides the route's right

    @property
    def deletes(self) -> bool:
        return self.method == "POST" and self.url.rsplit("/", 1)[-1] in ("delete", "unlink", "remove")

    def expected(self, rights: set[tuple[str, str]]) -> bool | None:
        """Whether a role with `rights` may; None when the route declares no right."""
        allowed = _allows(self.access, rights)
        if allowed and self.record_right is not None:
            return self.record_right in rights
        return allowed


def _requests(app, records) -> list[Request]:
    """Every rule and method of the URL map, with its URL parameters filled."""
    planned = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        access = "public" if rule.endpoint == "static" else getattr(app.view_functions[rule.endpoint], "access", None)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for url, record_right in records.urls(app, rule):
                planned.append(Request(method, url, rule.endpoint, access, record_right))
    return planned


@pytest.fixture
def prober(make_user):
    """The user who holds each role in turn. It signs in once a role (signing out is a route too), so its
    password is hashed with one round: this test is not about how long a password takes to check."""
    user = make_user("prober", ())
    user.password_hash = generate_password_hash(PASSWORD, "pbkdf2:sha256:1")
    db.session.commit()
    return user


def _make_roles() -> dict[str, tuple[int, set[tuple[str, str]]]]:
    wanted = _roles()
    made = {name: db.session.scalar(select(Role).where(Role.name == name)) or Role(
        name=name, permissions=[RolePermission(entity=e, action=a) for e, a in sorted(rights)])
        for name, rights in wanted.items()}
    db.session.add_all(made.values())
    db.session.commit()
    return {name: (role.id, wanted[name]) for name, role in made.items()}


def test_every_route_answers_every_role_as_the_permission_matrix_says(app, client, prober, transferred_121):
    prober_id = prober.id
    records = Records(prober, transferred_121)
    roles = _make_roles()
    planned = _requests(app, records)
    # GETs change nothing; then the POSTs that keep records, so that they meet the records whole; then
    # the deletes, and signing out last of all for each role.
    phases = [[r for r in planned if r.method == "GET"],
              [r for r in planned if r.method != "GET" and not r.deletes and r.endpoint != "auth.logout"],
              sorted((r for r in planned if r.deletes or r.endpoint == "auth.logout"),
                     key=lambda r: r.endpoint == "auth.logout")]
    differences, sent = [], Counter()

    def as_role(name: str) -> set[tuple[str, str]]:
        role_id, rights = roles[name]
        db.session.get(User, prober_id).roles = [db.session.get(Role, role_id)]
        db.session.commit()
        # The permission set is cached on the loaded user, which the test's app context (shared by the
        # client's requests) keeps in g: load the user afresh.
        db.session.expunge_all()
        g.pop("_login_user", None)
        return rights

    # The narrow roles first: the Administrator's deletes would leave them only records already gone.
    order = sorted(roles, key=lambda name: name == "Administrator")
    sign_in(client, "prober")
    for number, phase in enumerate(phases):
        for name in order:
            rights = as_role(name)
            if number == 2:  # the previous role signed out
                sign_in(client, "prober")
            for request in phase:
                expected = request.expected(rights)
                response = client.open(request.url, method=request.method, data={})
                sent[request.method] += 1
                where = f"{request.method} {request.url} ({request.endpoint})"
                if expected is None:
                    differences.append(f"{where} declares no right")
                elif response.status_code >= 500:
                    differences.append(f"{name}: {where} answered {response.status_code}")
                elif _refused(response) == expected:
                    differences.append(f"{name}: {where} should be {'allowed' if expected else 'refused'}, answered "
                                       f"{response.status_code} {response.headers.get('Location', '')}".rstrip())

    total = sum(sent.values())
    print(f"\nauthorisation probe: {len(roles)} roles × {len(planned)} route requests = {total} requests "
          f"({sent['GET']} GET, {sent['POST']} POST); {len(differences)} differences")
    assert total == len(roles) * len(planned)
    assert differences == [], f"{len(differences)} differences from the permission matrix:\n" + "\n".join(differences)
