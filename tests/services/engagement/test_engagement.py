"""Engagement (issue 25): each transferred student's last activity and total time in Canvas are kept
from the section listing a refresh, sync or download already makes; the occurrence, the Progress
picture and the enrolment page show them; students gone quiet are Canvas exceptions; and withdrawing a
student offers Withdrawn results finishing on their last activity."""

import csv
import io
from collections import Counter
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.models import Client, Enrolment, EnrolmentStatus, EnrolmentTransfer, ResultProvenance
from webapp.rto_time import format_rto_date, format_rto_time
from webapp.services.clock import utcnow
from webapp.services.result_transfer.bulk import start_bulk_download
from webapp.services.result_transfer.download import run_download
from webapp.services.runs.nightly import nightly_summary

SECTION_ENROLMENTS = "GET /api/v1/sections/:section_id/enrollments"
MODULE_STATES = "GET /api/v1/courses/:course_id/modules"
ZONE = "Australia/Sydney"


def _enrolment(code: str) -> Enrolment:
    return db.session.scalar(select(Enrolment).join(Client).where(Client.code == code, Enrolment.occurrence_id == 121))


def _active_in_canvas(sim, code: str, seconds: int, days_ago: float = 0) -> None:
    """Play the student viewing a page of the course, `days_ago` days ago."""
    at = (utcnow() - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = requests.post(f"{sim.url}/sim/api/activity", timeout=10,
                           json={"user_id": canvas_user_of(code), "course_id": 55, "seconds": seconds, "at": at})
    assert answer.status_code == 200 and len(answer.json()["enrollments"]) == 1


def _refresh(client) -> None:
    assert client.post("/occurrences/121/canvas/enrolments/refresh").status_code in (200, 302)
    db.session.expire_all()


def test_a_refresh_keeps_and_shows_each_students_last_activity_with_no_extra_call(client, login, transferred_121,
                                                                                   sim):
    login()
    sim.set_module_state(canvas_user_of("C0025"), 902, "started")  # 10 minutes of work, now
    _active_in_canvas(sim, "C0028", 3 * 3600 + 25 * 60, days_ago=3)
    before = Counter(sim.counters()["requests"])
    _refresh(client)
    made = Counter(sim.counters()["requests"]) - before
    # The refresh read the section before this change too: activity costs no call of its own.
    assert made == {SECTION_ENROLMENTS: 1}

    ella, ed = _enrolment("C0025").transfer, _enrolment("C0028").transfer
    assert ella.total_activity_seconds == 600 and ella.activity_read_at is not None
    assert ed.total_activity_seconds == 3 * 3600 + 25 * 60
    page = client.get("/occurrences/121").get_data(as_text=True)
    assert "Last active in Canvas" in page
    assert format_rto_date(ella.last_activity_at, ZONE) in page and "today" in page
    assert "3 days ago" in page and "3:25" in page
    view = client.get(f"/enrolments/{_enrolment('C0028').id}").get_data(as_text=True)
    assert format_rto_time(ed.last_activity_at, ZONE) in view and "3:25 in total" in view
    assert f"As Canvas gave it on {format_rto_time(ed.activity_read_at, ZONE)}" in view


def _download_calls(sim) -> Counter:
    """A bulk result download; the Canvas calls it made."""
    run, _ = start_bulk_download(None)
    db.session.commit()
    before = Counter(sim.counters()["requests"])
    run_download(run)
    return Counter(sim.counters()["requests"]) - before


def test_the_result_download_reads_activity_for_one_call_per_100_students(client, login, transferred_121, sim):
    login()
    _active_in_canvas(sim, "C0030", 5400, days_ago=1)
    # The transfer read everyone's activity a moment ago: a download now lists the section no more.
    assert _download_calls(sim) == {MODULE_STATES: 16}
    for transfer in db.session.scalars(select(EnrolmentTransfer)):
        transfer.activity_read_at = utcnow() - timedelta(minutes=61)
    db.session.commit()
    # Read longer ago: one listing of the section (16 students, one page) beside the 16 module-state reads.
    assert _download_calls(sim) == {MODULE_STATES: 16, SECTION_ENROLMENTS: 1}
    db.session.expire_all()
    transfer = _enrolment("C0030").transfer
    assert transfer.total_activity_seconds == 5400 and transfer.activity_read_at is not None
    grid = client.get("/occurrences/121/progress").get_data(as_text=True)
    assert f"Last active in Canvas: {format_rto_date(transfer.last_activity_at, ZONE)} (yesterday) · 1:30" in grid


def _exceptions(client, **filters) -> str:
    return client.get("/canvas-exceptions", query_string=filters).get_data(as_text=True)


def test_a_student_quiet_for_15_days_is_an_exception_until_active_again(client, login, transferred_121, sim):
    login()
    _active_in_canvas(sim, "C0031", 7200, days_ago=15)
    _active_in_canvas(sim, "C0032", 60, days_ago=2)
    _refresh(client)
    name = _enrolment("C0031").client.full_name
    quiet = _exceptions(client, kind="not_active")
    assert name in quiet and "Not active in Canvas for 15 days" in quiet and "2:00 in total" in quiet
    assert _enrolment("C0032").client.full_name not in quiet  # active two days ago
    never = _exceptions(client, kind="never_active")
    assert _enrolment("C0033").client.full_name in never and name not in never
    exported = list(csv.reader(io.StringIO(
        client.get("/canvas-exceptions.csv?kind=not_active").get_data(as_text=True).lstrip("\ufeff"))))
    # The demo's Archie Clarke (C0026) stopped three weeks ago.
    archie = _enrolment("C0026").client.full_name
    assert [row[:3] for row in exported[1:]] == [["Not active in Canvas", "121", f"{archie} (C0026)"],
                                                 ["Not active in Canvas", "121", f"{name} (C0031)"]]
    assert "Not active in Canvas for 21 days" in quiet
    subject, body = nightly_summary(start_bulk_download(None)[0])
    assert "Gone quiet in Canvas: 2 not active lately, 13 never active" in body and f"{name} (C0031)" in body

    _active_in_canvas(sim, "C0031", 60)
    _refresh(client)
    assert name not in _exceptions(client, kind="not_active")


def test_the_days_are_the_integrations(client, login, transferred_121, sim, integration):
    login()
    _active_in_canvas(sim, "C0031", 60, days_ago=15)
    integration.quiet_days = 21
    db.session.commit()
    _refresh(client)
    name = _enrolment("C0031").client.full_name
    assert name not in _exceptions(client, kind="not_active")
    integration.quiet_days = 15
    db.session.commit()
    assert name in _exceptions(client, kind="not_active")


def _withdraw(client, code: str):
    enrolment = _enrolment(code)
    withdrawn = db.session.scalar(select(EnrolmentStatus).where(EnrolmentStatus.name == "Withdrawn"))
    return client.post(f"/enrolments/{enrolment.id}/edit", data={
        "start_date": f"{enrolment.start_date:%d/%m/%Y}", "end_date": f"{enrolment.end_date:%d/%m/%Y}",
        "status_id": withdrawn.id})


def test_withdrawing_offers_the_last_activity_as_finish_date_and_the_result_says_so(
        client, login, transferred_121, sim):
    login()
    _active_in_canvas(sim, "C0034", 4 * 3600, days_ago=9)
    _refresh(client)
    enrolment = _enrolment("C0034")
    last = enrolment.transfer.last_activity_at
    day = format_rto_date(last, ZONE)

    edit = client.get(f"/enrolments/{enrolment.id}/edit").get_data(as_text=True)
    assert f"{format_rto_time(last, ZONE)} (9 days ago)" in edit and "4:00 in total" in edit
    saved = _withdraw(client, "C0034")
    assert saved.status_code == 302 and saved.location.endswith(f"/enrolments/{enrolment.id}/withdrawal")
    offer = client.get(saved.location).get_data(as_text=True)
    assert f"Last active in Canvas, {day}" in offer and "4:00" in offer
    db.session.expire_all()
    units = _enrolment("C0034").plan_units
    assert all(pu.result_type is None for pu in units)  # offered, nothing recorded yet

    answer = client.post(saved.location, data={"finish": "canvas", "units": [pu.id for pu in units],
                                               "shown_last_active": day})
    assert answer.status_code == 302
    db.session.expire_all()
    units = _enrolment("C0034").plan_units
    assert {(pu.result_type.name, f"{pu.result_end:%d/%m/%Y}") for pu in units} == {("Withdrawn", day)}
    record = db.session.scalar(select(ResultProvenance).where(ResultProvenance.plan_unit_id == units[0].id))
    assert record.date_source.startswith(f"Finish date: the last activity in Canvas, {format_rto_time(last, ZONE)}")
    view = client.get(f"/enrolments/{enrolment.id}").get_data(as_text=True)
    assert "Finish date: the last activity in Canvas" in view


def test_a_finish_date_before_a_units_start_or_over_a_newer_read_records_nothing(
        client, login, transferred_121, sim):
    login()
    _active_in_canvas(sim, "C0035", 600, days_ago=4)
    _refresh(client)
    _withdraw(client, "C0035")
    enrolment = _enrolment("C0035")
    units = [pu.id for pu in enrolment.plan_units]
    url = f"/enrolments/{enrolment.id}/withdrawal"

    early = client.post(url, data={"finish": "typed", "finish_date": "01/01/2020", "units": units})
    assert early.status_code == 422 and "is before the start of" in early.get_data(as_text=True)
    stale = client.post(url, data={"finish": "canvas", "units": units, "shown_last_active": "01/01/2026"})
    assert stale.status_code == 422 and "read again since this page was opened" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert all(pu.result_type is None for pu in _enrolment("C0035").plan_units)

    today = client.post(url, data={"finish": "today", "units": units[:1]})
    assert today.status_code == 302
    db.session.expire_all()
    recorded = [pu for pu in _enrolment("C0035").plan_units if pu.result_type is not None]
    assert len(recorded) == 1 and recorded[0].provenance[0].date_source.startswith("Finish date: the day it was")


def test_only_staff_who_edit_enrolments_see_the_offer(client, login, transferred_121):
    login("Read only")
    assert client.get(f"/enrolments/{_enrolment('C0036').id}/withdrawal").status_code == 403


def test_the_wizard_sets_the_days_after_which_a_student_has_gone_quiet(login, sim, integration):
    from webapp.services import DomainError
    from webapp.services.integrations import wizard

    admin = login()
    draft = wizard.start_draft(admin.id, integration)
    with pytest.raises(DomainError) as refused:
        wizard.save_step(draft, 2, dict(draft.data, quiet_days=0))
    assert refused.value.field == "quiet_days" and "1 to 365 days" in refused.value.message
    wizard.save_step(draft, 2, dict(draft.data, quiet_days=21))
    wizard.finish(draft, admin.id)
    db.session.commit()
    assert db.session.get(type(integration), integration.id).quiet_days == 21


def test_an_enrolment_without_readable_activity_keeps_what_was_read(transferred_121, sim):
    """Canvas sends activity only to a caller with read_reports: a listing without it changes nothing."""
    from webapp.services.canvas import BadResponse, Enrollment
    from webapp.services.canvas.models import parse_answer
    from webapp.services.engagement.activity import note_activity

    base = {"id": 1, "user_id": 1001, "course_id": 55, "course_section_id": 87, "type": "StudentEnrollment",
            "enrollment_state": "active"}
    transfer = _enrolment("C0025").transfer
    transfer.total_activity_seconds, transfer.activity_read_at = 60, utcnow() - timedelta(days=1)
    transfer.canvas_user_id = 1001
    assert note_activity([transfer], {1001: parse_answer(Enrollment, base, "x")}) == 0
    assert transfer.total_activity_seconds == 60
    shown = parse_answer(Enrollment, {**base, "last_activity_at": None, "total_activity_time": 0}, "x")
    assert note_activity([transfer], {1001: shown}) == 1 and transfer.total_activity_seconds == 0
    with pytest.raises(BadResponse):
        parse_answer(Enrollment, {**base, "total_activity_time": "lots"}, "enrolments in section 87")


def test_a_canvas_user_who_may_not_view_usage_reports_is_told_so(client, login, transferred_121, sim):
    """Canvas leaves the fields out for a token without read_reports: the pages say why nothing shows."""
    login()
    with sim.state.lock:
        sim.state.users[1].without_permissions = frozenset({"read_reports"})
    _active_in_canvas(sim, "C0029", 600)
    _refresh(client)
    transfer = _enrolment("C0029").transfer
    assert transfer.activity_withheld and transfer.total_activity_seconds == 0  # as the transfer read it
    page = client.get(f"/enrolments/{_enrolment('C0029').id}").get_data(as_text=True)
    assert "needs the permission to view usage reports (read_reports)" not in page  # read before, still shown
    transfer.activity_read_at = None  # as for a student transferred before canvaslink kept activity
    db.session.commit()
    page = client.get(f"/enrolments/{_enrolment('C0029').id}").get_data(as_text=True)
    assert "needs the permission to view usage reports (read_reports)" in page
