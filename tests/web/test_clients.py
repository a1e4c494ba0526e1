"""Clients: list, search as you type, add, edit, delete with confirmation."""

from webapp.extensions import db
from webapp.models import Client


def test_list_and_search(client, login, make_client):
    login("Read only")
    make_client(first_name="Ada", last_name="Lovelace", code="C9001")
    make_client(first_name="Alan", last_name="Turing", code="C9002")
    page = client.get("/clients/").get_data(as_text=True)
    assert "Lovelace" in page and "Turing" in page
    found = client.get("/clients/?q=lovel").get_data(as_text=True)
    assert "Lovelace" in found and "Turing" not in found


def test_search_as_you_type_returns_only_the_results(client, login, make_client, htmx_headers):
    login()
    make_client(last_name="Lovelace")
    fragment = client.get("/clients/?q=love", headers=htmx_headers).get_data(as_text=True)
    assert "Lovelace" in fragment
    assert "<html" not in fragment and "<table" in fragment


def test_list_is_paginated(client, login, make_client):
    login()
    for n in range(30):
        make_client(last_name=f"Pager{n:02d}")
    first = client.get("/clients/").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Pager24" in first and "Pager25" not in first
    assert "Pager25" in client.get("/clients/?page=2").get_data(as_text=True)


def test_add_client(client, login):
    login()
    response = client.post("/clients/new", data={
        "code": "C5000", "first_name": "Grace", "last_name": "Hopper", "email": "grace@example.edu.au",
        "date_of_birth": "9/12/1990",  # as staff type it: day first
    })
    assert response.status_code == 302
    saved = db.session.scalar(db.select(Client).where(Client.code == "C5000"))
    assert saved.full_name == "Grace Hopper" and str(saved.date_of_birth) == "1990-12-09"
    assert "Grace Hopper" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_duplicate_code_is_refused_on_the_form(client, login, make_client):
    login()
    make_client(code="C5000")
    response = client.post("/clients/new", data={"code": "c5000", "first_name": "A", "last_name": "B"})
    assert response.status_code == 422
    assert "Another client already has code" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Client)) == 1


def test_bad_input_names_the_field_and_keeps_what_was_typed(client, login):
    login()
    response = client.post("/clients/new", data={"code": "C5001", "first_name": "Grace", "last_name": "",
                                                 "email": "not-an-email"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Invalid email address" in html and "This field is required" in html
    assert 'value="Grace"' in html


def test_edit_client_including_canvas_user_id(client, login, make_client, integration, sim):
    login()
    record = make_client()
    existing = next(user.id for user in sim.state.users.values() if user.id != 1)
    response = client.post(f"/clients/{record.id}/edit", data={
        "code": record.code, "first_name": "Renamed", "last_name": record.last_name, "canvas_user_id": str(existing),
    })
    assert response.status_code == 302
    db.session.refresh(record)
    assert record.first_name == "Renamed" and record.canvas_user_id == existing
    assert str(existing) in client.get(f"/clients/{record.id}").get_data(as_text=True)


def test_a_canvas_user_id_canvas_does_not_know_is_refused_with_the_reason(client, login, make_client, integration,
                                                                         sim):
    """Issue 11, point 8: today any number is saved, and enrolment transfer enrols whoever has it."""
    login()
    record = make_client()
    response = client.post(f"/clients/{record.id}/edit", data={
        "code": record.code, "first_name": record.first_name, "last_name": record.last_name,
        "canvas_user_id": "987654"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Canvas user id 987654 was not saved: Demo Canvas ({sim.url}) has no user with id 987654" in html
    db.session.refresh(record)
    assert record.canvas_user_id is None
    unchanged = client.post(f"/clients/{record.id}/edit", data={
        "code": record.code, "first_name": "Renamed", "last_name": record.last_name, "canvas_user_id": ""})
    assert unchanged.status_code == 302  # no id, nothing to ask Canvas


def test_a_canvas_user_id_needs_an_integration_to_check_it(client, login, make_client):
    login()
    record = make_client()
    response = client.post(f"/clients/{record.id}/edit", data={
        "code": record.code, "first_name": record.first_name, "last_name": record.last_name, "canvas_user_id": "4711"})
    assert response.status_code == 422
    assert "There is no LMS integration to check this Canvas user id against" in response.get_data(as_text=True)


def test_delete_asks_first_then_deletes(client, login, make_client):
    login()
    record = make_client(last_name="Gone")
    confirm = client.get(f"/clients/{record.id}/delete").get_data(as_text=True)
    assert "Delete client" in confirm and "cannot be undone" in confirm
    assert db.session.get(Client, record.id) is not None
    response = client.post(f"/clients/{record.id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Client, record.id) is None


def test_an_enrolled_client_cannot_be_deleted(client, login, make_client, make_occurrence, enrol_client):
    login()
    record = make_client()
    enrol_client(make_occurrence(), record)
    response = client.post(f"/clients/{record.id}/delete", follow_redirects=True)
    assert "has 1 enrolment(s); delete those first" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Client, record.id) is not None


def test_trainer_sees_no_add_edit_or_delete(client, login, make_client):
    login("Trainer")
    record = make_client()
    assert "Add client" not in client.get("/clients/").get_data(as_text=True)
    page = client.get(f"/clients/{record.id}").get_data(as_text=True)
    assert "Edit</a>" not in page and "Delete…" not in page
