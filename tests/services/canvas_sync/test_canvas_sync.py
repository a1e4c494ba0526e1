"""Enrolments stay in step with Canvas (issue 13): against the Canvas simulator over HTTP, with the
jobs a change queues run by a real RQ worker on a real Redis."""

from datetime import timedelta

import requests
from sqlalchemy import select

from tests.helpers import run_queued_jobs, sign_in
from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.jobs import nightly_sync
from webapp.models import (
    AuditEntry, Client, Enrolment, EnrolmentStatus, EnrolmentTransfer, JobRun, JobRunItem, ModuleStateDownload,
)
from webapp.rto_time import format_rto_time
from webapp.services.clock import utcnow
from webapp.services.canvas_sync.standing import canvas_standing, held_changes, unaccepted_invitations
from webapp.services.sms.enrolments import delete_enrolment, enrol, update_enrolment


def _enrolment(code, occurrence_id=121) -> Enrolment:
    return db.session.scalar(select(Enrolment).join(Client).where(Client.code == code,
                                                                  Enrolment.occurrence_id == occurrence_id))


def _status(name) -> EnrolmentStatus:
    return db.session.scalar(select(EnrolmentStatus).where(EnrolmentStatus.name == name))


def _set_status(code, name, actor_id=None):
    enrolment = _enrolment(code)
    update_enrolment(enrolment, start_date=enrolment.start_date, end_date=enrolment.end_date, status=_status(name),
                     actor_id=actor_id)


def _canvas_state(sim, code) -> str:
    user_id = canvas_user_of(code)
    with sim.state.lock:
        return next(e.workflow_state for e in sim.state.enrollments.values()
                    if e.user_id == user_id and e.section_id == 87)


def _sync_items() -> list[JobRunItem]:
    return db.session.scalars(select(JobRunItem).join(JobRun).where(JobRun.kind.like("canvas_sync%"))).all()


def _writes(sim) -> dict:
    return {call: n for call, n in sim.counters()["requests"].items() if not call.startswith("GET ")}


def test_withdrawing_stages_progress_then_concludes_and_enrolling_again_reopens(
        app, redis_url, transferred_121, sim, make_user):
    staff = make_user("registrar")
    sim.set_module_state(canvas_user_of("C0030"), 902, "started")
    _set_status("C0030", "Withdrawn", staff.id)
    db.session.commit()
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "canvas_sync"))
    assert run.status == "queued" and "Registrar changed the status of" in run.params["trigger"]

    run_queued_jobs(app, redis_url)

    assert _canvas_state(sim, "C0030") == "completed"
    others = {code: _canvas_state(sim, code) for code in (f"C00{n}" for n in range(25, 41)) if code != "C0030"}
    assert set(others.values()) == {"active"}
    staged = db.session.scalar(select(ModuleStateDownload).where(
        ModuleStateDownload.enrolment_id == _enrolment("C0030").id))
    assert staged.error is None and {"id": 902, "state": "started"}.items() <= {
        k: v for m in staged.states if m["id"] == 902 for k, v in m.items()}.items()
    transfer = _enrolment("C0030").transfer
    assert (transfer.canvas_state, transfer.canvas_state_by, transfer.access) == ("completed", "sync", "ended")
    assert canvas_standing(transfer).state.startswith("Concluded in Canvas ") and \
        canvas_standing(transfer).state.endswith(" by sync")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "canvas_conclude"))
    assert entry.user_id == staff.id and entry.entity == "occurrence" and entry.entity_id == 121
    enrollment_id = transfer.canvas_enrollment_id
    assert entry.changes["call"] == f"DELETE /api/v1/courses/55/enrollments/{enrollment_id}?task=conclude"
    assert entry.changes["outcome"] == "completed" and "from Enrolled to Withdrawn" in entry.changes["trigger"]

    _set_status("C0030", "Enrolled", staff.id)
    db.session.commit()
    run_queued_jobs(app, redis_url)

    assert _canvas_state(sim, "C0030") == "active"
    transfer = _enrolment("C0030").transfer
    assert (transfer.canvas_state, transfer.access) == ("active", "live")
    with sim.state.lock:  # Canvas re-opened the same enrolment (§11.5): none was added
        assert len([e for e in sim.state.enrollments.values() if e.section_id == 87]) == 16


def test_deactivating_instead_and_reactivating(app, redis_url, transferred_121, sim, integration):
    integration.leave_action = "deactivate"
    _set_status("C0031", "Cancelled")
    db.session.commit()
    run_queued_jobs(app, redis_url)
    assert _canvas_state(sim, "C0031") == "inactive"

    _set_status("C0031", "Enrolled")
    db.session.commit()
    run_queued_jobs(app, redis_url)
    assert _canvas_state(sim, "C0031") == "active"
    assert sim.counters()["requests"]["PUT /api/v1/courses/:course_id/enrollments/:id/reactivate"] == 1


def test_removing_a_student_from_the_occurrence_ends_their_access(app, redis_url, transferred_121, sim):
    delete_enrolment(_enrolment("C0032"))
    db.session.commit()
    assert db.session.scalar(select(EnrolmentTransfer).where(EnrolmentTransfer.enrolment_id.is_(None))) is not None
    run_queued_jobs(app, redis_url)
    assert _canvas_state(sim, "C0032") == "completed"
    # Their access has ended: nothing is left to do for them, and the history says what was done.
    assert db.session.scalar(select(EnrolmentTransfer).where(EnrolmentTransfer.enrolment_id.is_(None))) is None
    assert "removed" in db.session.scalar(select(AuditEntry.changes).where(
        AuditEntry.action == "canvas_conclude"))["trigger"]


def test_completed_is_left_alone_unless_the_integration_concludes_on_completion(
        app, redis_url, transferred_121, sim, integration):
    _set_status("C0033", "Completed")
    db.session.commit()
    run_queued_jobs(app, redis_url)
    assert _canvas_state(sim, "C0033") == "active"

    integration.conclude_on_completed = True
    integration.leave_action = "delete"  # completing still concludes: the work stays in Canvas
    _set_status("C0034", "Completed")
    db.session.commit()
    run_queued_jobs(app, redis_url)
    assert _canvas_state(sim, "C0034") == "completed"


def test_a_new_enrolment_reaches_canvas_by_itself(client, login, app, redis_url, transferred_121, sim,
                                                  integration, make_client):
    login()
    integration.auto_transfer = True
    newcomer = make_client(code="C0099", first_name="Nell", last_name="Newcomer", email="nell@student.example.edu.au")
    response = client.post("/occurrences/121/enrol", data={"client_code": "C0099", "status_id": _status("Enrolled").id})
    assert response.status_code == 302
    assert db.session.scalar(select(JobRun).where(JobRun.kind == "canvas_sync")).status == "queued"

    run_queued_jobs(app, redis_url)

    transfer = _enrolment("C0099").transfer
    assert transfer is not None and transfer.canvas_state == "active"
    assert db.session.get(Client, newcomer.id).canvas_user_id == transfer.canvas_user_id
    with sim.state.lock:
        login_of = {x.unique_id: x.sis_user_id for x in sim.state.logins.values()}
    assert login_of["nell@student.example.edu.au"] == "C0099"
    assert _canvas_state(sim, "C0099") == "active"


def test_no_automatic_transfer_unless_the_integration_says_so(app, redis_url, transferred_121, sim, make_client):
    enrol(db.session.get(Enrolment, _enrolment("C0025").id).occurrence, make_client(code="C0098"), start_date=None,
          end_date=None, status=_status("Enrolled"))
    db.session.commit()
    assert db.session.scalar(select(JobRun).where(JobRun.kind == "canvas_sync")) is None


def test_refresh_shows_invited_then_active_once_the_student_accepts(
        client, login, app, transferred_121, sim, integration):
    login()
    with sim.state.lock:  # as if the students had been invited, not enrolled at once
        for enrollment in sim.state.enrollments.values():
            enrollment.workflow_state = "invited"
    sim.simulation.counters.reset()
    client.post("/occurrences/121/canvas/enrolments/refresh")
    page = client.get("/occurrences/121").get_data(as_text=True)
    assert page.count("Invited in Canvas") == 16

    student = canvas_user_of("C0027")
    token = requests.post(f"{sim.url}/sim/api/tokens", json={"user_id": student}, timeout=10).json()["access_token"]
    enrollment_id = _enrolment("C0027").transfer.canvas_enrollment_id
    accepted = requests.post(f"{sim.url}/api/v1/courses/55/enrollments/{enrollment_id}/accept", timeout=10,
                             headers={"Authorization": f"Bearer {token}"})
    assert accepted.json() == {"success": True}

    client.post("/occurrences/121/canvas/enrolments/refresh")
    page = client.get("/occurrences/121").get_data(as_text=True)
    assert page.count("Invited in Canvas") == 15 and page.count("Active in Canvas") == 1
    assert "by someone in Canvas" in page
    assert _writes(sim) == {"POST /api/v1/courses/:course_id/enrollments/:id/accept": 1}

    # Invitations left unaccepted past the integration's days are listed for a person.
    assert unaccepted_invitations(121) == []
    for transfer in db.session.scalars(select(EnrolmentTransfer).where(EnrolmentTransfer.canvas_state == "invited")):
        transfer.canvas_state_at = utcnow() - timedelta(days=integration.invitation_days + 1)
    db.session.commit()
    assert len(unaccepted_invitations(121)) == 15
    page = client.get("/occurrences/121/canvas/enrolments").get_data(as_text=True)
    assert "Invitations not accepted" in page and "8 days ago" in page


def test_a_teacher_concluding_an_active_student_in_canvas_is_not_undone(
        client, login, app, redis_url, transferred_121, sim):
    login()
    requests.patch(f"{sim.url}/sim/api/enrollments/{_enrolment('C0035').transfer.canvas_enrollment_id}",
                   json={"state": "completed"}, timeout=10).raise_for_status()
    client.post("/occurrences/121/canvas/enrolments/refresh")
    client.post("/occurrences/121/canvas/enrolments/apply")
    assert _canvas_state(sim, "C0035") == "completed"
    assert _enrolment("C0035").transfer.canvas_state_by == "canvas"
    assert "by someone in Canvas" in client.get(f"/enrolments/{_enrolment('C0035').id}").get_data(as_text=True)


def test_the_dry_run_lists_exact_changes_and_makes_none(client, login, transferred_121, sim, integration):
    login()
    integration.leave_action = "delete"
    for code in ("C0036", "C0037"):
        _enrolment(code).status = _status("Withdrawn")  # changed without an announcement: the dry run finds it
    db.session.commit()
    sim.simulation.counters.reset()

    client.post("/occurrences/121/canvas/enrolments/refresh")

    assert _writes(sim) == {}
    items = {i.label.split(" (")[0]: i for i in _sync_items()}
    ids = {code: _enrolment(code).transfer.canvas_enrollment_id for code in ("C0036", "C0037")}
    names = {code: _enrolment(code).client.full_name for code in ids}
    for code, enrollment_id in ids.items():
        assert items[names[code]].outcome == "preview"
        assert f"DELETE /api/v1/courses/55/enrollments/{enrollment_id}?task=delete" in items[names[code]].message
    assert len(items) == 2
    page = client.get("/occurrences/121/canvas/enrolments").get_data(as_text=True)
    assert "Dry run: 2 changes listed, none made in Canvas." in page
    assert {_canvas_state(sim, code) for code in ids} == {"active"}


def test_the_guard_holds_a_12_student_withdrawal_until_the_count_is_typed(
        client, login, app, redis_url, transferred_121, sim):
    admin = login()
    codes = [f"C00{n}" for n in range(25, 37)]
    for code in codes:
        _set_status(code, "Withdrawn", admin.id)
    db.session.commit()  # one commit: one run sees all twelve
    assert db.session.scalar(select(db.func.count()).select_from(JobRun).where(JobRun.kind == "canvas_sync")) == 1

    run_queued_jobs(app, redis_url)

    assert {_canvas_state(sim, code) for code in codes} == {"active"}
    assert len(held_changes(121)) == 12 and len(held_changes()) == 12
    page = client.get("/occurrences/121/canvas/enrolments").get_data(as_text=True)
    assert "Held by the mass-change guard" in page and "Type 12 to end their access" in page
    assert "Held by the guard" in client.get("/occurrences/121").get_data(as_text=True)
    listed = client.get("/canvas-exceptions.csv?kind=held").get_data(as_text=True)
    assert all(code in listed for code in codes) and listed.count("\r\nHeld by the mass-change guard,121,") == 12

    client.post("/occurrences/121/canvas/enrolments/apply", data={"confirm": "12"})
    run_queued_jobs(app, redis_url)
    assert {_canvas_state(sim, code) for code in codes} == {"completed"}
    assert held_changes() == []
    assert "Held by the mass-change guard" not in client.get("/canvas-exceptions.csv?kind=held").get_data(as_text=True)
    assert {_canvas_state(sim, code) for code in ("C0037", "C0038", "C0039", "C0040")} == {"active"}


def _withdraw_in_the_form(client, code):
    """As staff withdraw one student: the enrolment's Edit, status Withdrawn, Save."""
    enrolment = _enrolment(code)
    response = client.post(f"/enrolments/{enrolment.id}/edit", data={
        "start_date": f"{enrolment.start_date:%d/%m/%Y}", "end_date": f"{enrolment.end_date:%d/%m/%Y}",
        "status_id": _status("Withdrawn").id})
    assert response.status_code == 302


def test_withdrawals_a_few_at_a_time_meet_the_guard_as_the_day_adds_up(
        client, login, make_user, app, redis_url, transferred_121, sim, integration):
    """Issue 22 M3: a trainer withdrew 25 of 67 students in runs each under the limit, and all were concluded.
    The guard counts the integration's endings over the last 24 hours, so the limit is students a day."""
    integration.guard_percent = 100  # only the number of students counts here, not the share of the section
    db.session.commit()
    login("Trainer")  # may withdraw students, may not confirm the guard
    groups = [[f"C00{n}" for n in range(first, first + 3)] for first in (25, 28, 31, 34)]
    for group in groups[:3]:
        for code in group:
            _withdraw_in_the_form(client, code)
        run_queued_jobs(app, redis_url)
    assert {_canvas_state(sim, code) for group in groups[:3] for code in group} == {"completed"}  # 9 today

    for code in groups[3]:
        _withdraw_in_the_form(client, code)
    run_queued_jobs(app, redis_url)

    assert {_canvas_state(sim, code) for code in groups[3]} == {"active"}  # 9 + 3 is more than 10 a day
    assert len(held_changes(121)) == 3
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "canvas_sync").order_by(JobRun.id.desc()))
    assert "which makes 12 for this LMS integration in the last 24 hours" in run.message
    page = " ".join(client.get("/occurrences/121/canvas/enrolments").get_data(as_text=True).split())
    assert "Held by the mass-change guard" in page and "Type 3 to end their access" not in page
    assert "end the Canvas access of up to 10 students a day through Demo Canvas" in page
    assert "ended the access of 9 students through Demo Canvas without a person's confirmation" in page
    assert client.post("/occurrences/121/canvas/enrolments/apply", data={"confirm": "3"}).status_code == 403

    login()  # an administrator confirms the three
    assert "Type 3 to end their access" in client.get("/occurrences/121/canvas/enrolments").get_data(as_text=True)
    client.post("/occurrences/121/canvas/enrolments/apply", data={"confirm": "3"})
    run_queued_jobs(app, redis_url)
    assert {_canvas_state(sim, code) for code in groups[3]} == {"completed"} and held_changes() == []

    sign_in(client, "trainer-user")  # endings a person confirmed are not counted again: 9 + 1 passes
    _withdraw_in_the_form(client, "C0037")
    run_queued_jobs(app, redis_url)
    assert _canvas_state(sim, "C0037") == "completed"


def _withdraw_twelve_unannounced():
    for code in [f"C00{n}" for n in range(25, 37)]:
        _enrolment(code).status = _status("Withdrawn")
    db.session.commit()


def test_a_wrong_guard_number_says_so_keeps_them_held_and_starts_nothing(client, login, transferred_121, sim):
    """Issue 21 §3: a wrong number gave no message and started another held run."""
    _withdraw_twelve_unannounced()
    nightly_sync()
    login()
    runs = db.session.scalar(select(db.func.count()).select_from(JobRun))
    sim.simulation.counters.reset()

    for typed, said in (("11", "11 is not 12"), ("twelve", "twelve is not 12"), ("", "Nothing was typed")):
        response = client.post("/occurrences/121/canvas/enrolments/apply", data={"confirm": typed})
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert (f'<p id="confirm-error" class="error">Type 12, the number of students whose Canvas access ends, '
                f"to confirm. {said}: nothing was started, and they stay held.</p>") in page
        assert f'value="{typed}"' in page and 'aria-invalid="true"' in page

    assert db.session.scalar(select(db.func.count()).select_from(JobRun)) == runs
    assert len(held_changes(121)) == 12 and _writes(sim) == {}


def test_a_hold_shows_since_when_it_was_held(client, login, transferred_121, sim):
    """Issue 21 §3: Canvas exceptions showed a held student "Since" their transfer, not since the hold."""
    transferred = utcnow() - timedelta(days=3)
    for transfer in db.session.scalars(select(EnrolmentTransfer)):
        transfer.transferred_at = transfer.canvas_state_at = transferred
    _withdraw_twelve_unannounced()

    before = utcnow()
    nightly_sync()
    held = held_changes(121)
    assert len(held) == 12 and all(before <= t.held_at <= utcnow() for t in held)
    # As if that was early this morning: held again by the next run, they are still held since then.
    first = utcnow() - timedelta(hours=5)
    for transfer in held:
        transfer.held_at = first
    db.session.commit()
    nightly_sync()

    login()
    page = client.get("/canvas-exceptions?kind=held").get_data(as_text=True)
    assert page.count(f'<td class="nowrap">{format_rto_time(first)}</td>') == 12
    assert format_rto_time(transferred) not in page


def test_the_nightly_run_never_passes_the_guard_and_lists_what_it_held(transferred_121, sim):
    for code in [f"C00{n}" for n in range(25, 37)]:
        _enrolment(code).status = _status("Withdrawn")
    db.session.commit()
    sim.simulation.counters.reset()
    nightly_sync()
    nightly_sync()  # not even the second night
    assert len(held_changes()) == 12
    assert {i.outcome for i in _sync_items()} == {"held"}
    assert _writes(sim) == {}


def test_a_canvas_outage_during_a_withdrawal_loses_nothing(client, login, app, redis_url, transferred_121, sim):
    admin = login()
    sim.configure(fault_rate=1.0, fault_kinds="503")
    _set_status("C0038", "Withdrawn", admin.id)
    db.session.commit()
    run_queued_jobs(app, redis_url)

    assert sum(sim.counters()["faults"].values()) >= 5  # the call was tried again before it was listed
    failed = next(i for i in _sync_items() if not i.ok)
    assert failed is not None and "503" in failed.message and "tries again" in failed.message
    transfer = _enrolment("C0038").transfer
    assert transfer.access == "live" and transfer.sync_error
    assert _enrolment("C0038").status.name == "Withdrawn"  # the change in canvaslink stands
    page = client.get(f"/enrolments/{_enrolment('C0038').id}").get_data(as_text=True)
    assert "Waiting to conclude in Canvas" in page and "Last try failed" in page

    sim.configure(fault_rate=0)
    assert _canvas_state(sim, "C0038") == "active"
    nightly_sync()  # a later run completes it
    assert _canvas_state(sim, "C0038") == "completed"
    transfer = _enrolment("C0038").transfer
    assert transfer.access == "ended" and transfer.sync_error is None


def test_transfer_enrolments_across_every_occurrence(client, login, app, redis_url, transferred_121, sim,
                                                     make_client):
    login()
    _enrolment("C0039").status = _status("Withdrawn")
    enrol(_enrolment("C0025").occurrence, make_client(code="C0097", email="c0097@student.example.edu.au"),
          start_date=None, end_date=None, status=_status("Enrolled"))
    db.session.commit()
    assert "Transfer enrolments to Canvas LMS" in client.get("/").get_data(as_text=True)
    client.post("/utilities/canvas-enrolments/start", data={"dry_run": "1"})
    run_queued_jobs(app, redis_url)
    preview = client.get("/utilities/canvas-enrolments/").get_data(as_text=True)
    assert "Dry run: 2 changes listed, none made in Canvas." in preview and "Create a Canvas user" in preview

    client.post("/utilities/canvas-enrolments/start")
    page = client.get("/utilities/canvas-enrolments/").get_data(as_text=True)
    assert "waiting for a worker" in page
    run_queued_jobs(app, redis_url)
    page = client.get("/utilities/canvas-enrolments/").get_data(as_text=True)
    assert "2 of 2" in page and "Concluded in Canvas (Withdrawn; module progress staged first" in page
    assert _canvas_state(sim, "C0039") == "completed" and _canvas_state(sim, "C0097") == "active"


def test_a_sync_whose_worker_died_does_not_block_the_next(client, login, transferred_121, sim):
    login()
    dead = JobRun(kind="canvas_sync", occurrence_id=121, status="running", params={}, created_at=utcnow(),
                  started_at=utcnow() - timedelta(minutes=10), heartbeat_at=utcnow() - timedelta(minutes=10))
    db.session.add(dead)
    db.session.commit()
    client.post("/occurrences/121/canvas/enrolments/refresh")
    assert db.session.get(JobRun, dead.id).status == "failed"
    newest = db.session.scalar(select(JobRun).where(JobRun.kind == "canvas_sync").order_by(JobRun.id.desc()))
    assert newest.id != dead.id and newest.status == "finished"


def test_a_held_student_set_back_to_enrolled_is_no_longer_held(transferred_121, sim):
    for code in [f"C00{n}" for n in range(25, 37)]:
        _enrolment(code).status = _status("Withdrawn")
    db.session.commit()
    nightly_sync()
    assert len(held_changes(121)) == 12
    _set_status("C0025", "Enrolled")
    db.session.commit()
    assert len(held_changes(121)) == 11
    assert db.session.scalar(select(JobRun).where(JobRun.kind == "canvas_sync")) is None  # nothing to do in Canvas


def test_the_occurrence_history_shows_transfers_conclusions_and_result_saves(
        client, login, app, redis_url, transferred_121, sim):
    from webapp.models import ResultType
    from webapp.services.sms.enrolments import enter_unit_result

    admin = login()
    _set_status("C0040", "Withdrawn", admin.id)
    db.session.commit()
    run_queued_jobs(app, redis_url)
    plan_unit = _enrolment("C0026").plan_units[0]
    enter_unit_result(plan_unit, admin.id, result_type=db.session.scalar(select(ResultType).where(
        ResultType.name == "Competent")), start=plan_unit.planned_start, end=plan_unit.planned_start)
    db.session.commit()

    page = client.get("/occurrences/121/history").get_data(as_text=True)
    assert "Transferred to Canvas section" in page and "Canvas call: POST /api/v1/sections/87/enrollments" in page
    assert "Concluded in Canvas (Withdrawn" in page
    assert "changed the status of Kai Rossi from Enrolled to Withdrawn" in page
    assert f"Result saved for Archie Clarke (C0026), {plan_unit.unit.code}: — → Competent" in page


def test_the_progress_staged_before_access_ended_can_be_reviewed(client, login, app, redis_url, transferred_121,
                                                                  sim):
    admin = login()
    sim.set_module_state(canvas_user_of("C0029"), 902, "started")
    _set_status("C0029", "Withdrawn", admin.id)
    db.session.commit()
    run_queued_jobs(app, redis_url)
    page = client.get("/occurrences/121/canvas/enrolments").get_data(as_text=True)
    staged = db.session.scalar(select(JobRun).where(JobRun.kind == "result_download"))
    link = f"/occurrences/121/canvas/results/runs/{staged.id}"
    assert "Module progress staged before access ended" in page and link in page
    review = client.get(link).get_data(as_text=True)
    assert _enrolment("C0029").client.full_name in review and "No longer active (Withdrawn)" in review
