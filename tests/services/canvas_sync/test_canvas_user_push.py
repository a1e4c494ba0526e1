"""A client's new name, login and e-mail pushed to their Canvas user, after a preview (issue 13, 4)."""

from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import AuditEntry, Client


def _client(code) -> Client:
    return db.session.scalar(select(Client).where(Client.code == code))


def _login_of(sim, user_id):
    with sim.state.lock:
        return next(x for x in sim.state.logins.values() if x.user_id == user_id and x.workflow_state == "active")


def _writes(sim) -> dict:
    return {call: n for call, n in sim.counters()["requests"].items() if not call.startswith("GET ")}


def test_an_email_change_is_pushed_without_a_second_account(client, login, transferred_121, sim, integration):
    login()
    integration.push_login_changes = True
    student = _client("C0030")
    student.email, student.last_name = "sam.new@student.example.edu.au", "Newname"
    db.session.commit()
    user_id = canvas_user_of("C0030")
    sim.simulation.counters.reset()

    preview = client.get(f"/clients/{student.id}/canvas").get_data(as_text=True)
    assert _writes(sim) == {}  # the preview sends nothing
    login_id = _login_of(sim, user_id).id
    assert f"PUT /api/v1/accounts/self/logins/{login_id} login[unique_id]=sam.new@student.example.edu.au" in preview
    assert f"PUT /api/v1/users/{user_id} user[name]={student.full_name}" in preview
    assert "Send to Canvas" in preview

    with sim.state.lock:
        users_before = len(sim.state.users)
    done = client.post(f"/clients/{student.id}/canvas", follow_redirects=True).get_data(as_text=True)

    assert "Updated in Canvas: name, login, e-mail." in done
    with sim.state.lock:
        user = sim.state.users[user_id]
        assert len(sim.state.users) == users_before
        assert (user.name, user.short_name, user.sortable_name, user.email) == (
            student.full_name, student.full_name, f"Newname, {student.first_name}", "sam.new@student.example.edu.au")
    login_ = _login_of(sim, user_id)
    assert (login_.unique_id, login_.sis_user_id) == ("sam.new@student.example.edu.au", "C0030")
    assert {e.summary.split(":")[0] for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "canvas_update"))} == {"Login in Canvas", "Name in Canvas", "E-mail in Canvas"}

    # A later transfer finds the same user by the new login: nobody is duplicated.
    assert "Canvas already has these details" in client.get(f"/clients/{student.id}/canvas").get_data(as_text=True)


def test_a_login_taken_by_someone_else_stops_the_push_before_anything_is_sent(
        client, login, transferred_121, sim, integration):
    login()
    integration.push_login_changes = True
    student = _client("C0031")
    student.email = _client("C0032").email  # a typing slip: another student's address
    db.session.commit()
    sim.simulation.counters.reset()

    preview = client.get(f"/clients/{student.id}/canvas").get_data(as_text=True)
    assert f"The login {student.email} already belongs to another Canvas user" in preview
    assert "Send to Canvas" not in preview
    refused = client.post(f"/clients/{student.id}/canvas")
    assert refused.status_code == 422 and "Nothing was sent" in refused.get_data(as_text=True)
    assert _writes(sim) == {}


def test_without_the_integration_allowing_it_only_the_name_is_pushed(client, login, transferred_121, sim):
    login()
    student = _client("C0033")
    student.first_name, student.email = "Renamed", "elsewhere@student.example.edu.au"
    db.session.commit()
    user_id = canvas_user_of("C0033")
    before = _login_of(sim, user_id).unique_id

    preview = client.get(f"/clients/{student.id}/canvas").get_data(as_text=True)
    assert f"The Canvas login stays {before}" in preview and "login[unique_id]" not in preview
    client.post(f"/clients/{student.id}/canvas")
    with sim.state.lock:
        assert sim.state.users[user_id].name == student.full_name
    assert _login_of(sim, user_id).unique_id == before


def test_the_client_page_offers_the_push_only_to_those_who_may_edit_clients(client, login, transferred_121):
    login("Read only")
    student = _client("C0034")
    assert "Update name and e-mail in Canvas" not in client.get(f"/clients/{student.id}").get_data(as_text=True)
    assert client.get(f"/clients/{student.id}/canvas").status_code == 403
