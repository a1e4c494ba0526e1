"""Generated bad input to every route: whatever is sent, the answer is a page or a 4xx, never a 500.

Each example sends one set of generated fields and values to every POST route (with and without
htmx) and as a query string to every GET route, on the demo RTO. Bounded: a few examples each.

The examples are the same on every run (a fixed seed): a build that lands must not hang on which
inputs a run happened to draw. To explore afresh, run it with another FUZZ_SEED, e.g.
`FUZZ_SEED=$RANDOM make test PYTEST_ARGS=tests/web/test_fuzz_forms.py`; whatever that finds becomes a
fix and a test of its own (tests/web/test_hardening.py).
"""

import functools
import os
import re

import pytest
import requests
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from webapp.extensions import db
from webapp.models import (
    Client, ResultType, Role, TaskStatus, Unit, User,
)
from webapp.services.integrations import connection, wizard
from webapp.services.canvas import CanvasClient
from webapp.services.setup.demo import seed_demo
from webapp.services.runs.lifecycle import end_run, start_run

from tests.helpers import csrf_token_of, sign_in

# Signing out ends the session the other requests need; deleting would leave later examples
# nothing to work on (their ids are fuzzed through the URL like every other route's).
SKIP_POST = {"auth.logout"}

HUGE = [str(2**31), str(2**63), str(2**64), "9" * 40, "-" + str(2**63)]
# The first and last days Python's calendar has: a day added or a month or a time zone applied
# to one of them overflows.
CALENDAR_EDGES = ["01/01/0001", "31/12/9999", "0001-01-01", "9999-12-31", "1/1/0001", "31.12.9999"]
BAD_VALUES = st.one_of(
    st.sampled_from(CALENDAR_EDGES),
    st.sampled_from(["", "0", "-1", "1", "on", "y", "%", "_", "%_%", "a\r\nb", "/\r\nLocation: //evil", "\x00",
                     "²", "١٢", "1e9", "NaN", "2026-02-30", "0000-00-00", "x" * 500, "<b>", "../..",
                     "https://2130706433", "http://169.254.169.254", "finish", "authorise", "back"] + HUGE),
    st.text(max_size=30),
    st.integers().map(str),
)
ODD_NAMES = ["add", "nav", "next", "page", "1:unit-1:outcome", "1:unit-1", "a:b:c:outcome", ":outcome",
             "99999999999999999999:x:outcome", "1::outcome", "²:k:outcome", "enrolment_id", "role_id", "member"]


def _ids(occurrence):
    enrolment = occurrence.enrolments[0]
    trainer = db.session.scalar(db.select(User).where(User.username == "trainer"))
    download, _ = start_run("result_download", occurrence.id, {"enrolment_ids": [enrolment.id]}, 1, trainer.id)
    end_run(download)
    draft = wizard.start_draft(db.session.scalar(db.select(User.id).where(User.username == "fuzzer")))
    db.session.commit()
    first = lambda model: db.session.scalar(db.select(model.id).order_by(model.id).limit(1))  # noqa: E731
    return {
        "occurrence_id": occurrence.id, "enrolment_id": enrolment.id, "plan_unit_id": enrolment.plan_units[0].id,
        "enrolment_task_id": enrolment.enrolment_tasks[0].id, "unit_id": occurrence.occurrence_units[0].unit_id,
        "task_id": occurrence.tasks[0].id, "role_id": db.session.scalar(db.select(Role.id).where(Role.name == "Trainer")),
        "user_id": trainer.id, "run_id": download.id, "draft_id": draft.id, "integration_id": 1, "step": 2,
        "clients": first(Client), "units": first(Unit), "result_types": first(ResultType),
        "task_statuses": first(TaskStatus), "enrolment_id_of_run": enrolment.id, "provenance_id": 1,
        "client_id": enrolment.client_id,
    }


def _url(rule, ids: dict, bad_id: str | None) -> str:
    def value(match):
        name = match.group(1)
        if bad_id is not None and name != "draft_id":
            return bad_id
        return str(ids[rule.endpoint.split(".")[0]] if name == "ident" else ids[name])

    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", value, rule.rule)


@pytest.fixture
def fuzz_target(app, client, make_user, monkeypatch):
    """The demo RTO, an administrator signed in, no network: any Canvas call fails at once."""
    def no_network(*args, **kwargs):
        raise requests.ConnectionError("no network while fuzzing")

    monkeypatch.setattr(requests.Session, "send", no_network)
    monkeypatch.setattr(connection, "CanvasClient", functools.partial(CanvasClient, sleep=lambda _: None))
    seed_demo({"admin": "x" * 12, "trainer": "y" * 12, "viewer": "z" * 12})
    db.session.commit()
    make_user("fuzzer")
    sign_in(client, "fuzzer")
    ids = _ids(db.session.get(__import__("webapp.models", fromlist=["Occurrence"]).Occurrence, 121))
    names, date_names = set(), set()
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static":
            html = client.get(_url(rule, ids, None)).get_data(as_text=True)
            names |= set(re.findall(r'name="([^"]+)"', html))
            date_names |= {name for tag in re.findall(r"<input[^>]*>", html) if "dd/mm/yyyy" in tag
                           for name in re.findall(r'name="([^"]+)"', tag)}
    date_names |= {name for name in names if "date" in name}
    return client, ids, sorted(names - {"csrf_token"}) + ODD_NAMES, sorted(date_names)


def _broken(app, client, ids, fields: dict, bad_id: str | None = None, headers: dict | None = None) -> list[str]:
    """Every route, sent `fields` (a POST with a valid CSRF token, a GET as its query string): the
    calls that answered 500."""
    token = csrf_token_of(client.get("/").get_data(as_text=True))
    broken = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = _url(rule, ids, bad_id)
        calls = []
        if "POST" in rule.methods and rule.endpoint not in SKIP_POST:
            calls.append(("POST", dict(data=fields | {"csrf_token": token})))
        if "GET" in rule.methods:
            calls.append(("GET", dict(query_string=fields)))
        for method, options in calls:
            try:
                status = client.open(url, method=method, headers=headers or {}, **options).status_code
            except Exception as exc:  # TESTING propagates what would have been a 500
                status = f"{type(exc).__name__}: {exc}"
                db.session.rollback()  # the test's app context shares one session across requests
            if not isinstance(status, int) or status >= 500:
                broken.append(f"{method} {url}: {status}")
    return broken


@seed(int(os.environ.get("FUZZ_SEED", "0")))
@settings(max_examples=12, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(data=st.data())
def test_no_generated_input_gets_a_500(app, fuzz_target, data):
    client, ids, names, _ = fuzz_target
    fields = data.draw(st.dictionaries(st.sampled_from(names), BAD_VALUES, max_size=8), label="fields")
    bad_id = data.draw(st.one_of(st.none(), st.sampled_from(HUGE[:3] + ["0"])), label="bad id")
    htmx = data.draw(st.booleans(), label="htmx")
    assert _broken(app, client, ids, fields, bad_id, {"HX-Request": "true"} if htmx else {}) == []


@pytest.mark.parametrize("edge", CALENDAR_EDGES[:2])
def test_every_date_box_at_the_edge_of_the_calendar_gets_no_500(app, fuzz_target, edge):
    """Every date any page asks for, filled at once with the first or last day there is."""
    client, ids, _, date_names = fuzz_target
    assert {"date_from", "date_to", "start_date", "date_of_birth"} <= set(date_names)
    assert _broken(app, client, ids, dict.fromkeys(date_names, edge)) == []
