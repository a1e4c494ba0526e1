"""`flask canvas pull-results` and the nightly job: save what needs nobody, leave the rest for review."""

from datetime import datetime, timezone

from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.jobs import nightly_pull
from webapp.models import JobRun, ResultProvenance, TrainingPlanUnit, Unit

UTC = timezone.utc


def _play(sim):
    sim.set_module_state(canvas_user_of("C0025"), 907, "started")  # needs a start date: a person decides
    sim.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    sim.set_module_state(canvas_user_of("C0027"), 906, "completed", datetime(2026, 11, 3, 23, 30, tzinfo=UTC))


def _results():
    """Occurrence 121's recorded unit results (the demo's finished occurrence 119 has its own)."""
    return {(pu.enrolment.client.code, pu.unit.code): pu.result_type.name
            for pu in db.session.scalars(select(TrainingPlanUnit).join(Unit).where(
                TrainingPlanUnit.result_type_id.is_not(None))) if pu.enrolment.occurrence_id == 121}


def test_cli_pull_and_process_saves_what_needs_nobody_and_leaves_the_rest_for_review(app, transferred_121, sim):
    _play(sim)
    result = app.test_cli_runner().invoke(args=["canvas", "pull-results", "--all", "--process"])
    assert result.exit_code == 0, result.output
    assert "downloaded 16 students, 0 failed" in result.output
    # The task's completion needs nobody; both units need a start date that only a rule or a person gives.
    assert "Saved 1 row(s); 2 wait for review" in result.output
    assert _results() == {}
    assert db.session.scalar(select(db.func.count()).select_from(ResultProvenance)) == 1


def test_cli_with_a_start_rule_saves_started_units_too(app, transferred_121, sim):
    _play(sim)
    result = app.test_cli_runner().invoke(args=["canvas", "pull-results", "--all", "--process",
                                                "--start-rule", "enrolment"])
    assert result.exit_code == 0, result.output
    assert _results() == {("C0025", "BSBWHS414"): "Continuing enrolment", ("C0027", "BSBWHS413"): "Competent"}


def test_cli_without_process_only_downloads(app, transferred_121, sim):
    _play(sim)
    result = app.test_cli_runner().invoke(args=["canvas", "pull-results", "--all"])
    assert result.exit_code == 0 and "Saved" not in result.output
    assert db.session.scalar(select(db.func.count()).select_from(ResultProvenance)) == 0
    assert db.session.scalar(select(JobRun.status).where(JobRun.kind == "bulk_result_download")) == "finished"


def test_nightly_job_runs_only_for_integrations_that_switched_it_on(app, transferred_121, sim, integration):
    _play(sim)
    nightly_pull()
    assert db.session.scalar(select(db.func.count()).select_from(JobRun)
                             .where(JobRun.kind == "bulk_result_download")) == 0
    integration.nightly_pull, integration.nightly_start_rule = True, "enrolment"
    db.session.commit()
    nightly_pull()
    assert _results() == {("C0025", "BSBWHS414"): "Continuing enrolment", ("C0027", "BSBWHS413"): "Competent"}
