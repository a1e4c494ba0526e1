"""What staff see when the Canvas simulator, over HTTP, behaves as real Canvas does where it is
stricter than a lenient simulator (reference §11): one test per situation of issue 10."""

import requests
from sqlalchemy import select

from tests.helpers import KEEPING_IN_STEP
from tests.services.canvas_links.test_canvas_links import _link
from webapp.extensions import db
from webapp.models import Client, EnrolmentTransfer, JobRunItem
from webapp.services.integrations.secrets import encrypt


def _by_code(demo, code):
    return next(e for e in demo.enrolments if e.client.code == code)


def _canvas_api(sim, method, path, **kwargs):
    answer = requests.request(method, sim.url + path, timeout=10,
                              headers={"Authorization": f"Bearer {sim.admin_token}"}, **kwargs)
    answer.raise_for_status()
    return answer.json()


def _admin_token(sim, **rights) -> str:
    """A Canvas admin with fewer rights than the demo's, as a customer's service account may be."""
    user = requests.post(f"{sim.url}/sim/api/users", timeout=10, json={
        "name": "Limited Admin", "login_id": "limited.admin@rto.example.edu.au", **rights}).json()
    return requests.post(f"{sim.url}/sim/api/tokens", timeout=10, json={"user_id": user["id"]}).json()[
        "access_token"]


def _use_token(integration, token):
    integration.access_token_enc = encrypt(token)
    db.session.commit()


def _run_page(client, demo, codes, **extra):
    ids = [_by_code(demo, code).id for code in codes]
    response = client.post(f"/occurrences/{demo.id}/canvas/transfer/run", data={"enrolment_id": ids, **extra})
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _items():
    # The newest item per student wins: a download after a transfer names the same students.
    return {i.label.rsplit("(", 1)[1].rstrip(")"): i for i in db.session.scalars(select(JobRunItem).order_by(JobRunItem.id))}


# 2. A student whose old Canvas login was deleted -------------------------------------------

def test_a_student_whose_deleted_login_kept_the_sis_id_is_restored_not_duplicated(
        client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    ella = 1001  # C0025 in the demo seed
    [old_login] = _canvas_api(sim, "GET", f"/api/v1/users/{ella}/logins")
    # Canvas refuses to delete a user's last login through the API; an admin deleting the user does it.
    requests.post(f"{sim.url}/sim/api/logins/{old_login['id']}/delete", timeout=10, json={}).raise_for_status()

    page = _run_page(client, demo, ["C0025"])

    assert "Deleted Canvas login restored (it kept the SIS user ID) and enrolled" in page
    assert db.session.scalar(select(Client.canvas_user_id).where(Client.code == "C0025")) == ella
    with sim.state.lock:
        assert sim.state.logins[old_login["id"]].workflow_state == "active"
        assert len(sim.state.users) == 4  # the admin and the three students the seed has: nobody new
        assert [e.user_id for e in sim.state.enrollments.values() if e.section_id == 87] == [ella]


# 3. SIS permissions --------------------------------------------------------------------------

def test_without_manage_sis_the_user_is_created_and_the_missing_sis_id_reported(
        client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    _use_token(integration, _admin_token(sim, admin=True, without_permissions=["manage_sis"]))

    page = _run_page(client, demo, ["C0030"])

    item = _items()["C0030"]
    assert item.ok and item.outcome == "check"
    assert "Canvas created the user without SIS user ID C0030" in item.message and "Check" in page
    canvas_id = db.session.scalar(select(Client.canvas_user_id).where(Client.code == "C0030"))
    assert canvas_id and db.session.scalar(select(EnrolmentTransfer.canvas_user_id)) == canvas_id


def test_without_read_sis_canvaslink_says_it_could_not_check(client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    # manage_sis implies read_sis in Canvas: without both, SIS IDs are neither kept nor shown.
    _use_token(integration, _admin_token(sim, admin=True, without_permissions=["read_sis", "manage_sis"]))

    _run_page(client, demo, ["C0030"])

    assert "could not check that SIS user ID C0030 was saved" in _items()["C0030"].message


def _test_connection(client, sim, token):
    step1 = client.post("/manage/lms-integrations/new").headers["Location"]
    client.post(step1, data={"name": "Probe", "product": "canvas", "transfer_units": "y", "nav": "next"})
    answer = client.post(step1.rsplit("/", 1)[0] + "/test", headers={"HX-Request": "true"}, data={
        "base_url": sim.url, "account_id": "self", "client_id": "", "access_token": token,
        "enrol_mode": "active", "time_zone": "Australia/Sydney", **KEEPING_IN_STEP})
    return answer.get_data(as_text=True)


def test_test_connection_checks_each_right_and_never_calls_a_student_connected(client, login, sim):
    login()
    student_token = requests.post(f"{sim.url}/sim/api/tokens", timeout=10, json={"user_id": 1001}).json()[
        "access_token"]

    as_student = _test_connection(client, sim, student_token)
    assert "Connected as Ella Wright (Canvas user 1001), but not ready" in as_student
    assert "Connected and ready" not in as_student
    assert "Admin of the root account: fail." in as_student

    limited = _test_connection(client, sim, _admin_token(sim, admin=True,
                                                         without_permissions=["manage_sis", "read_sis"]))
    assert "but not ready: 2 of 9 checks fail" in limited
    assert "Give users SIS IDs: fail." in limited and "“SIS Data - manage”" in limited
    assert "Enrol students: pass." in limited

    assert "Connected and ready" in _test_connection(client, sim, sim.admin_token)


def test_a_sub_account_admin_gets_a_message_saying_what_the_refusal_means(client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    with sim.state.lock:
        sim.state.courses[55].account_id = 2  # the demo course moves to a sub-account
    requests.post(f"{sim.url}/sim/api/accounts", timeout=10, json={"id": 2, "name": "Online"})
    _use_token(integration, _admin_token(sim, admin_account_id=2))

    _run_page(client, demo, ["C0030"])

    item = _items()["C0030"]
    assert not item.ok and "an admin of a sub-account only" in item.message


# 4. Reusing an existing Canvas user by login --------------------------------------------------

def test_a_user_reused_by_login_gets_the_client_code_as_sis_id(client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)

    _run_page(client, demo, ["C0026"])

    assert "Set the Canvas login's SIS user ID to C0026." in _items()["C0026"].message
    assert _canvas_api(sim, "GET", "/api/v1/users/sis_user_id:C0026")["id"] == 1002


def test_without_manage_sis_the_reused_login_is_left_and_the_page_says_why(client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    _use_token(integration, _admin_token(sim, admin=True, without_permissions=["manage_sis"]))

    _run_page(client, demo, ["C0026"])

    item = _items()["C0026"]
    assert item.outcome == "check"
    assert "SIS user ID C0026 was not set on the Canvas login: the integration's Canvas user lacks" in item.message


# 5. Re-enrolment side effects -------------------------------------------------------------------

def test_a_conclusion_made_in_canvas_is_shown_and_kept_unless_a_person_reopens_it(
        client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    _run_page(client, demo, ["C0025"])
    [enrollment] = [e for e in sim.state.enrollments.values() if e.section_id == 87]
    _canvas_api(sim, "DELETE", f"/api/v1/courses/55/enrollments/{enrollment.id}", params={"task": "conclude"})

    ella = _by_code(demo, "C0025").id
    preview = client.post("/occurrences/121/canvas/transfer/preview", data={"enrolment_id": [ella]}).get_data(
        as_text=True)
    assert "Leave as it is in Canvas" in preview and "concluded in Canvas on " in preview
    assert 'name="reopen_id"' in preview

    db.session.query(JobRunItem).delete()
    page = _run_page(client, demo, ["C0025"])
    assert "Left as concluded in Canvas on" in page
    assert sim.state.enrollments[enrollment.id].workflow_state == "completed"

    db.session.query(JobRunItem).delete()
    page = _run_page(client, demo, ["C0025"], reopen_id=[ella])
    assert "Re-opened in Canvas as you chose" in page
    assert sim.state.enrollments[enrollment.id].workflow_state == "active"


def test_a_second_transfer_never_resets_an_active_enrolment_in_canvas(client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    _run_page(client, demo, ["C0025"])
    [enrollment] = [e for e in sim.state.enrollments.values() if e.section_id == 87]
    with sim.state.lock:  # a teacher lifted the section limit in Canvas
        enrollment.limit_privileges_to_course_section = False

    db.session.query(JobRunItem).delete()
    db.session.delete(_by_code(demo, "C0025").transfer)  # as if the link were lost: the user is reused
    db.session.commit()
    page = _run_page(client, demo, ["C0025"])

    assert "Already enrolled in Canvas (active); nothing was sent." in page
    assert enrollment.limit_privileges_to_course_section is False
    assert sim.counters()["requests"].get("POST /api/v1/sections/:section_id/enrollments") == 1


def test_an_unpublished_course_keeps_the_enrolment_pending(client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    integration.enrol_mode = "invited"
    db.session.commit()
    requests.patch(f"{sim.url}/sim/api/courses/55", timeout=10, json={"workflow_state": "unpublished"})

    page = _run_page(client, demo, ["C0025"])

    assert "Canvas holds the enrolment as pending until the course is published." in page
    assert db.session.scalar(select(EnrolmentTransfer.canvas_state)) == "creation_pending"


def test_a_course_past_its_end_date_refuses_the_student_with_a_clear_message(
        client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    requests.patch(f"{sim.url}/sim/api/courses/55", timeout=10, json={"end_at": "2020-01-01T00:00:00Z"})

    _run_page(client, demo, ["C0025"])

    item = _items()["C0025"]
    assert not item.ok and "The Canvas course or section has ended" in item.message
    assert db.session.scalar(select(EnrolmentTransfer)) is None


# 8. Smaller points ---------------------------------------------------------------------------------

def test_an_email_too_long_for_a_canvas_login_is_refused_with_the_reason(client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    oliver = _by_code(demo, "C0030")
    oliver.client.email = "o" * 95 + "@x.edu.au"
    db.session.commit()

    preview = client.post("/occurrences/121/canvas/transfer/preview", data={"enrolment_id": [oliver.id]})

    body = preview.get_data(as_text=True)
    assert "Cannot transfer" in body and "at most 100 printable characters" in body
    assert not any(login.unique_id.startswith("ooo") for login in sim.state.logins.values())



# 1. Scopes ---------------------------------------------------------------------------------------

def test_a_key_that_refuses_our_scopes_is_explained_on_the_way_back(client, login, sim, monkeypatch):
    login()
    sim.configure(enforce_scopes=True)
    # As if the key's administrator had not allowed one of the scopes we ask for.
    monkeypatch.setattr("webapp.services.integrations.oauth.SCOPES", ("url:GET|/api/v1/not_allowed_here",))
    step1 = client.post("/manage/lms-integrations/new").headers["Location"]
    client.post(step1, data={"name": "Scoped", "product": "canvas", "transfer_units": "y", "nav": "next"})
    client_id, secret = sim.developer_key
    to_canvas = client.post(step1.rsplit("/", 1)[0] + "/2", data={
        "base_url": sim.url, "account_id": "self", "client_id": client_id, "client_secret": secret,
        "enrol_mode": "active", "time_zone": "Australia/Sydney", **KEEPING_IN_STEP,
        "nav": "authorise"}).headers["Location"]
    assert "scope=url%3AGET%7C%2Fapi%2Fv1%2Fnot_allowed_here" in to_canvas

    back = requests.get(to_canvas, allow_redirects=False, timeout=10).headers["Location"]
    assert "error=invalid_scope" in back
    page = client.get(back.replace("http://localhost", ""), follow_redirects=True).get_data(as_text=True)

    assert "Canvas refused the scopes canvaslink asks for: the developer key enforces scopes" in page
    assert "Nothing was changed." in page


def test_a_token_without_one_of_our_scopes_is_told_which_to_add(client, login, sim):
    from webapp.services.canvas import SCOPES

    login()
    sim.configure(enforce_scopes=True)
    permissions = "url:GET|/api/v1/accounts/:account_id/permissions"
    with sim.state.lock:
        key = next(iter(sim.state.developer_keys.values()))
        token = sim.state.add_token(sim.state.users[1], developer_key=key, ttl=0,
                                    scopes=tuple(s for s in SCOPES if s != permissions)).token

    page = _test_connection(client, sim, token)

    assert "Admin of the root account: pass." in page
    assert f"the access token lacks the scope {permissions}" in page
    assert "Add the scope named above to the developer key, then authorise again." in page


# 6. Finished students ---------------------------------------------------------------------------

def test_a_student_concluded_in_canvas_is_named_in_the_download_not_failed(client, login, transferred_121, sim):
    from tests.services.result_transfer.test_result_transfer import _download

    login()
    ella = next(e for e in sim.state.enrollments.values() if e.section_id == 87 and e.user_id == 1001)
    _canvas_api(sim, "DELETE", f"/api/v1/courses/55/enrollments/{ella.id}", params={"task": "conclude"})

    page = client.get(_download(client)).get_data(as_text=True)

    assert "Concluded in Canvas on " in page and "progress no longer readable" in page
    assert "Download failed" not in page
    item = _items()["C0025"]
    assert item.ok and item.outcome == "ended"
    assert sum(i.ok for i in _items().values()) == 16  # the other 15 were read as usual


# 7. What a student sees --------------------------------------------------------------------------

def test_a_module_assigned_to_other_students_keeps_the_unit_in_progress_with_the_reason(
        client, login, transferred_121, sim):
    from datetime import datetime, timezone

    from tests.canvas_fixtures import canvas_user_of
    from tests.services.result_transfer.test_result_transfer import _download

    login()
    hunter = canvas_user_of("C0028")
    with sim.state.lock:  # Assessment 1 (which completes BSBWHS411) is differentiated to Ella only
        sim.state.modules[904].assigned_to = [canvas_user_of("C0025")]
    sim.set_module_state(hunter, 902, "completed", datetime(2026, 10, 20, 3, 0, tzinfo=timezone.utc))

    page = client.get(_download(client) + "?start_rule=enrolment").get_data(as_text=True)

    assert "1 mapped module is not in this student's view in Canvas (unpublished, or assigned to other students)" \
        in page
    row = page[page.index("Hunter Young"):]
    assert "Continuing enrolment" in row[:row.index("</tbody>")]
