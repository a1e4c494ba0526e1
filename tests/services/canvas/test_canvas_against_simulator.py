"""The client against the Canvas simulator over real HTTP: many threads, throttling, injected faults."""

from datetime import UTC, datetime, timedelta

from canvas_sim.testing import running_simulator
from webapp.services.canvas import Backoff, CanvasClient, ConcurrencyLimiter, Module, StaticToken

COURSE, SECTION = 55, 87
STUDENTS = range(2001, 2301)
# Module 9006 has 101 items: Canvas leaves them out of the module list, so the client pages them.
MODULES = {9001: 2, 9002: 3, 9003: 1, 9004: 2, 9005: 4, 9006: 101}
TOKEN = "7~integration-test-admin-token"
EPOCH = datetime(2026, 10, 5, tzinfo=UTC)


def _expected(student: int, module: int) -> tuple[str, datetime | None]:
    match (student + module) % 4:
        case 0:
            return "completed", EPOCH + timedelta(minutes=student % 97, hours=module % 24)
        case 1:
            return "started", None
        case _:
            return "unlocked", None


def _seed() -> dict:
    progress = [{"user_id": s, "module_id": m, "state": state, "completed_at": at and at.isoformat()}
                for s in STUDENTS for m in MODULES for state, at in [_expected(s, m)] if state != "unlocked"]
    return {
        "account": {"id": 1, "name": "Test RTO"},
        "users": [{"id": 1, "name": "Integration Admin", "login_id": "admin@rto.test", "admin": True,
                   "tokens": [TOKEN]},
                  *({"id": s, "name": f"Student {s}", "login_id": f"s{s}@rto.test", "sis_user_id": f"C{s}"}
                    for s in STUDENTS)],
        "courses": [{"id": COURSE, "name": "WHS Cert IV", "sections": [{"id": SECTION, "name": "WHS",
                                                                          "sis_section_id": "121"}],
                     "modules": [{"id": m, "name": f"Module {m}", "items": [f"Page {n}" for n in range(count)]}
                                 for m, count in MODULES.items()]}],
        "enrollments": [{"user_id": s, "section_id": SECTION, "type": "StudentEnrollment", "state": "active"}
                        for s in STUDENTS],
        "module_states": progress,
    }


def _fetch_everyone(canvas_client: CanvasClient, threads: int) -> dict:
    section = canvas_client.get_section_by_sis_id("121")
    students = [e.user_id for e in canvas_client.list_section_enrollments(section.id, states=["active"],
                                                                    types=["StudentEnrollment"])]
    return dict(canvas_client.run_concurrently(
        lambda user_id: canvas_client.get_student_module_states(section.course_id, user_id),
        students, max_workers=threads))


def _assert_every_state_correct(results: dict) -> None:
    assert sorted(results) == list(STUDENTS)
    for student, modules in results.items():
        assert isinstance(modules, list), f"user {student}: {modules}"
        assert [m.id for m in modules] == list(MODULES)
        for module in modules:
            _assert_module(student, module)


def _assert_module(student: int, module: Module) -> None:
    state, completed_at = _expected(student, module.id)
    assert (module.state, module.completed_at) == (state, completed_at), f"user {student}, module {module.id}"
    assert [item.position for item in module.items] == list(range(1, MODULES[module.id] + 1))
    if state == "completed":
        assert all(item.completion_requirement.completed for item in module.items)


def test_16_threads_under_throttling_lose_nothing():
    # Canvas's bucket scaled so the run takes seconds, not minutes, yet cannot avoid the
    # throttle, however fast or slow the machine: every request holds the up-front 50 units
    # while it runs, so three in flight at once already pass the high-water mark of 120. The
    # limiter is told not to slow down on a low X-Rate-Limit-Remaining (low_water=0), only on
    # 403s, so it keeps meeting the throttle instead of steering clear of it.
    with running_simulator(seed=_seed(), latency_ms=5, throttle_hwm=120, throttle_maximum=200,
                           throttle_outflow=1000, request_cost=10) as sim:
        with CanvasClient(sim.url, StaticToken(sim.admin_token), backoff=Backoff(base=0.02, cap=0.5),
                          limiter=ConcurrencyLimiter(8, low_water=0)) as client:
            results = _fetch_everyone(client, threads=16)

        counters = sim.counters()

    _assert_every_state_correct(results)
    assert counters["throttled"] > 0, "the run should have met Canvas's throttle"


def test_10_percent_injected_faults_still_return_every_state():
    # Canvas charges a request its CPU and database seconds, mostly far below the simulator's
    # default of one unit; at that cost this run stays clear of the throttle tested above.
    with running_simulator(seed=_seed(), latency_ms=1, fault_rate=0.1, slow_ms=400, random_seed=7,
                           request_cost=0.05) as sim:
        # A read timeout below slow_ms turns the simulator's slow answers into timeouts to retry.
        with CanvasClient(sim.url, StaticToken(sim.admin_token), timeout=(2, 0.25), max_attempts=10,
                          backoff=Backoff(base=0.01, cap=0.2)) as client:
            results = _fetch_everyone(client, threads=16)

        faults = sim.counters()["faults"]

    _assert_every_state_correct(results)
    assert set(faults) == {"500", "502", "503", "drop", "slow", "malformed"}
