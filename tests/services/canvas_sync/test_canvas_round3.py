"""What staff see when the simulator, over HTTP, holds to Canvas's granular enrolment rights, its
e-mail channels and its read_email_addresses right (reference §12, issue 23 points 1-3)."""

import requests
from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from tests.helpers import KEEPING_IN_STEP, run_queued_jobs
from tests.services.canvas_sync.test_canvas_sync import _canvas_state, _set_status
from tests.services.canvas_sync.test_real_canvas_behaviour import _admin_token, _use_token
from webapp.extensions import db
from webapp.models import AuditEntry, CanvasModule, Client, Enrolment, JobRunItem, ModuleStateDownload

# A custom admin role with "Students - add" but not "remove", as a customer's service account may have.
WITHOUT_REMOVE = {"admin": True, "without_permissions": ["remove_student_from_course"]}


def _test_connection(client, sim, token, **choices):
    step1 = client.post("/manage/lms-integrations/new").headers["Location"]
    client.post(step1, data={"name": "Probe", "product": "canvas", "transfer_units": "y", "nav": "next"})
    answer = client.post(step1.rsplit("/", 1)[0] + "/test", headers={"HX-Request": "true"}, data={
        "base_url": sim.url, "account_id": "self", "client_id": "", "access_token": token,
        "enrol_mode": "active", "time_zone": "Australia/Sydney", **(KEEPING_IN_STEP | choices)})
    return answer.get_data(as_text=True)


def test_test_connection_checks_the_right_the_leaving_action_needs(client, login, sim):
    login()
    sim.configure(granular_permissions=True)
    token = _admin_token(sim, **WITHOUT_REMOVE)

    deactivating = _test_connection(client, sim, token, leave_action="deactivate")
    assert "but not ready: 1 of 9 checks fail" in deactivating
    assert "Deactivate enrolments: fail." in deactivating and "“Students - remove”" in deactivating
    deleting = _test_connection(client, sim, token, leave_action="delete")
    assert "Delete enrolments: fail." in deleting

    # Concluding needs another right, which this role holds.
    concluding = _test_connection(client, sim, token, leave_action="conclude")
    assert "Connected and ready" in concluding and "Conclude enrolments: pass." in concluding
    assert "Connected and ready" in _test_connection(client, sim, sim.admin_token, leave_action="delete")


def test_the_wizard_tests_again_when_the_leaving_action_changes(client, login, sim):
    login()
    step1 = client.post("/manage/lms-integrations/new").headers["Location"]
    client.post(step1, data={"name": "Probe", "product": "canvas", "transfer_units": "y", "nav": "next"})
    step2 = step1.rsplit("/", 1)[0] + "/2"
    before = client.get(step2).get_data(as_text=True)
    assert 'hx-trigger="change"' not in before  # nothing to test with yet
    client.post(step1.rsplit("/", 1)[0] + "/test", headers={"HX-Request": "true"}, data={
        "base_url": sim.url, "account_id": "self", "access_token": sim.admin_token, "enrol_mode": "active",
        "time_zone": "Australia/Sydney", **KEEPING_IN_STEP})
    page = client.get(step2).get_data(as_text=True)
    test_url = step1.rsplit("/", 1)[0] + "/test"
    assert (f'hx-post="{test_url}" hx-include="closest form" hx-target="#connection-result" '
            'hx-trigger="change"') in page


def test_a_withdrawal_refused_for_a_missing_right_names_it(client, login, app, redis_url, transferred_121, sim,
                                                           integration):
    login()
    sim.configure(granular_permissions=True)
    integration.leave_action = "deactivate"
    _use_token(integration, _admin_token(sim, **WITHOUT_REMOVE))
    _set_status("C0031", "Cancelled")
    db.session.commit()
    run_queued_jobs(app, redis_url)

    assert _canvas_state(sim, "C0031") == "active"  # Canvas refused: the student keeps access
    failed = next(i for i in db.session.scalars(select(JobRunItem)) if not i.ok)
    assert "Deactivate in Canvas failed" in failed.message and "“Students - remove”" in failed.message
    page = client.get("/canvas-exceptions").get_data(as_text=True)
    assert "“Students - remove”" in page and "Admin › (root account) › Permissions" in page


def _email_change(client, sim, integration, code="C0030", email="sam.new@student.example.edu.au"):
    integration.push_login_changes = True
    student = db.session.scalar(select(Client).where(Client.code == code))
    student.email, student.last_name = email, "Newname"
    db.session.commit()
    return student


def test_an_email_change_tells_staff_it_is_unconfirmed_and_audits_what_canvas_saved(
        client, login, transferred_121, sim, integration):
    login()
    student = _email_change(client, sim, integration)
    user_id = canvas_user_of("C0030")
    sim.simulation.counters.reset()

    done = client.post(f"/clients/{student.id}/canvas", follow_redirects=True).get_data(as_text=True)

    assert "Updated in Canvas: name, login, e-mail." in done
    assert "sam.new@student.example.edu.au is unconfirmed in Canvas until the student confirms it" in done
    assert sim.counters()["requests"]["PUT /api/v1/users/:id"] == 2  # names, then the e-mail: two calls
    channels = requests.get(f"{sim.url}/api/v1/users/{user_id}/communication_channels", timeout=10,
                            headers={"Authorization": f"Bearer {sim.admin_token}"}).json()
    assert [(c["address"], c["workflow_state"]) for c in channels][0] == (
        "sam.new@student.example.edu.au", "unconfirmed")
    summaries = {e.summary for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "canvas_update"))}
    assert any(s.startswith("E-mail in Canvas:") and "unconfirmed until the student confirms it" in s
               for s in summaries)


def test_an_email_canvas_refuses_never_reports_the_saved_name_as_failed(
        client, login, transferred_121, sim, integration):
    login()
    student = _email_change(client, sim, integration, email="sam new@student.example.edu.au")
    integration.push_login_changes = True
    db.session.commit()
    user_id = canvas_user_of("C0030")
    with sim.state.lock:
        login_ = next(x for x in sim.state.logins.values() if x.user_id == user_id)
        login_.unique_id = "sam new@student.example.edu.au"  # the login already matches: name and e-mail only

    page = client.post(f"/clients/{student.id}/canvas").get_data(as_text=True)

    assert "Canvas refused e-mail" in page and "Name went through and stays saved in Canvas" in page
    with sim.state.lock:
        assert sim.state.users[user_id].name == student.full_name
    outcomes = {e.summary.split(":")[0]: e.changes["outcome"] for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "canvas_update"))}
    assert outcomes["Name in Canvas"] == "done" and outcomes["E-mail in Canvas"].startswith("failed")


def test_a_token_that_cannot_read_email_says_so_and_sends_no_email(client, login, transferred_121, sim, integration):
    login()
    student = _email_change(client, sim, integration)
    _use_token(integration, _admin_token(sim, admin=True, without_permissions=["read_email_addresses"]))
    sim.simulation.counters.reset()

    preview = client.get(f"/clients/{student.id}/canvas").get_data(as_text=True)
    assert "Canvas does not show e-mail addresses to this token" in preview
    assert "“Users - view primary email address”" in preview
    assert "user[email]=" not in preview  # no e-mail change planned, so none re-sent on every push

    client.post(f"/clients/{student.id}/canvas")
    again = client.get(f"/clients/{student.id}/canvas").get_data(as_text=True)
    assert "Canvas already has these details" in again


def test_test_connection_lists_reading_email_when_email_pushes_are_on(client, login, sim):
    login()
    token = _admin_token(sim, admin=True, without_permissions=["read_email_addresses"])
    assert "Connected and ready" in _test_connection(client, sim, token)
    pushing = _test_connection(client, sim, token, push_login_changes="y")
    assert "Read e-mail addresses: fail." in pushing and "“Users - view primary email address”" in pushing


def test_null_titles_and_names_in_canvas_never_fail_a_download(transferred_121, sim, make_user):
    """Driven through the simulator: Canvas answers a module with no name and an item with no title;
    the module list is updated and the student's progress staged as usual."""
    from webapp.services.canvas_links.modules import update_module_list
    from webapp.services.integrations.connection import canvas_client
    from webapp.services.result_transfer.download import stage_now

    with sim.state.lock:
        sim.state.modules[903].name = None
        sim.state.modules[902].items[0].title = None
    sim.set_module_state(canvas_user_of("C0030"), 902, "completed")
    staff = make_user("setup-admin-2")
    with canvas_client(transferred_121.integration) as client:
        update_module_list(transferred_121, client, staff.id)
    db.session.commit()
    assert db.session.scalar(select(CanvasModule.name).where(CanvasModule.canvas_module_id == 903)) == \
        "Module 903 (no name in Canvas)"

    enrolment_id = db.session.scalar(select(Enrolment.id).join(Client).where(Client.code == "C0030"))
    stage_now(121, [enrolment_id], staff.id)
    staged = db.session.scalar(select(ModuleStateDownload).where(ModuleStateDownload.enrolment_id == enrolment_id))
    assert staged.error is None
    assert next(m for m in staged.states if m["id"] == 902)["state"] == "completed"
