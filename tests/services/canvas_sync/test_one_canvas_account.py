"""One Canvas account, one student (issue 21 §1) and the integration's admin token acting only on a
student's own Canvas account (issue 22 H2): the clash end to end, through the pages, against the
simulator over HTTP: the client form, the transfer preview, the transfer, a download and a push."""

import html

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import Client, EnrolmentTransfer, ModuleStateDownload, Role, RolePermission
from webapp.services.canvas_links.link import current_link
from webapp.services.canvas_sync.sharing import shared_accounts
from webapp.services.oversight.exceptions import KINDS, exception_list
from webapp.services.result_transfer.download import run_download, start_download


def _client(code) -> Client:
    return db.session.scalar(select(Client).where(Client.code == code))


def _edit(client, record: Client, canvas_user_id):
    return client.post(f"/clients/{record.id}/edit", data={
        "code": record.code, "first_name": record.first_name, "last_name": record.last_name,
        "email": record.email or "", "canvas_user_id": str(canvas_user_id)})


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _writes(sim) -> dict:
    return {call: n for call, n in sim.counters()["requests"].items() if not call.startswith("GET ")}


# The client form ------------------------------------------------------------------------------

def test_the_form_refuses_another_clients_canvas_account(client, login, transferred_121):
    login()
    ella = canvas_user_of("C0025")
    archie = _client("C0026")

    refused = _edit(client, archie, ella)

    assert refused.status_code == 422
    assert f"Canvas user {ella} is already Ella Wright (C0025)'s Canvas account" in _text(refused)
    db.session.expire_all()
    assert _client("C0026").canvas_user_id != ella


def test_the_form_refuses_an_account_whose_sis_id_is_another_clients_code(client, login, demo, integration):
    login()  # nothing transferred yet: only Canvas knows Canvas user 1001 is C0025's (its SIS ID)
    refused = _edit(client, _client("C0026"), 1001)

    assert refused.status_code == 422
    assert "has SIS ID C0025, the client code of Ella Wright (C0025)" in _text(refused)
    db.session.expire_all()
    assert _client("C0026").canvas_user_id is None


def test_the_form_refuses_the_canvas_administrator(client, login, demo, integration):
    login()
    refused = _edit(client, _client("C0026"), 1)

    page = _text(refused)
    assert refused.status_code == 422
    assert "Canvas user 1 is an administrator of Canvas account self (AccountAdmin)" in page
    assert "never links, renames or changes the login of staff" in page


def test_the_form_shows_who_a_canvas_user_id_is(client, login, demo, integration):
    login()
    ella = _client("C0025")

    shown = client.get(f"/clients/canvas-account?client_id={ella.id}&canvas_user_id=1001",
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Canvas user 1001 in Demo Canvas: “Ella Wright”, login ella.wright@student.example.edu.au, SIS ID C0025." \
        in shown
    assert 'class="ok"' in shown
    form = client.get(f"/clients/{ella.id}/edit").get_data(as_text=True)
    assert f'hx-get="/clients/canvas-account?client_id={ella.id}"' in form and 'id="canvas-account"' in form


def test_setting_the_canvas_user_id_takes_the_canvas_right_not_client_edit(client, login, make_user, demo, integration):
    db.session.add(Role(name="Client clerk", permissions=[
        RolePermission(entity="client", action=a) for a in ("view", "edit")]))
    db.session.commit()
    login("Client clerk")
    archie = _client("C0026")

    refused = _edit(client, archie, 1)
    assert refused.status_code == 422
    assert "Only staff who may transfer enrolments to Canvas may set or change the Canvas user id" in \
        _text(refused)
    form = client.get(f"/clients/{archie.id}/edit").get_data(as_text=True)
    assert "readonly" in form and "Only staff who may transfer enrolments to Canvas can change it." in form
    # Their other edits still save, the id untouched.
    saved = client.post(f"/clients/{archie.id}/edit", data={
        "code": archie.code, "first_name": "Archibald", "last_name": archie.last_name, "email": archie.email,
        "canvas_user_id": ""})
    assert saved.status_code == 302
    assert client.get(f"/clients/{archie.id}/canvas").status_code == 403
    assert client.post(f"/clients/{archie.id}/canvas").status_code == 403
    assert client.get("/clients/canvas-account?canvas_user_id=1").status_code == 403


def test_the_database_holds_one_client_per_canvas_user(app, make_client):
    first, second = make_client(code="K1"), make_client(code="K2")
    first.canvas_user_id = 5005
    db.session.commit()

    second.canvas_user_id = 5005
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# The transfer -----------------------------------------------------------------------------------

@pytest.fixture
def linked_121(demo, integration, make_user):
    """Occurrence 121 linked to its section, nothing transferred; Archie Clarke (C0026) carries Ella
    Wright's Canvas user id, as a typing slip saved before this check existed would."""
    from webapp.services.canvas_links.link import link_occurrence
    from webapp.services.integrations.connection import canvas_client

    with canvas_client(integration) as api:
        link = link_occurrence(demo, integration, api, make_user("setup-admin").id)
    _client("C0026").canvas_user_id = 1001
    db.session.commit()
    return link


def test_the_preview_names_canvas_users_and_refuses_both_students_of_one_account(client, login, linked_121):
    login()
    ids = {e.client.code: e.id for e in linked_121.occurrence.enrolments}

    page = client.post("/occurrences/121/canvas/transfer/preview",
                       data={"enrolment_id": [ids["C0025"], ids["C0026"], ids["C0027"]]})
    page = _text(page)

    assert page.count("Canvas user 1001 is also") == 2
    assert "Canvas user 1001 is also Archie Clarke (C0026)'s Canvas account" in page
    assert "Canvas user 1001 is also Ella Wright (C0025)'s Canvas account" in page
    assert "Canvas user 1003 “Matilda Scott”" in page  # the others show their Canvas names


def test_the_transfer_enrols_neither_student_of_one_account(linked_121, make_user, sim):
    from webapp.services.canvas_sync.transfer import run_transfer, start_transfer

    run, _ = start_transfer(linked_121, [e.id for e in linked_121.occurrence.enrolments], make_user("staff").id)
    db.session.commit()
    run_transfer(run)

    failed = {item.label: item.message for item in run.items if not item.ok}
    assert set(failed) == {"Ella Wright (C0025)", "Archie Clarke (C0026)"}
    assert all("One Canvas account belongs to one student" in message for message in failed.values())
    assert run.failed == 2
    with sim.state.lock:
        assert not [e for e in sim.state.enrollments.values() if e.user_id == 1001]
    assert "Shares a Canvas account" not in str(exception_list(121))  # nothing transferred as one user


# A download and a push over records linked before the check existed ----------------------------

@pytest.fixture
def shared_after_transfer(transferred_121):
    """Archie Clarke's transfer points at Ella Wright's Canvas user, as one made before this issue could."""
    archie = db.session.scalar(select(EnrolmentTransfer).join(Client, EnrolmentTransfer.client_id == Client.id)
                               .where(Client.code == "C0026"))
    archie.canvas_user_id = canvas_user_of("C0025")
    db.session.commit()
    return transferred_121


def test_a_download_stages_no_progress_for_two_clients_of_one_canvas_user(shared_after_transfer, make_user):
    run, _ = start_download(current_link(shared_after_transfer.occurrence), make_user("download-staff").id)
    db.session.commit()
    run_download(run, 121)

    staged = {s.enrolment.client.code: s for s in db.session.scalars(select(ModuleStateDownload).where(
        ModuleStateDownload.run_id == run.id))}
    for code in ("C0025", "C0026"):
        assert staged[code].states is None and "One Canvas account belongs to one student" in staged[code].error
    assert staged["C0027"].states  # everyone else downloaded as usual

    shares = [row for row in exception_list(121, "shares_account")]
    assert {row.student for row in shares} == {"Ella Wright (C0025)", "Archie Clarke (C0026)"}
    assert "Canvas user 1001 is also Archie Clarke (C0026)'s Canvas account" in \
        next(row.detail for row in shares if row.student.startswith("Ella"))
    assert "Shares a Canvas account" in [heading for heading, _ in KINDS.values()]


def test_a_push_goes_only_to_the_account_canvaslink_linked(client, login, transferred_121, sim):
    login()
    archie = _client("C0026")
    sim.simulation.counters.reset()

    # The Canvas root admin, typed past the form (an old record): not linked by canvaslink.
    archie.canvas_user_id = 1
    db.session.commit()
    page = _text(client.get(f"/clients/{archie.id}/canvas"))
    assert "canvaslink did not link Canvas user 1 (“Integration Admin”) to Archie Clarke itself" in page
    assert "Send to Canvas" not in page
    assert client.post(f"/clients/{archie.id}/canvas").status_code == 422

    # Another student's account: its SIS ID is not this client's code.
    ella = _client("C0025")
    ella_id, ella.canvas_user_id = ella.canvas_user_id, None
    db.session.flush()
    archie.canvas_user_id = ella_id
    db.session.commit()
    page = _text(client.get(f"/clients/{archie.id}/canvas"))
    assert f"Canvas user {ella_id} (“Ella Wright”) has SIS user ID C0025, not Archie Clarke's client code C0026" in page
    assert client.post(f"/clients/{archie.id}/canvas").status_code == 422
    assert _writes(sim) == {}


# The rule itself -------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(resolved=st.lists(st.tuples(st.integers(1, 6), st.one_of(st.none(), st.integers(100, 104))), max_size=12),
       linked=st.dictionaries(st.integers(100, 104), st.sets(st.integers(1, 6), min_size=1, max_size=3), max_size=4))
def test_no_two_clients_go_on_as_one_canvas_user(app, resolved, linked):
    """Whatever the students resolve to and whoever is linked already, those allowed on never share a
    Canvas user with another client, in the batch or before it."""
    rows = [(key, client_id, user_id) for key, (client_id, user_id) in enumerate(resolved)]
    refused = shared_accounts(rows, linked)  # names are only looked up for refusals: no database needed
    going_on = [(client_id, user_id) for key, client_id, user_id in rows if user_id and key not in refused]
    for client_id, user_id in going_on:
        assert linked.get(user_id, set()) <= {client_id}
        assert all(other == client_id for other, uid in going_on if uid == user_id)
    for key, client_id, user_id in rows:
        if key in refused:
            clash = {c for _, c, u in rows if u == user_id} | linked.get(user_id, set())
            assert clash - {client_id}
