"""What an outside probe found (issue 12): cancelling runs, bad input, limits, headers, files, and
jobs that fail while the page waits."""

import io
import os
import stat
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import EnrolmentStatus, JobRun, Role, RolePermission, Unit
from webapp.services.canvas_sync import transfer as enrolment_transfer
from webapp.services.result_transfer import bulk as bulk_results
from webapp.services.runs.kinds import KINDS
from webapp.services.runs.lifecycle import start_run

from tests.helpers import PASSWORD, csrf_token_of, sign_in

HUGE = str(2**63)


def _run(kind, occurrence_id=None, actor_id=None):
    run, created = start_run(kind, occurrence_id, {"enrolment_ids": []}, 3, actor_id)
    db.session.commit()
    assert created
    return run


# Cancelling a run is checked like starting it --------------------------------------------------

def test_a_trainer_cannot_cancel_an_administrators_enrolment_transfer(client, login, make_user, make_occurrence):
    occurrence = make_occurrence()
    transfer = _run(enrolment_transfer.KIND, occurrence.id, make_user("admin-user").id)
    login("Trainer")
    assert client.post(f"/utilities/canvas-results/runs/{transfer.id}/cancel").status_code == 404
    assert client.post(f"/occurrences/{occurrence.id}/canvas/runs/{transfer.id}/cancel").status_code == 403
    db.session.expire_all()
    assert db.session.get(JobRun, transfer.id).status == "queued"


def test_cancelling_bulk_processing_takes_the_right_that_starts_it(client, make_user):
    db.session.add(Role(name="Downloader", permissions=[
        RolePermission(entity="result_transfer", action=a) for a in ("view", "add")]))
    db.session.commit()
    make_user("dora", ("Downloader",))
    download, processing = _run(bulk_results.KIND), _run(bulk_results.PROCESS_KIND)
    sign_in(client, "dora")
    page = client.get(f"/utilities/canvas-results/runs/{processing.id}/progress", headers={"HX-Request": "true"})
    assert "Cancel" not in page.get_data(as_text=True)
    assert client.post(f"/utilities/canvas-results/runs/{processing.id}/cancel").status_code == 403
    assert client.post(f"/utilities/canvas-results/runs/{download.id}/cancel").status_code == 302
    db.session.expire_all()
    assert (db.session.get(JobRun, processing.id).status, db.session.get(JobRun, download.id).status) == \
        ("queued", "cancelled")


# Jobs that fail inline ------------------------------------------------------------------------

def test_start_run_says_whether_it_created_the_run(make_occurrence):
    occurrence = make_occurrence()
    first, created = start_run(enrolment_transfer.KIND, occurrence.id, {}, 1, None)
    again, created_again = start_run(enrolment_transfer.KIND, occurrence.id, {}, 1, None)
    assert (created, created_again) == (True, False) and again is first


def test_a_small_transfer_that_fails_unexpectedly_ends_failed_and_blocks_nothing(
        client, login, demo, integration, monkeypatch):
    login()
    client.post("/occurrences/121/canvas/link", data={"integration_id": integration.id})

    def broken(run):
        raise RuntimeError("something nobody expected")

    monkeypatch.setitem(KINDS, enrolment_transfer.KIND, KINDS[enrolment_transfer.KIND]._replace(runner=broken))
    two = [e.id for e in demo.enrolments[:2]]
    response = client.post("/occurrences/121/canvas/transfer/run", data={"enrolment_id": two})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Stopped by an unexpected error (RuntimeError)" in page
    run = db.session.scalar(select(JobRun).order_by(JobRun.id.desc()))
    assert run.status == "failed"
    again = client.post("/occurrences/121/canvas/transfer/run", data={"enrolment_id": two})
    assert again.headers["Location"] != response.headers["Location"]  # a new run, not the stuck one


# No 500s on bad input ---------------------------------------------------------------------------

def test_row_saves_and_suggestions_without_htmx_get_a_page(client, login, make_occurrence, make_client,
                                                           enrol_client):
    login()
    occurrence = make_occurrence()
    enrolment = enrol_client(occurrence, make_client(code="C0001"))
    plan_unit, task = enrolment.plan_units[0], enrolment.enrolment_tasks[0]
    response = client.post(f"/enrolments/{enrolment.id}/units/{plan_unit.id}",
                           data={"result_type_id": "0", "result_start": "", "result_end": ""})
    assert response.status_code == 302 and response.headers["Location"] == f"/enrolments/{enrolment.id}"
    assert "Saved the unit result." in client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.post(f"/enrolments/{enrolment.id}/tasks/{task.id}", data={"task_status_id": "0",
                                                                                 "status_date": "not a date"})
    assert response.status_code == 302
    assert "Enter the date as dd/mm/yyyy, e.g. 31/03/2026." in client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.get(f"/occurrences/{occurrence.id}/enrol/clients?client_code=C00")
    assert response.status_code == 200 and '<option value="C0001">' in response.get_data(as_text=True)


def test_test_connection_without_htmx_goes_back_to_the_wizard_page(client, login):
    login()
    step1 = client.post("/manage/lms-integrations/new").headers["Location"]
    client.post(step1, data={"name": "Plain", "product": "canvas", "transfer_units": "y", "nav": "next"})
    response = client.post(step1.rsplit("/", 1)[0] + "/test", data={"base_url": "https://2130706433"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/2")
    assert "is not a host name" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_numbers_too_large_for_the_database_are_refused_not_a_500(client, login, make_occurrence):
    login()
    occurrence = make_occurrence()
    assert client.get(f"/clients/{HUGE}").status_code == 404
    assert client.get(f"/occurrences/{2**31}").status_code == 404
    assert client.get(f"/clients/?page={HUGE}").status_code == 200
    assert client.post(f"/occurrences/{occurrence.id}/matrix",
                       data={"task_id": HUGE, "unit_id": "1", "kind": "starts"}).status_code == 404
    response = client.post("/clients/new", data={"code": "C9", "first_name": "A", "last_name": "B",
                                                 "canvas_user_id": HUGE})
    assert response.status_code == 422 and "a whole number from 1 to 2147483647" in response.get_data(as_text=True)
    response = client.post("/occurrences/new", data={"id": HUGE, "name": "Big", "status_id": occurrence.status_id})
    assert response.status_code == 422 and "Number must be between 1 and 2147483647" in response.get_data(as_text=True)


def test_malformed_result_field_names_are_refused_not_a_500(client, login, make_occurrence, make_user):
    login()
    occurrence = make_occurrence()
    download = _run("result_download", occurrence.id)
    download.status = "finished"
    bulk = _run(bulk_results.KIND)
    bulk.status = "finished"
    db.session.commit()
    review = f"/occurrences/{occurrence.id}/canvas/results/runs/{download.id}"
    assert client.post(review, data={"a:b:c:outcome": "1", f"{HUGE}:x:outcome": "1"}).status_code == 200
    assert client.post(review, data={"add": "not-a-row"}).status_code == 400
    assert client.post(f"/utilities/canvas-results/runs/{bulk.id}/review",
                       data={"add": "²:unit-1", "²:unit-1:outcome": "1"}).status_code == 400


@pytest.mark.parametrize("target", ["/clients/\r\nSet-Cookie: x=1", "/\nx", "/\\evil.example"])
def test_line_breaks_and_backslashes_in_next_lead_home(client, make_user, target):
    from urllib.parse import quote

    make_user("alex")
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    response = client.post(f"/login?next={quote(target)}", data={"csrf_token": token, "username": "alex",
                                                                  "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"


# Limits -----------------------------------------------------------------------------------------

def test_a_10_mb_body_is_refused_before_it_is_read(client, login):
    login()
    response = client.post("/units/new", data={"code": "X", "name": "y" * 10 * 1024 * 1024})
    assert response.status_code == 413 and "Too much at once" in response.get_data(as_text=True)


def _chunked_post(client, body: bytes, content_type: str):
    """A body sent chunked, as a WSGI server hands it on: no Content-Length, the stream ended by the server."""
    return client.post("/units/new", input_stream=io.BytesIO(body), content_type=content_type,
                       headers={"Transfer-Encoding": "chunked"}, environ_overrides={"wsgi.input_terminated": True})


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=b"])
def test_a_chunked_body_over_the_limit_is_refused_as_too_large(client, login, app, content_type):
    login()
    token = csrf_token_of(client.get("/units/new").get_data(as_text=True))
    name = "y" * (app.config["MAX_CONTENT_LENGTH"] + 1024)
    if content_type.startswith("multipart"):
        body = "".join(f'--b\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
                       for key, value in {"csrf_token": token, "code": "X", "name": name}.items()) + "--b--\r\n"
    else:
        body = urlencode({"csrf_token": token, "code": "X", "name": name})
    response = _chunked_post(client, body.encode(), content_type)
    assert response.status_code == 413 and "Too much at once" in response.get_data(as_text=True)
    assert db.session.scalar(select(Unit).where(Unit.code == "X")) is None


def test_a_chunked_body_within_the_limit_is_read_whole(client, login):
    login()
    token = csrf_token_of(client.get("/units/new").get_data(as_text=True))
    body = urlencode({"csrf_token": token, "code": "XCHUNK", "name": "Sent in chunks"}).encode()
    assert _chunked_post(client, body, "application/x-www-form-urlencoded").status_code == 302
    assert db.session.scalar(select(Unit.name).where(Unit.code == "XCHUNK")) == "Sent in chunks"


def test_the_number_of_form_fields_is_capped(client, login, app):
    login()
    body = "&".join(f"f{n}=" for n in range(app.config["MAX_FORM_PARTS"] + 1))
    response = client.post("/units/new", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_exact_code_lookups_take_percent_literally(client, login, make_occurrence, make_client):
    login()
    occurrence = make_occurrence()
    make_client(code="C0001")
    enrolled = db.session.scalar(select(EnrolmentStatus.id).where(EnrolmentStatus.name == "Enrolled"))
    response = client.post(f"/occurrences/{occurrence.id}/enrol", data={"client_code": "%", "status_id": enrolled})
    assert response.status_code == 422 and "There is no client with code “%”" in response.get_data(as_text=True)
    response = client.post(f"/occurrences/{occurrence.id}/units", data={"unit_code": "BSB%"},
                           headers={"HX-Request": "true"})
    assert "There is no unit with code “BSB%”" in response.get_data(as_text=True)
    assert not occurrence.enrolments


# Headers and files ------------------------------------------------------------------------------

def test_pages_and_fragments_are_not_stored_by_caches(client, login, make_client):
    login()
    record = make_client()
    for response in (client.get(f"/clients/{record.id}"), client.get("/clients/?q=Test", headers={"HX-Request": "1"})):
        assert response.headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_instance_folder_and_sqlite_file_are_owner_only(monkeypatch, tmp_path):
    from webapp import create_app

    instance = tmp_path / "instance"
    monkeypatch.setenv("CANVASLINK_INSTANCE", str(instance))
    old_umask = os.umask(0o022)
    try:
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'canvaslink.db'}"})
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert stat.S_IMODE((instance / "canvaslink.db").stat().st_mode) == 0o600


def test_a_nul_character_in_any_field_is_refused_whole_with_a_reason(client, login):
    """PostgreSQL cannot store a NUL: the request is refused before a view can half-save it."""
    from webapp.models import Unit

    login()
    refused = client.post("/units/new", data={"code": "NUL001", "name": "Before\x00after"})
    searched = client.get("/clients/", query_string={"q": "a\x00"})

    assert refused.status_code == searched.status_code == 400
    assert "A field holds a NUL character" in refused.get_data(as_text=True)
    assert "nothing was saved" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Unit).where(Unit.code == "NUL001")) is None
