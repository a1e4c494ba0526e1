"""Link occurrence 121 to its Canvas section, map modules, transfer enrolments (simulator over HTTP)."""

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import (
    AuditEntry, CanvasModule, Client, EnrolmentTransfer, JobRunItem, OccurrenceLink, Task, Unit,
)


def _link(client, occurrence_id, integration):
    return client.post(f"/occurrences/{occurrence_id}/canvas/link", data={"integration_id": integration.id})


def test_link_finds_the_section_by_the_occurrence_id(client, login, demo, integration):
    login()
    response = _link(client, 121, integration)
    assert response.status_code == 302 and response.headers["Location"].endswith("/occurrences/121/canvas/modules")
    link = db.session.scalar(select(OccurrenceLink))
    assert (link.canvas_course_id, link.canvas_section_id) == (55, 87)
    assert link.canvas_course_name == "WHS Cert IV - Online - 2026 Term 4"
    page = client.get("/occurrences/121").get_data(as_text=True)
    assert "Transfer enrolments to Canvas LMS…" in page and "Linked to Canvas course" in page


def test_no_section_with_that_sis_id_says_what_to_set(client, login, demo, integration):
    login()
    response = _link(client, 120, integration)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "has no course section with SIS ID 120" in body and "set the SIS ID to 120" in body
    assert db.session.scalar(select(OccurrenceLink)) is None


def test_update_module_list_matches_automatically_and_saves_one_change(client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    client.post("/occurrences/121/canvas/modules/update")
    modules = {m.canvas_module_id: m for m in db.session.scalars(select(CanvasModule))}
    assert len(modules) == 11  # two pages of Canvas's default 10: both were read
    unit = {u.code: u.id for u in db.session.scalars(select(Unit))}
    assert (modules[902].unit_id, modules[902].unit_auto) == (unit["BSBWHS411"], True)
    task = db.session.scalar(select(Task).where(Task.occurrence_id == 121, Task.name.like("Assessment 1%")))
    assert (modules[904].task_id, modules[904].task_auto) == (task.id, True)
    assert (modules[901].unit_id, modules[901].task_id) == (None, None)
    page = client.get("/occurrences/121/canvas/modules").get_data(as_text=True)
    assert page.count('title="Matched automatically"') >= 10

    form = {}
    for m in modules.values():
        form[f"unit-{m.id}"] = str(m.unit_id or "")
        form[f"task-{m.id}"] = str(m.task_id or "")
    form[f"unit-{modules[901].id}"] = str(unit["BSBWHS416"])  # a person's choice
    client.post("/occurrences/121/canvas/modules", data=form)
    db.session.expire_all()
    changed = db.session.get(CanvasModule, modules[901].id)
    assert (changed.unit_id, changed.unit_auto) == (unit["BSBWHS416"], False)
    assert db.session.get(CanvasModule, modules[902].id).unit_auto is True
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mapping")).changes == {
        "Welcome and orientation": ["unmapped", "BSBWHS416"]}


def test_modules_gone_from_canvas_are_marked_removed_not_deleted(client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    client.post("/occurrences/121/canvas/modules/update")
    with sim.state.lock:
        del sim.state.modules[911]
    client.post("/occurrences/121/canvas/modules/update")
    gone = db.session.scalar(select(CanvasModule).where(CanvasModule.canvas_module_id == 911))
    assert gone.removed_at is not None and gone.task_id is not None  # its mapping stays for the record
    assert "removed from Canvas" in client.get("/occurrences/121/canvas/modules").get_data(as_text=True)


def _mapping_form(modules):
    return {f"{level}-{m.id}": str(getattr(m, f"{level}_id") or "") for m in modules for level in ("unit", "task")}


def test_update_module_list_keeps_choices_not_saved_yet(client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    client.post("/occurrences/121/canvas/modules/update")
    page = client.get("/occurrences/121/canvas/modules").get_data(as_text=True)
    # The update button sends the mapping form, choices and all.
    assert 'form="mappings" formaction="/occurrences/121/canvas/modules/update"' in page
    modules = {m.canvas_module_id: m for m in db.session.scalars(select(CanvasModule))}
    form = _mapping_form(modules.values())
    form[f"unit-{modules[901].id}"] = str(db.session.scalar(select(Unit.id).where(Unit.code == "BSBWHS416")))
    response = client.post("/occurrences/121/canvas/modules/update", data=form, follow_redirects=True)
    assert "Saved your 1 mapping change first." in response.get_data(as_text=True)
    db.session.expire_all()
    welcome = db.session.get(CanvasModule, modules[901].id)
    assert (welcome.unit.code, welcome.unit_auto) == ("BSBWHS416", False)
    # The mappings nobody touched were not confirmed by pressing Update: still canvaslink's own matches.
    assert db.session.get(CanvasModule, modules[902].id).unit_auto is True


def test_a_renamed_module_is_named_and_mapping_health_says_its_mapping_was_kept(
        client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    client.post("/occurrences/121/canvas/modules/update")
    with sim.state.lock:
        sim.state.modules[902].name = "Week 2 - Policies"
    response = client.post("/occurrences/121/canvas/modules/update", follow_redirects=True)
    flashed = response.get_data(as_text=True)
    assert "0 new, 0 removed, 1 renamed (mapping kept)" in flashed
    assert "“BSBWHS411 Implement and monitor WHS policies, procedures and programs” is now “Week 2 - Policies”" in flashed
    health = client.get("/mapping-health?occurrence=121").get_data(as_text=True)
    assert "The mapping was kept: still mapped to BSBWHS411" in health and "choose by hand" not in health


def _transfer(client, occurrence, ids=None):
    ids = ids or [e.id for e in occurrence.enrolments]
    return client.post(f"/occurrences/{occurrence.id}/canvas/transfer/run", data={"enrolment_id": ids})


def _canvas_users_by_sis(sim):
    return {login.sis_user_id: login.user_id for login in sim.state.logins.values() if login.sis_user_id}


def test_preview_says_what_will_happen_to_each_student(client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    ids = [e.id for e in demo.enrolments]
    page = client.post("/occurrences/121/canvas/transfer/preview", data={"enrolment_id": ids}).get_data(as_text=True)
    assert page.count("Link the existing Canvas user (SIS ID = client code)") == 2  # C0025, C0027
    assert page.count("Link the existing Canvas user (same login and name)") == 1  # C0026
    assert page.count("Create a Canvas user") == 13


def test_transfer_reuses_existing_users_creates_the_rest_and_changes_nothing_the_second_time(
        client, login, demo, integration, sim, app, monkeypatch):
    login()
    _link(client, 121, integration)
    monkeypatch.setitem(app.config, "TRANSFER_INLINE_LIMIT", 100)
    response = _transfer(client, demo)
    assert response.status_code == 302
    run_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "16 of 16" in run_page and "finished" in run_page

    users_before = len(sim.state.users)
    sis = _canvas_users_by_sis(sim)
    codes = [e.client.code for e in demo.enrolments]
    assert sis["C0025"] == 1001 and sis["C0027"] == 1003  # reused, not duplicated
    assert all(code in sis for code in codes if code != "C0026")
    archie = db.session.scalar(select(Client).where(Client.code == "C0026"))
    assert archie.canvas_user_id == 1002  # same login and name: linked, not created again
    enrollments = [e for e in sim.state.enrollments.values() if e.section_id == 87]
    assert len(enrollments) == 16 and len({e.user_id for e in enrollments}) == 16
    assert {e.workflow_state for e in enrollments} == {"active"}
    assert all(e.limit_privileges_to_course_section for e in enrollments)
    transfers = db.session.scalars(select(EnrolmentTransfer)).all()
    assert len(transfers) == 16

    second = client.get(_transfer(client, demo).headers["Location"]).get_data(as_text=True)
    assert second.count("Already enrolled: nothing changed") == 16
    assert len(sim.state.users) == users_before
    assert len([e for e in sim.state.enrollments.values() if e.section_id == 87]) == 16


def test_a_student_without_email_is_refused_and_the_others_go_through(client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    enrolments = sorted(demo.enrolments, key=lambda e: e.client.code)[3:6]  # C0028.. (not in Canvas yet)
    enrolments[0].client.email = None
    db.session.commit()
    page = client.get(_transfer(client, demo, [e.id for e in enrolments]).headers["Location"]).get_data(as_text=True)
    assert "No email address: Canvas uses it as the student&#39;s login" in page
    assert "3 of 3" in page and "1 failed" in page
    assert db.session.scalar(select(db.func.count()).select_from(EnrolmentTransfer)) == 2


def test_a_login_taken_by_a_different_person_is_explained(client, login, demo, integration, sim):
    login()
    _link(client, 121, integration)
    target = sorted(demo.enrolments, key=lambda e: e.client.code)[5]  # C0030
    with sim.state.lock:
        stranger = sim.state.add_user("Somebody Else", email=target.client.email)
        sim.state.add_login(stranger, target.client.email, sis_user_id="X999")
    page = client.get(_transfer(client, demo, [target.id]).headers["Location"]).get_data(as_text=True)
    assert f"The Canvas login {target.client.email} already belongs to “Somebody Else”" in page
    assert "SIS ID X999" in page
    assert db.session.scalar(select(EnrolmentTransfer)) is None


def test_canvas_500s_mid_transfer_are_retried_and_nothing_is_lost_or_duplicated(
        client, login, demo, integration, sim, app, monkeypatch):
    login()
    _link(client, 121, integration)
    monkeypatch.setitem(app.config, "TRANSFER_INLINE_LIMIT", 100)
    sim.configure(fault_rate=0.1, fault_kinds="500,502,503", random_seed=7)
    page = client.get(_transfer(client, demo).headers["Location"]).get_data(as_text=True)
    sim.configure(fault_rate=0)
    failed = [(i.label, i.message) for i in db.session.scalars(select(JobRunItem)) if not i.ok]
    assert failed == [] and "16 of 16" in page
    assert sum(sim.counters()["faults"].values()) > 0
    sis = _canvas_users_by_sis(sim)
    # 16 clients, 16 SIS IDs: C0026, reused by login, was given its client code, not duplicated.
    assert len([c for c in sis if c.startswith("C00")]) == 16 and sis["C0026"] == 1002
    enrollments = [e for e in sim.state.enrollments.values() if e.section_id == 87]
    assert len(enrollments) == 16 and len({e.user_id for e in enrollments}) == 16


def test_larger_transfers_run_as_a_background_job(client, login, demo, integration, sim, redis_url, app):
    from tests.helpers import run_queued_jobs

    login()
    _link(client, 121, integration)
    run_url = _transfer(client, demo).headers["Location"]
    assert "waiting for a worker" in client.get(run_url).get_data(as_text=True)
    run_queued_jobs(app, redis_url)  # a worker has an app context of its own, as worker.py gives it
    progress = client.get(run_url, headers={"HX-Request": "true"})
    assert progress.status_code == 286  # htmx stops polling: the run has ended
    assert "16 of 16" in progress.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(EnrolmentTransfer)) == 16


def test_unlink_keeps_history_and_an_integration_in_use_cannot_be_deleted(client, login, demo, integration):
    login()
    _link(client, 121, integration)
    refused = client.post(f"/manage/lms-integrations/{integration.id}/delete", follow_redirects=True)
    assert "cannot be deleted while occurrence(s) 121 are linked through it" in refused.get_data(as_text=True)
    assert "Delete the link" in client.get("/occurrences/121/canvas/unlink").get_data(as_text=True)
    client.post("/occurrences/121/canvas/unlink")
    link = db.session.scalar(select(OccurrenceLink))
    assert link.unlinked_at is not None
    assert "Link occurrence to Canvas LMS…" in client.get("/occurrences/121").get_data(as_text=True)


def test_read_only_sees_no_canvas_actions(client, login, demo, integration):
    login()
    _link(client, 121, integration)
    client.post("/logout")
    login("Read only")
    page = client.get("/occurrences/121").get_data(as_text=True)
    assert "Link occurrence to Canvas LMS…" not in page
    modules = client.get("/occurrences/121/canvas/modules").get_data(as_text=True)
    assert "Update Canvas module list" not in modules and "Save mappings" not in modules
    assert "Next ›" not in client.get("/occurrences/121/canvas/transfer").get_data(as_text=True)
    for path in ("/occurrences/121/canvas/link", "/occurrences/121/canvas/modules/update",
                 "/occurrences/121/canvas/transfer/run", "/occurrences/121/canvas/unlink"):
        assert client.post(path).status_code == 403


def test_the_link_page_shows_the_current_link_its_mappings_and_the_canvas_history(client, login, demo, integration):
    login()
    _link(client, 121, integration)
    client.post("/occurrences/121/canvas/modules/update")
    page = client.get("/occurrences/121/canvas/link").get_data(as_text=True)
    assert "Currently linked through <strong>Demo Canvas</strong>" in page
    assert "11 Canvas modules, 10 mapped to units or tasks" in page
    assert "Linked to Canvas course “WHS Cert IV - Online - 2026 Term 4”" in page  # the history
    assert "Updated the Canvas module list: 11 modules, 11 new, 0 removed" in page


def test_canvas_pages_of_an_unlinked_occurrence_lead_back_to_linking(client, login, demo):
    login()
    response = client.get("/occurrences/121/canvas/modules")
    assert response.status_code == 302 and response.headers["Location"].endswith("/occurrences/121#enrolments")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "not linked to Canvas yet" in page
