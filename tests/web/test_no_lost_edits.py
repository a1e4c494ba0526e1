"""Issue 21 §2, no lost edits: every edit carries the version of the record it was opened at. A save
over a newer version is refused (409), says who changed the record, when and what, keeps what was
typed, and saves nothing. Jobs carry no version and are never refused; a form opened before a job
changed the row is refused like any other.

Each test opens the record "in two tabs" (two signed-in test clients, or one client twice) the way a
browser does, and fails on the old code, where the second save silently undid the first."""

import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.canvas_fixtures import canvas_user_of, link_and_transfer
from tests.helpers import sign_in
from webapp.extensions import db
from webapp.models import (
    AuditEntry,
    CanvasModule,
    Client,
    Enrolment,
    EnrolmentStatus,
    EnrolmentTask,
    IntegrationDraft,
    LmsIntegration,
    Occurrence,
    ResultType,
    Role,
    TaskStatus,
    TrainingPlanUnit,
    Unit,
)
from webapp.rto_time import format_rto_time
from webapp.services.integrations.secrets import encrypt
from webapp.services.integrations.wizard import STEP_FIELDS, defaults
from webapp.services.permissions import grants

HTMX = {"HX-Request": "true"}


def version_in(html: str, name: str = "version") -> int:
    """The version a page carries in its hidden field `name`, as the browser would post it."""
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html).group(0)
    return int(re.search(r'value="(\d+)"', tag).group(1))


def said_when(entry: AuditEntry) -> str:
    day, time = format_rto_time(entry.at).split(" ")
    return f"{day} at {time} Australia/Sydney time"


def last_edit(entity: str, entity_id: int) -> AuditEntry:
    return db.session.scalar(select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
                             .order_by(AuditEntry.id.desc()).limit(1))


class Tab:
    """A browser tab whose every request is served afresh, in an app context of its own, as a server
    serves it (the test's own context would share its database session with every request)."""

    def __init__(self, app, browser):
        self.app, self.browser = app, browser

    def get(self, *args, **kwargs):
        with self.app.app_context():
            return self.browser.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        with self.app.app_context():
            return self.browser.post(*args, **kwargs)


@pytest.fixture
def my_tab(app, client):
    return Tab(app, client)


@pytest.fixture
def second_tab(app, make_user):
    """Another member of staff, signed in in their own browser."""
    def open_as(username: str = "bea"):
        user = make_user(username)
        tab = Tab(app, app.test_client())
        with app.app_context():
            assert sign_in(tab.browser, username).status_code == 302
        return user, tab
    return open_as


def _client_form(record: Client, **typed) -> dict:
    return {"code": record.code, "first_name": record.first_name, "last_name": record.last_name,
            "email": record.email or "", **typed}


# Clients (the generic CRUD: units, result types and task statuses go the same way) ----------------

def test_two_tabs_on_a_client_the_second_save_is_refused_saying_who_when_and_what(
        my_tab, login, make_client, second_tab):
    login()
    bea, bea_tab = second_tab()
    record = make_client(first_name="Ann", email="ann@old.edu.au")
    mine = version_in(my_tab.get(f"/clients/{record.id}/edit").get_data(as_text=True))
    hers = version_in(bea_tab.get(f"/clients/{record.id}/edit").get_data(as_text=True))

    assert bea_tab.post(f"/clients/{record.id}/edit", data=_client_form(
        record, email="ann@new.edu.au", version=hers)).status_code == 302
    refused = my_tab.post(f"/clients/{record.id}/edit", data=_client_form(record, first_name="Anna", version=mine))

    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    entry = last_edit("client", record.id)
    assert (f"This client was changed after you opened it, by {bea.display_name} on {said_when(entry)} "
            "(Email: ann@old.edu.au → ann@new.edu.au). Nothing was saved") in html
    assert 'value="Anna"' in html  # what was typed stays
    db.session.expire_all()
    saved = db.session.get(Client, record.id)
    assert (saved.first_name, saved.email) == ("Ann", "ann@new.edu.au")
    assert db.session.scalar(select(func.count()).where(AuditEntry.entity == "client",
                                                        AuditEntry.action == "edit")) == 1

    # The refused form now carries the version it was refused over: saving it again is a choice made
    # knowing the change (here, keeping her e-mail as well as the new first name).
    assert version_in(html) == saved.version
    again = my_tab.post(f"/clients/{record.id}/edit", data=_client_form(
        saved, first_name="Anna", version=version_in(html)))
    assert again.status_code == 302
    db.session.expire_all()
    assert (db.session.get(Client, record.id).first_name, db.session.get(Client, record.id).email) == (
        "Anna", "ann@new.edu.au")


def test_a_unit_edit_over_a_newer_version_is_refused(my_tab, login, second_tab):
    login()
    _, bea_tab = second_tab()
    unit = Unit(code="BSBWHS411", name="Implement WHS")
    db.session.add(unit)
    db.session.commit()
    opened = version_in(my_tab.get(f"/units/{unit.id}/edit").get_data(as_text=True))
    bea_tab.post(f"/units/{unit.id}/edit", data={"code": "BSBWHS411", "name": "Implement and monitor WHS",
                                                 "version": opened})
    refused = my_tab.post(f"/units/{unit.id}/edit", data={"code": "BSBWHS411", "name": "Implement WHS policies",
                                                          "version": opened})
    assert refused.status_code == 409
    assert "(Name: Implement WHS → Implement and monitor WHS)" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).name == "Implement and monitor WHS"


# Occurrences and enrolments -----------------------------------------------------------------------

def _occurrence_form(occurrence: Occurrence, **typed) -> dict:
    return {"name": occurrence.name, "program_name": occurrence.program_name, "start_date": "02/02/2026",
            "end_date": "11/12/2026", "status_id": occurrence.status_id, **typed}


def test_two_tabs_on_an_occurrence(my_tab, login, make_occurrence, second_tab):
    login()
    bea, bea_tab = second_tab()
    occurrence = make_occurrence(name="Cert IV WHS")
    opened = version_in(my_tab.get(f"/occurrences/{occurrence.id}/edit").get_data(as_text=True))
    bea_tab.post(f"/occurrences/{occurrence.id}/edit", data=_occurrence_form(occurrence, end_date="18/12/2026",
                                                                              version=opened))
    refused = my_tab.post(f"/occurrences/{occurrence.id}/edit", data=_occurrence_form(
        occurrence, name="Cert IV WHS (evening)", version=opened))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert f"by {bea.display_name} on " in html and "(End date: 11/12/2026 → 18/12/2026)" in html
    assert 'value="Cert IV WHS (evening)"' in html
    db.session.expire_all()
    saved = db.session.get(Occurrence, occurrence.id)
    assert (saved.name, saved.end_date) == ("Cert IV WHS", date(2026, 12, 18))


def test_two_tabs_on_an_enrolment(my_tab, login, make_occurrence, make_client, enrol_client, second_tab):
    login()
    bea, bea_tab = second_tab()
    enrolment = enrol_client(make_occurrence(), make_client())
    status = {s.name: s.id for s in db.session.scalars(select(EnrolmentStatus))}
    opened = version_in(my_tab.get(f"/enrolments/{enrolment.id}/edit").get_data(as_text=True))
    bea_tab.post(f"/enrolments/{enrolment.id}/edit", data={"start_date": "02/02/2026", "end_date": "11/12/2026",
                                                           "status_id": status["Withdrawn"], "version": opened})
    refused = my_tab.post(f"/enrolments/{enrolment.id}/edit", data={
        "start_date": "09/02/2026", "end_date": "11/12/2026", "status_id": status["Enrolled"], "version": opened})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert f"by {bea.display_name} on " in html and "(Status: Enrolled → Withdrawn)" in html
    assert 'value="09/02/2026"' in html
    db.session.expire_all()
    saved = db.session.get(Enrolment, enrolment.id)
    assert (saved.status.name, saved.start_date) == ("Withdrawn", date(2026, 2, 2))


# Training-plan rows and task rows (htmx row saves) ----------------------------------------------

def _row_version(html: str, row_id: str) -> int:
    row = re.search(rf'<tr id="{row_id}".*?</tr>', html, re.DOTALL).group(0)
    return version_in(row)


def test_two_tabs_on_a_training_plan_row(my_tab, login, make_occurrence, make_client, enrol_client, second_tab):
    login()
    bea, bea_tab = second_tab()
    enrolment = enrol_client(make_occurrence(), make_client())
    plan_unit = enrolment.plan_units[0]
    results = {r.name: r.id for r in db.session.scalars(select(ResultType))}
    row = f"pu-{plan_unit.id}"
    url = f"/enrolments/{enrolment.id}/units/{plan_unit.id}"
    mine = _row_version(my_tab.get(f"/enrolments/{enrolment.id}").get_data(as_text=True), row)
    hers = _row_version(bea_tab.get(f"/enrolments/{enrolment.id}").get_data(as_text=True), row)

    assert bea_tab.post(url, headers=HTMX, data={"result_type_id": results["Competent"], "result_start": "01/12/2026",
                                                 "result_end": "03/12/2026", "version": hers}).status_code == 200
    refused = my_tab.post(url, headers=HTMX, data={"result_type_id": results["Continuing enrolment"],
                                                   "result_start": "05/10/2026", "result_end": "", "version": mine})

    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and html.lstrip().startswith(f'<tr id="{row}"')
    assert (f"The result of {plan_unit.unit.code} was changed after you opened the page, by {bea.display_name} on "
            in html)
    assert "(— → Competent 01/12/2026 – 03/12/2026)" in html
    # The row keeps what was typed, and now carries the version it was refused over.
    assert re.search(rf'<option value="{results["Continuing enrolment"]}" selected', html)
    assert 'value="05/10/2026"' in html
    db.session.expire_all()
    saved = db.session.get(TrainingPlanUnit, plan_unit.id)
    assert (saved.result_type.name, saved.result_start) == ("Competent", date(2026, 12, 1))
    assert _row_version(html, row) == saved.version


def test_two_tabs_on_a_task_row(my_tab, login, make_occurrence, make_client, enrol_client, second_tab):
    login()
    bea, bea_tab = second_tab()
    enrolment = enrol_client(make_occurrence(), make_client())
    task = enrolment.enrolment_tasks[0]
    statuses = {s.name: s.id for s in db.session.scalars(select(TaskStatus))}
    url = f"/enrolments/{enrolment.id}/tasks/{task.id}"
    opened = _row_version(my_tab.get(f"/enrolments/{enrolment.id}").get_data(as_text=True), f"et-{task.id}")
    bea_tab.post(url, headers=HTMX, data={"task_status_id": statuses["Completed"], "status_date": "01/12/2026",
                                          "version": opened})
    refused = my_tab.post(url, headers=HTMX, data={"task_status_id": statuses["Submitted"],
                                                   "status_date": "28/11/2026", "version": opened})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert (f"The status of “{task.task.name}” was changed after you opened the page, by {bea.display_name}" in html
            and "(Not started → Completed 01/12/2026)" in html)
    assert re.search(rf'<option value="{statuses["Submitted"]}" selected', html) and 'value="28/11/2026"' in html
    db.session.expire_all()
    assert db.session.get(EnrolmentTask, task.id).task_status.name == "Completed"


# Roles -------------------------------------------------------------------------------------------

def test_a_tick_on_a_role_page_opened_before_its_rights_changed_is_refused(my_tab, login, second_tab):
    login()
    bea, bea_tab = second_tab()
    role = db.session.scalar(select(Role).where(Role.name == "Read only"))
    url = f"/manage/security/roles/{role.id}/permissions"
    opened = version_in(my_tab.get(f"/manage/security/roles/{role.id}").get_data(as_text=True))
    saved = bea_tab.post(url, headers=HTMX, data={"entity": "client", "action": "edit", "granted": "on",
                                                  "version": opened})
    assert saved.status_code == 200 and 'id="role-version"' in saved.get_data(as_text=True)  # her page moves on

    refused = my_tab.post(url, headers=HTMX, data={"entity": "unit", "action": "add", "granted": "on",
                                                   "version": opened})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and refused.headers["HX-Retarget"] == "#permissions"
    assert (f"The role Read only was changed after you opened it, by {bea.display_name} on "
            f"{said_when(last_edit('role', role.id))} (Edit clients: not granted → granted). "
            "Your change (add unit) was not saved") in html
    # The rights come back as they stand, her tick included, with the version they stand at.
    assert re.search(r'id="perm-client-edit"\s+checked', html) and not re.search(r'id="perm-unit-add"\s+checked', html)
    db.session.expire_all()
    version = version_in(html)
    assert version == db.session.get(Role, role.id).version
    # Ticking again on the page as it now stands saves, and each saved tick moves the page's version on,
    # so the next tick on the same page is no stranger to it.
    for entity in ("unit", "occurrence"):
        answer = my_tab.post(url, headers=HTMX, data={"entity": entity, "action": "add", "granted": "on",
                                                      "version": version})
        assert answer.status_code == 200
        version = version_in(answer.get_data(as_text=True))
    assert {("unit", "add"), ("occurrence", "add")} <= grants(db.session.get(Role, role.id))


# Module mappings -----------------------------------------------------------------------------------

@pytest.fixture
def linked_121(demo, integration, make_user):
    from webapp.services.canvas_links.link import link_occurrence
    from webapp.services.canvas_links.modules import update_module_list
    from webapp.services.integrations.connection import canvas_client

    with canvas_client(integration) as canvas:
        link = link_occurrence(demo, integration, canvas, make_user("setup-admin").id)
        update_module_list(link, canvas, link.linked_by_id)
    db.session.commit()
    return link


def _mapping_form(html: str) -> dict:
    form = {name: value for name, value in re.findall(r'<input type="hidden" name="(version-\d+)" value="(\d+)"', html)}
    for name, body in re.findall(r'<select name="((?:unit|task)-\d+)"[^>]*>(.*?)</select>', html, re.DOTALL):
        chosen = re.search(r'<option value="(\d*)" selected', body)
        form[name] = chosen.group(1) if chosen else ""
    return form


def test_two_tabs_on_the_module_mappings(my_tab, login, linked_121, second_tab):
    login()
    bea, bea_tab = second_tab()
    page = "/occurrences/121/canvas/modules"
    welcome = db.session.scalar(select(CanvasModule).where(CanvasModule.canvas_module_id == 901))
    units = {u.code: u.id for u in db.session.scalars(select(Unit))}
    mine = _mapping_form(my_tab.get(page).get_data(as_text=True))
    hers = _mapping_form(bea_tab.get(page).get_data(as_text=True))

    bea_tab.post(page, data=hers | {f"unit-{welcome.id}": str(units["BSBWHS416"])})
    refused = my_tab.post(page, data=mine | {f"unit-{welcome.id}": str(units["BSBWHS411"])})

    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert (f"The mapping of “{welcome.name}” was changed after you opened the page, by {bea.display_name} on "
            in html and "(unmapped → BSBWHS416)" in html)
    assert _mapping_form(html)[f"unit-{welcome.id}"] == str(units["BSBWHS411"])  # as chosen
    db.session.expire_all()
    assert db.session.get(CanvasModule, welcome.id).unit_id == units["BSBWHS416"]
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "mapping")) == 1


# The integration wizard ----------------------------------------------------------------------------

def _wizard_page(draft: IntegrationDraft, step: int, nav: str, **typed) -> dict:
    """A page of the wizard as the browser posts it, with the draft's values and what was typed."""
    form = {"nav": nav}
    for name in STEP_FIELDS[step]:
        value = typed.get(name, draft.data.get(name))
        if value is True:
            form[name] = "y"
        elif value is not False:  # an unticked box is not sent; an empty choice is
            form[name] = "" if value is None else str(value)
    return form


def _through_the_wizard(tab, step1_url: str, finish: dict | None = None, **typed):
    """Next through every page (typing `typed` where it belongs), then Finish; returns Finish's answer."""
    draft = db.session.get(IntegrationDraft, step1_url.split("/")[-2])
    for step in (1, 2, 3):
        mine = {k: v for k, v in typed.items() if k in STEP_FIELDS[step]}
        assert tab.post(step1_url[:-1] + str(step), data=_wizard_page(draft, step, "next", **mine)).status_code == 302
    mine = {k: v for k, v in typed.items() if k in STEP_FIELDS[4]}
    return tab.post(step1_url[:-1] + "4", data=_wizard_page(draft, 4, "finish", **mine) | (finish or {}))


def test_two_tabs_on_the_integration_wizard(my_tab, login, second_tab):
    login()
    bea, bea_tab = second_tab()
    integration = LmsIntegration(**(defaults() | {"name": "Demo Canvas", "base_url": "https://canvas.example.edu"}),
                                 access_token_enc=encrypt("a-token"))
    db.session.add(integration)
    db.session.commit()
    mine = my_tab.post(f"/manage/lms-integrations/{integration.id}/edit").headers["Location"]
    hers = bea_tab.post(f"/manage/lms-integrations/{integration.id}/edit").headers["Location"]

    assert _through_the_wizard(bea_tab, hers, guard_students=25).status_code == 302
    refused = _through_the_wizard(my_tab, mine, name="Demo Canvas (live)", nightly_pull=True)

    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert (f"This LMS integration was changed after you opened it, by {bea.display_name} on "
            f"{said_when(last_edit('lms_integration', integration.id))} (Mass-change guard: students a day: 10 → 25). "
            "Nothing was saved") in html and "press Finish again" in html
    assert re.search(r'id="nightly_pull" name="nightly_pull" type="checkbox" value="y"', html)  # as ticked
    db.session.expire_all()
    saved = db.session.get(LmsIntegration, integration.id)
    assert (saved.name, saved.guard_students, saved.nightly_pull) == ("Demo Canvas", 25, False)

    # The draft kept every page as typed; Finish again saves it, knowing her change.
    draft = db.session.get(IntegrationDraft, mine.split("/")[-2])
    assert draft.data["name"] == "Demo Canvas (live)"
    again = my_tab.post(mine[:-1] + "4", data=_wizard_page(draft, 4, "finish", nightly_pull=True))
    assert again.status_code == 302
    db.session.expire_all()
    saved = db.session.get(LmsIntegration, integration.id)
    assert (saved.name, saved.nightly_pull) == ("Demo Canvas (live)", True)


# Jobs: never refused, and a form opened before a job's write is refused ---------------------------

def test_a_transfer_after_a_persons_edit_is_not_refused_and_a_tab_opened_before_it_is(
        my_tab, login, demo, integration, sim, make_client, enrol_client):
    admin = login()
    record = make_client(code="C0099", first_name="Nia", last_name="Moss", email="nia.moss@example.edu.au")
    enrol_client(demo, record)
    before_transfer = version_in(my_tab.get(f"/clients/{record.id}/edit").get_data(as_text=True))
    my_tab.post(f"/clients/{record.id}/edit", data=_client_form(record, first_name="Niamh", version=before_transfer))
    opened = version_in(my_tab.get(f"/clients/{record.id}/edit").get_data(as_text=True))

    link_and_transfer(demo, integration, admin)  # the transfer job, which sets the new Canvas user id

    db.session.expire_all()
    transferred = db.session.get(Client, record.id)
    assert transferred.canvas_user_id == canvas_user_of("C0099") is not None  # the job's write went through
    assert transferred.version == opened + 1

    refused = my_tab.post(f"/clients/{record.id}/edit", data=_client_form(transferred, email="nia@example.edu.au",
                                                                          canvas_user_id="", version=opened))
    assert refused.status_code == 409
    assert "This client was changed after you opened it, by canvaslink itself" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Client, record.id).canvas_user_id == transferred.canvas_user_id


def test_a_training_plan_row_opened_before_the_nightly_transfer_saved_it_is_refused(
        app, my_tab, login, transferred_121, sim):
    login()
    plan_unit = db.session.scalar(select(TrainingPlanUnit).join(Enrolment).join(Client).join(Unit).where(
        Client.code == "C0027", Unit.code == "BSBWHS413", Enrolment.occurrence_id == 121))
    page = my_tab.get(f"/enrolments/{plan_unit.enrolment_id}").get_data(as_text=True)
    opened = _row_version(page, f"pu-{plan_unit.id}")
    utc = UTC
    sim.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, tzinfo=utc))
    sim.set_module_state(canvas_user_of("C0027"), 906, "completed", datetime(2026, 11, 3, 1, tzinfo=utc))

    ran = app.test_cli_runner().invoke(args=["canvas", "pull-results", "--all", "--process", "--start-rule",
                                             "enrolment"])
    assert ran.exit_code == 0, ran.output
    db.session.expire_all()
    assert db.session.get(TrainingPlanUnit, plan_unit.id).result_type.name == "Competent"  # the job was not refused

    results = {r.name: r.id for r in db.session.scalars(select(ResultType))}
    refused = my_tab.post(f"/enrolments/{plan_unit.enrolment_id}/units/{plan_unit.id}", headers=HTMX, data={
        "result_type_id": results["Not yet competent"], "result_start": "05/10/2026", "result_end": "30/10/2026",
        "version": opened})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert ("The result of BSBWHS413 was changed after you opened the page, by canvaslink's automatic transfer "
            "from Canvas on ") in unescape(html) and "(— → Competent 05/10/2026 – 03/11/2026)" in html
    db.session.expire_all()
    assert db.session.get(TrainingPlanUnit, plan_unit.id).result_type.name == "Competent"


# The property: no save overwrites a newer version -------------------------------------------------

EDITORS = ("me", "bea")
STEPS = st.lists(st.one_of(
    st.tuples(st.just("open"), st.sampled_from(EDITORS)),
    st.tuples(st.just("save"), st.sampled_from(EDITORS)),
    st.tuples(st.just("job"), st.none())), max_size=10)


@pytest.fixture
def editors(my_tab, login, second_tab):
    """Two members of staff, each in their own browser (signed in once for every example)."""
    login()
    return {"me": my_tab, "bea": second_tab()[1]}


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_no_save_overwrites_a_newer_version(app, editors, steps):
    """Two editors open and save one client in any order, while a job (as a transfer does) writes it
    too. The stored client is always what the last successful save or job wrote; a save opened at an
    older version than the stored one is always refused, and one opened at the stored version never
    is; a job is never refused."""
    record = Client(code=f"P{db.session.scalar(select(func.count()).select_from(Client)) + 1:05d}",
                    first_name="Start", last_name="Start")
    db.session.add(record)
    db.session.commit()
    fields = ("code", "first_name", "last_name")
    stored = {name: getattr(record, name) for name in fields}
    generation = 0  # how many changes the record has had: the version, as this test counts it
    opened = {}  # editor → (the generation their form shows, the values it holds)
    for n, (step, editor) in enumerate(steps):
        if step == "open":
            html = editors[editor].get(f"/clients/{record.id}/edit").get_data(as_text=True)
            shown = {name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', html).group(1) for name in fields}
            assert shown == stored
            opened[editor] = (generation, shown, version_in(html))
        elif step == "save" and editor in opened:
            at, values, version = opened.pop(editor)
            typed = values | {"first_name": f"{editor}-{n}"}
            answer = editors[editor].post(f"/clients/{record.id}/edit", data=typed | {"version": version})
            if at == generation:
                assert answer.status_code == 302
                stored, generation = typed, generation + 1
            else:
                assert answer.status_code == 409
                html = answer.get_data(as_text=True)
                assert f'value="{editor}-{n}"' in html
                opened[editor] = (generation, typed, version_in(html))  # the refused form, as sent back
        elif step == "job":
            with app.app_context():  # a job's own session, carrying no version
                db.session.get(Client, record.id).last_name = f"job-{n}"
                db.session.commit()
            stored, generation = stored | {"last_name": f"job-{n}"}, generation + 1
        db.session.expire_all()
        assert {name: getattr(db.session.get(Client, record.id), name) for name in fields} == stored
