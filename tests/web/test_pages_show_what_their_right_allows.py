"""Pages show what their right allows, and no more (issue 22, L3): each kind of run shows to those with
its kind's right, and an occurrence's history shows audit entries only to those who may view the audit log."""

import re

import pytest
from sqlalchemy import select

from tests.helpers import sign_in
from webapp.extensions import db
from webapp.models import ResultType, Role, RolePermission
from webapp.services.audit import record
from webapp.services.canvas_sync import runs as sync
from webapp.services.canvas_sync import transfer
from webapp.services.result_transfer import download
from webapp.services.runs.lifecycle import end_run, record_item, start_run
from webapp.services.sms.enrolments import enter_unit_result

RUN_ROWS = re.compile(r'<a href="/runs/(\d+)">\d+</a></td>\s*<td>([^<]+)</td>')
ENROL_TRANSFER = (("enrolment_transfer", "view"), ("enrolment_transfer", "add"), ("occurrence", "view"))


def _sign_in_as(client, make_user, role_name: str, *rights) -> None:
    db.session.add(Role(name=role_name, permissions=[RolePermission(entity=e, action=a) for e, a in rights]))
    db.session.commit()
    make_user("someone", (role_name,))
    sign_in(client, "someone")


@pytest.fixture
def runs(demo):
    """A finished run of each kind staff start on occurrence 121, each with an item naming a student and
    their Canvas user, as the real runs record them."""
    made = {}
    for kind in (transfer.KIND, sync.KIND, download.KIND):
        run, _ = start_run(kind, 121, {}, 1, None)
        record_item(run, 7, "Kai Rossi (C0040)", "done", "Canvas user 4711: POST /api/v1/sections/87/enrollments")
        end_run(run)
        made[kind] = run.id
    db.session.commit()
    return made


def _history_rows(client, query: str = "") -> list[tuple[int, str]]:
    response = client.get(f"/runs{query}")
    assert response.status_code == 200
    return [(int(run_id), kind) for run_id, kind in RUN_ROWS.findall(response.get_data(as_text=True))]


def test_a_run_of_another_kind_is_refused_with_its_names_and_calls(client, make_user, runs):
    _sign_in_as(client, make_user, "Results clerk", ("result_transfer", "view"))
    assert client.get(f"/runs/{runs[download.KIND]}").status_code == 200
    for kind in (transfer.KIND, sync.KIND):
        refused = client.get(f"/runs/{runs[kind]}")
        assert refused.status_code == 403, kind
        assert "Kai Rossi" not in refused.get_data(as_text=True) and "4711" not in refused.get_data(as_text=True)


def test_the_run_history_lists_only_the_kinds_the_role_may_see(client, make_user, runs):
    _sign_in_as(client, make_user, "Results clerk", ("result_transfer", "view"))
    assert _history_rows(client) == [(runs[download.KIND], "Result download")]
    # Asking for another kind by name shows none of its runs, and the filter does not offer it.
    assert _history_rows(client, f"?kind={transfer.KIND}") == []
    page = client.get("/runs").get_data(as_text=True)
    assert f'value="{transfer.KIND}"' not in page and f'value="{download.KIND}"' in page


def test_enrolment_transfer_sees_the_runs_it_starts_and_only_those(client, make_user, runs):
    _sign_in_as(client, make_user, "EnrolTransfer", *ENROL_TRANSFER)
    assert _history_rows(client) == [(runs[sync.KIND], "Canvas sync"), (runs[transfer.KIND], "Enrolment transfer")]
    assert _history_rows(client, f"?kind={sync.KIND}") == [(runs[sync.KIND], "Canvas sync")]
    assert _history_rows(client, f"?kind={download.KIND}") == []
    detail = client.get(f"/runs/{runs[transfer.KIND]}")
    assert detail.status_code == 200 and "Kai Rossi (C0040)" in detail.get_data(as_text=True)
    assert client.get(f"/runs/{runs[download.KIND]}").status_code == 403


@pytest.fixture
def history(demo, make_user):
    """Occurrence 121 with an audit entry of a change canvaslink made in Canvas, and a result a person saved."""
    staff = make_user("trainer-2", ("Trainer",))
    record(staff.id, "occurrence", 121, "canvas", "Transferred to Canvas section 87",
           {"call": "POST /api/v1/sections/87/enrollments", "outcome": "Canvas user 4711 enrolled"})
    plan_unit = demo.enrolments[0].plan_units[0]
    enter_unit_result(plan_unit, staff.id, result_type=db.session.scalar(select(ResultType).where(
        ResultType.name == "Competent")), start=plan_unit.planned_start, end=plan_unit.planned_start)
    db.session.commit()
    return demo.enrolments[0].client


def test_the_history_shows_audit_entries_only_with_the_audit_logs_right(client, make_user, history):
    _sign_in_as(client, make_user, "Occurrence clerk", ("occurrence", "view"), ("enrolment", "view"))
    page = client.get("/occurrences/121/history").get_data(as_text=True)
    assert "Transferred to Canvas section 87" not in page and "POST /api/v1/sections/87" not in page
    assert "4711" not in page
    assert "Your role does not show who changed this occurrence and its enrolments, or what canvaslink did in " \
           "Canvas (the audit log)." in page
    assert f"Result saved for {history.full_name} ({history.code})" in page


def test_the_history_shows_results_only_with_the_enrolments_right(client, make_user, history):
    _sign_in_as(client, make_user, "Auditor", ("occurrence", "view"), ("audit_entry", "view"))
    page = client.get("/occurrences/121/history").get_data(as_text=True)
    assert "Transferred to Canvas section 87" in page and "Canvas call: POST /api/v1/sections/87/enrollments" in page
    assert "Result saved for" not in page
    assert "Your role does not show the results saved for its enrolments." in page
