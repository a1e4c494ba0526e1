"""Issue 11: results staff can trust. Each test reproduces a defect of the review as it was and
shows it fixed (points 1–4 are also walked in the browser: tests/e2e/test_trusted_results_browser.py)."""

import re
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from canvas_sim import specs
from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import (
    AuditEntry, CanvasModule, Client, Enrolment, EnrolmentStatus, JobRun, ResultProvenance, ResultType,
    TrainingPlanUnit, Unit,
)
from webapp.services.result_transfer import bulk

UTC = timezone.utc


def _plan_unit(code: str, unit_code: str) -> TrainingPlanUnit:
    return db.session.scalar(select(TrainingPlanUnit).join(Enrolment).join(Client).join(Unit)
                             .where(Client.code == code, Unit.code == unit_code, Enrolment.occurrence_id == 121))


def _result_type(name: str) -> ResultType:
    return db.session.scalar(select(ResultType).where(ResultType.name == name))


def _download(client) -> str:
    response = client.post("/occurrences/121/canvas/results/download")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def _counts(html: str) -> dict:
    return {label: int(n) for label, n in re.findall(r'>([A-Z][a-z ]+) <span class="count">(\d+)</span>', html)}


def _form(html: str) -> dict:
    """The review form's inputs as a browser posts them."""
    form = {"start_rule": re.search(r'name="start_rule" value="([^"]*)"', html).group(1)}
    for name, value in re.findall(r'<input type="text" name="([^"]+:(?:start|end))"(?: id="[^"]*")? value="([^"]*)"', html):
        form[name] = value
    for name, body in re.findall(r'<select name="([^"]+:outcome)"[^>]*>(.*?)</select>', html, re.S):
        form[name] = re.search(r'<option value="(\d+)" selected', body).group(1)
    return form


def _row(enrolment_id: int, unit_code: str) -> str:
    return f"{enrolment_id}:u{db.session.scalar(select(Unit.id).where(Unit.code == unit_code))}"


def _enter_on_the_training_plan(client, plan_unit, result_name, start, end=None):
    response = client.post(f"/enrolments/{plan_unit.enrolment_id}/units/{plan_unit.id}", data={
        "result_type_id": _result_type(result_name).id, "result_start": start.isoformat(),
        "result_end": end.isoformat() if end else ""}, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.get_data(as_text=True)


# 1. Module-list updates keep deliberate unmapping ---------------------------------------------------

def test_updating_the_module_list_matches_only_new_modules_and_the_history_says_what_changed(
        client, login, transferred_121, sim):
    login()
    modules = {m.canvas_module_id: m for m in transferred_121.modules}
    form = {}
    for m in modules.values():
        form[f"unit-{m.id}"], form[f"task-{m.id}"] = str(m.unit_id or ""), str(m.task_id or "")
    form[f"unit-{modules[907].id}"] = form[f"unit-{modules[908].id}"] = ""  # a person unmaps two modules
    client.post("/occurrences/121/canvas/modules", data=form)
    with sim.state.lock:
        specs.add_module(sim.state, sim.state.courses[55],
                         {"name": "BSBWHS416 Incident response workshop", "items": ["Workshop notes"]})

    client.post("/occurrences/121/canvas/modules/update")

    db.session.expire_all()
    assert (db.session.get(CanvasModule, modules[907].id).unit_id, db.session.get(CanvasModule, modules[908].id)
            .unit_id) == (None, None)
    new = db.session.scalar(select(CanvasModule).where(CanvasModule.name == "BSBWHS416 Incident response workshop"))
    assert (new.unit.code, new.unit_auto, new.requirement_count) == ("BSBWHS416", True, 1)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "modules")
                              .order_by(AuditEntry.id.desc()).limit(1))
    assert entry.changes == {"BSBWHS416 Incident response workshop": ["new", "matched to BSBWHS416"]}
    history = client.get("/occurrences/121/canvas/link").get_data(as_text=True)
    assert "12 modules, 1 new, 0 removed; mappings kept" in history
    assert "BSBWHS416 Incident response workshop: new → matched to BSBWHS416" in history


# 2. A result typed by staff stands -----------------------------------------------------------------

def test_a_result_entered_on_the_training_plan_records_who_and_is_kept_by_every_automatic_path(
        app, client, login, transferred_121, sim, work):
    staff = login()
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")
    sim.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, tzinfo=UTC))
    sim.set_module_state(canvas_user_of("C0027"), 906, "completed", datetime(2026, 11, 3, 1, tzinfo=UTC))
    not_started, nyc = _plan_unit("C0025", "BSBWHS414"), _plan_unit("C0027", "BSBWHS413")
    _enter_on_the_training_plan(client, not_started, "Not yet started", date(2026, 10, 5))
    _enter_on_the_training_plan(client, nyc, "Not yet competent", date(2026, 10, 5), date(2026, 10, 30))
    entered = db.session.scalar(select(ResultProvenance).where(ResultProvenance.plan_unit_id == nyc.id))
    assert (entered.source, entered.processed_by_id, entered.saved) == (
        "person", staff.id, "Not yet competent 05/10/2026 – 30/10/2026")
    page = client.get(f"/enrolments/{nyc.enrolment_id}").get_data(as_text=True)
    assert f"Entered by {staff.display_name} on " in page and "Before: —." in page

    # Per occurrence: shown as kept, Process all leaves them, and says so.
    review = client.get(_download(client) + "?start_rule=enrolment").get_data(as_text=True)
    today = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Australia/Sydney")).strftime("%d/%m/%Y")
    assert review.count(f"Kept: entered by {staff.display_name} on {today}.") == 2
    assert _counts(review)["Kept"] == 2
    done = client.post(re.search(r'<form method="post" action="([^"]+)" class="review-rows"', review).group(1),
                       data=_form(review)).get_data(as_text=True)
    assert "Kept 2 as staff decisions or final outcomes." in done

    # In bulk, and at night.
    client.post("/utilities/canvas-results/start")
    work()
    download = db.session.scalar(select(JobRun).where(JobRun.kind == bulk.KIND))
    client.post(f"/utilities/canvas-results/runs/{download.id}/process", data={"start_rule": "enrolment"})
    work()
    processing = db.session.scalar(select(JobRun).where(JobRun.kind == bulk.PROCESS_KIND))
    assert processing.params["tally"]["kept"] == 2
    assert "2 kept as staff decisions" in client.get("/utilities/canvas-results/").get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["canvas", "pull-results", "--all", "--process",
                                                "--start-rule", "enrolment"])
    assert "2 kept as staff decisions or final outcomes" in result.output

    db.session.expire_all()
    assert (_plan_unit("C0025", "BSBWHS414").result_type.name, _plan_unit("C0027", "BSBWHS413").result_type.name) == (
        "Not yet started", "Not yet competent")


def test_a_result_chosen_on_the_review_stands_and_a_person_may_replace_it_which_is_audited(
        client, login, transferred_121, sim):
    staff = login()
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")
    run_url = _download(client)
    review = client.get(run_url + "?start_rule=enrolment").get_data(as_text=True)
    enrolment_id = _plan_unit("C0025", "BSBWHS414").enrolment_id
    row = _row(enrolment_id, "BSBWHS414")
    form = _form(review) | {f"{row}:outcome": str(_result_type("Not yet started").id), "add": row}
    assert "Saved 1 row(s)." in client.post(run_url, data=form).get_data(as_text=True)
    assert db.session.scalar(select(ResultProvenance.source).where(
        ResultProvenance.plan_unit_id == _plan_unit("C0025", "BSBWHS414").id)) == "person"

    again = _download(client)
    review = client.get(again + "?start_rule=enrolment").get_data(as_text=True)
    assert f"Kept: entered by {staff.display_name} on" in review and _counts(review)["To save"] == 0
    assert "Saved 0 row(s)." in client.post(again, data=_form(review)).get_data(as_text=True)

    opened = client.post(again, data=_form(review) | {"open": row}).get_data(as_text=True)
    assert "Replacing it is recorded in the audit log." in opened
    replaced = client.post(again, data=_form(opened) | {"replace": row}).get_data(as_text=True)
    assert "Saved 1 row(s)." in replaced
    plan_unit = _plan_unit("C0025", "BSBWHS414")
    assert plan_unit.result_type.name == "Continuing enrolment"
    newest = db.session.scalar(select(ResultProvenance).where(ResultProvenance.plan_unit_id == plan_unit.id)
                               .order_by(ResultProvenance.id.desc()).limit(1))
    assert (newest.source, newest.replaced_decision, newest.previous) == (
        "canvas", True, "Not yet started 05/10/2026 – 05/10/2027")
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "replace"))
    assert audit.user_id == staff.id and "It was kept (Kept: entered by" in audit.summary


def test_add_on_a_kept_row_is_refused_without_replace(client, login, transferred_121, sim):
    login()
    plan_unit = _plan_unit("C0025", "BSBWHS414")
    _enter_on_the_training_plan(client, plan_unit, "Not yet started", date(2026, 10, 5))
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")
    run_url = _download(client)
    review = client.get(run_url).get_data(as_text=True)
    refused = client.post(run_url, data=_form(review) | {"add": _row(plan_unit.enrolment_id, "BSBWHS414")})
    assert refused.status_code == 422 and "Choose Replace… on the row to replace it." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert _plan_unit("C0025", "BSBWHS414").result_type.name == "Not yet started"


# 3. Bulk Process all respects edits on the page --------------------------------------------------

def test_bulk_process_all_saves_what_was_typed_on_the_page(client, login, transferred_121, sim, work):
    login()
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")
    sim.set_module_state(canvas_user_of("C0028"), 903, "started")
    client.post("/utilities/canvas-results/start")
    work()
    download = db.session.scalar(select(JobRun).where(JobRun.kind == bulk.KIND))
    review = client.get(f"/utilities/canvas-results/runs/{download.id}/review?start_rule=enrolment").get_data(
        as_text=True)
    row = _row(_plan_unit("C0025", "BSBWHS414").enrolment_id, "BSBWHS414")
    form = _form(review) | {f"{row}:start": "2026-10-19", f"{row}:end": "2027-10-19",
                            f"{row}:outcome": str(_result_type("Not yet started").id)}
    response = client.post(f"/utilities/canvas-results/runs/{download.id}/process", data=form, follow_redirects=True)
    assert "the 1 row(s) you edited as you typed them" in response.get_data(as_text=True)
    work()
    typed, untouched = _plan_unit("C0025", "BSBWHS414"), _plan_unit("C0028", "BSBWHS412")
    assert (typed.result_type.name, typed.result_start, typed.result_end) == (
        "Not yet started", date(2026, 10, 19), date(2027, 10, 19))
    assert (untouched.result_type.name, untouched.result_start) == ("Continuing enrolment", date(2026, 10, 5))


def test_bulk_process_all_refuses_while_a_kept_row_is_open_for_replacing(client, login, transferred_121, sim,
                                                                          work):
    login()
    plan_unit = _plan_unit("C0025", "BSBWHS414")
    _enter_on_the_training_plan(client, plan_unit, "Not yet started", date(2026, 10, 5))
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")
    client.post("/utilities/canvas-results/start")
    work()
    download = db.session.scalar(select(JobRun).where(JobRun.kind == bulk.KIND))
    url = f"/utilities/canvas-results/runs/{download.id}/review"
    row = _row(plan_unit.enrolment_id, "BSBWHS414")
    opened = client.post(url, data=_form(client.get(url).get_data(as_text=True)) | {"open": row}).get_data(
        as_text=True)
    refused = client.post(f"/utilities/canvas-results/runs/{download.id}/process", data=_form(opened))
    assert refused.status_code == 422
    assert "Nothing was processed" in refused.get_data(as_text=True)
    assert db.session.scalar(select(JobRun).where(JobRun.kind == bulk.PROCESS_KIND)) is None


# 4. Save exactly what the user sees --------------------------------------------------------------

def test_add_saves_the_dates_the_row_holds(client, login, transferred_121, sim):
    login()
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")
    run_url = _download(client)
    review = client.get(run_url + "?start_rule=enrolment").get_data(as_text=True)
    row = _row(_plan_unit("C0025", "BSBWHS414").enrolment_id, "BSBWHS414")
    assert 'data-end-months="12"' in review  # the page moves the end with the start as it is typed
    form = _form(review) | {f"{row}:start": "2026-10-12", f"{row}:end": "2027-03-31", "add": row}
    assert "Saved 1 row(s)." in client.post(run_url, data=form).get_data(as_text=True)
    saved = _plan_unit("C0025", "BSBWHS414")
    assert (saved.result_start, saved.result_end) == (date(2026, 10, 12), date(2027, 3, 31))


# 5. Withdrawn and other inactive enrolments ------------------------------------------------------

def test_the_download_leaves_out_inactive_enrolments_and_says_how_many(client, login, transferred_121, sim):
    login()
    withdrawn = db.session.scalar(select(EnrolmentStatus).where(EnrolmentStatus.name == "Withdrawn"))
    for code in ("C0026", "C0029"):
        db.session.scalar(select(Enrolment).join(Client).where(Client.code == code,
                                                               Enrolment.occurrence_id == 121)).status = withdrawn
    db.session.commit()
    sim.set_module_state(canvas_user_of("C0026"), 907, "started")
    review = client.get(_download(client)).get_data(as_text=True)
    assert "Downloaded" in review and "for 14 students" in review
    assert "Left out 2 enrolments that are not Active (2 Withdrawn)" in review
    assert "C0026" not in review and _counts(review)["To save"] == 0


# 6. Modules without completion requirements ------------------------------------------------------

def test_a_module_without_requirements_is_flagged_when_mapped_and_never_proposes_alone(
        client, login, transferred_121, sim):
    login()
    with sim.state.lock:
        specs.add_module(sim.state, sim.state.courses[55], {
            "name": "BSBWHS416 Readings", "items": [{"title": "Read me", "type": "Page"}]})
    updated = client.post("/occurrences/121/canvas/modules/update", follow_redirects=True).get_data(as_text=True)
    assert "“BSBWHS416 Readings” has no completion requirements in Canvas" in updated
    assert "so it is no evidence and never proposes a result on its own" in updated
    readings = db.session.scalar(select(CanvasModule).where(CanvasModule.name == "BSBWHS416 Readings"))
    assert (readings.unit.code, readings.requirement_count) == ("BSBWHS416", 0)

    review = client.get(_download(client) + "?start_rule=enrolment").get_data(as_text=True)
    assert _counts(review)["Every row"] == 0  # Canvas has it completed for all 16 students: no evidence


# 7. Dates that cannot be right -------------------------------------------------------------------

def test_dates_that_cannot_be_right_wait_for_a_person(client, login, transferred_121, sim):
    login()
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")
    run_url = _download(client)
    future = (datetime.now(UTC) + timedelta(days=40)).date()
    review = client.get(f"{run_url}?start_rule=date&start_date={future.isoformat()}").get_data(as_text=True)
    assert f"The start date {future:%d/%m/%Y} is in the future, but Canvas shows the unit already started." in review
    assert _counts(review)["Need a date"] == 1
    skipped = client.post(run_url, data=_form(review) | {"start_date": future.isoformat()})
    assert skipped.status_code == 422 and "Skipped 1" in skipped.get_data(as_text=True)
    assert _plan_unit("C0025", "BSBWHS414").result_type is None
    row = _row(_plan_unit("C0025", "BSBWHS414").enrolment_id, "BSBWHS414")
    before = client.post(run_url, data=_form(review) | {f"{row}:start": "2026-09-01", f"{row}:end": "2027-09-01"})
    assert "is before the enrolment starts (05/10/2026)" in before.get_data(as_text=True)
    chosen = client.post(run_url, data=_form(review) | {"start_date": future.isoformat(), "add": row})
    assert "Saved 1 row(s)." in chosen.get_data(as_text=True)  # a person chose that row: saved as it is
    assert _plan_unit("C0025", "BSBWHS414").result_start == future


# Times in the RTO's time zone ----------------------------------------------------------------------

def test_unlock_dates_and_completion_times_read_as_the_rtos_days(client, login, transferred_121, sim):
    login()
    modules = client.get("/occurrences/121/canvas/modules").get_data(as_text=True)
    # 2026-10-04T13:00Z is midnight on 5 October in Sydney: the day the module opens there.
    assert re.search(r"BSBWHS411 Implement and monitor WHS policies, procedures and programs.*?05/10/2026", modules,
                     re.S)
    assert "04/10/2026" not in modules and "Dates and times are Australia/Sydney time." in modules
    sim.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 3, 23, 30, tzinfo=UTC))
    review = client.get(_download(client)).get_data(as_text=True)
    assert "BSBWHS413 Contribute to implementation and maintenance of WHS consultation and participation processes:"\
           " completed 04/11/2026 10:30" in review
