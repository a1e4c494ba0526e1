"""A queued run whose RQ job Redis lost (issue 22, M2): it is noticed wherever it matters (its page as
it polls, a change that would join it, Apply, the nightly sweep) and queued again, or ended with the
reason, so the withdrawal it carries still ends the student's Canvas access."""

from rq.job import Job, JobStatus
from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from webapp.extensions import db
from webapp.jobs import nightly_sync
from webapp.models import Client, Enrolment, EnrolmentStatus, JobRun
from webapp.queue import job_queue, requeue_run
from webapp.services.canvas_sync import runs as sync
from webapp.services.runs.recovery import REQUEUED
from webapp.services.sms.enrolments import update_enrolment

RUNS = "/occurrences/121/canvas/enrolments/runs"


def _withdraw(code: str, actor_id: int | None = None) -> JobRun:
    """Withdraw the student, as staff do on their enrolment; the sync run that carries it."""
    enrolment = db.session.scalar(select(Enrolment).join(Client).where(Client.code == code,
                                                                        Enrolment.occurrence_id == 121))
    update_enrolment(enrolment, start_date=enrolment.start_date, end_date=enrolment.end_date, actor_id=actor_id,
                     status=db.session.scalar(select(EnrolmentStatus).where(EnrolmentStatus.name == "Withdrawn")))
    db.session.commit()
    db.session.expire_all()
    return db.session.scalar(select(JobRun).where(JobRun.kind == sync.KIND).order_by(JobRun.id.desc()))


def _restart_redis() -> None:
    """What a restart of a Redis that keeps nothing on disk does: every queued job is gone."""
    job_queue().connection.flushdb()


def _job_exists(job_id: str | None) -> bool:
    return job_id is not None and Job.exists(job_id, connection=job_queue().connection)


def _canvas_state(sim, code: str) -> str:
    user_id = canvas_user_of(code)
    with sim.state.lock:
        return next(e.workflow_state for e in sim.state.enrollments.values()
                    if e.user_id == user_id and e.section_id == 87)


def _fresh(run: JobRun) -> JobRun:
    db.session.expire_all()
    return db.session.get(JobRun, run.id)


def test_the_page_of_a_run_whose_job_was_lost_queues_it_again(client, login, transferred_121, sim, work,
                                                              htmx_headers):
    login()
    run = _withdraw("C0030")
    lost = run.rq_job_id
    _restart_redis()

    page = client.get(f"{RUNS}/{run.id}", headers=htmx_headers).get_data(as_text=True)

    run = _fresh(run)
    assert run.status == "queued" and run.rq_job_id != lost and _job_exists(run.rq_job_id)
    assert REQUEUED in page
    work()
    assert _fresh(run).status == "finished" and _canvas_state(sim, "C0030") == "completed"


def test_a_change_that_would_join_a_run_whose_job_was_lost_queues_it_again(transferred_121, sim, work):
    run = _withdraw("C0030")
    _restart_redis()

    joined = _withdraw("C0031")

    assert joined.id == run.id and len(joined.params["triggers"]) == 2 and _job_exists(joined.rq_job_id)
    work()
    assert _fresh(run).status == "finished"
    assert (_canvas_state(sim, "C0030"), _canvas_state(sim, "C0031")) == ("completed", "completed")


def test_apply_ends_a_run_whose_job_was_lost_and_does_the_work_itself(client, login, transferred_121, sim, work):
    login()
    lost = _withdraw("C0030")
    _restart_redis()

    client.post("/occurrences/121/canvas/enrolments/apply")
    work()

    lost = _fresh(lost)
    assert lost.status == "failed" and lost.message == (
        "Stopped before it began: its job was lost from the queue (Redis restarted or was emptied). Nothing was "
        "done; a new run took over.")
    newest = db.session.scalar(select(JobRun).where(JobRun.kind == sync.KIND).order_by(JobRun.id.desc()))
    assert newest.id != lost.id and newest.status == "finished" and _canvas_state(sim, "C0030") == "completed"


def test_the_nightly_sweep_queues_again_a_run_nobody_watches(transferred_121, sim, work):
    run_id = _withdraw("C0030").id
    _restart_redis()

    nightly_sync()

    run = db.session.get(JobRun, run_id)
    assert (run.status, run.message) == ("queued", REQUEUED) and _job_exists(run.rq_job_id)
    work()
    assert _fresh(run).status == "finished"


def test_a_run_whose_job_ended_before_it_began_ends_saying_so(client, login, transferred_121, htmx_headers):
    login()
    run = _withdraw("C0030")
    Job.fetch(run.rq_job_id, connection=job_queue().connection).set_status(JobStatus.FAILED)  # its work horse died

    client.get(f"{RUNS}/{run.id}", headers=htmx_headers)

    run = _fresh(run)
    assert run.status == "failed" and run.message == (
        "Stopped before it began: the worker's job for it ended first (the worker's log says why). Nothing was "
        "done; start it again.")


def test_a_lost_job_is_queued_again_once_however_many_notice_it(app):
    queue = job_queue()
    first, second = requeue_run(7, "lost-job", [121, 122]), requeue_run(7, "lost-job", [121, 122])

    assert first == second
    assert sorted(Job.fetch(job_id, connection=queue.connection).args for job_id in queue.job_ids) == \
        [(7, 121), (7, 122)]
