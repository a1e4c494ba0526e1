"""The demo seed mirrors the demo SMS data; the CLI and the embedding API expose the simulator."""

import json

import requests

from canvas_sim.__main__ import parse_args
from canvas_sim.testing import running_simulator
from webapp.services.setup import demo_data


def test_demo_course_mirrors_occurrence_121(simulation):
    state = simulation.state
    [section] = [s for s in state.sections.values() if s.sis_section_id == "121"]
    course = state.courses[section.course_id]
    occurrence = next(o for o in demo_data.OCCURRENCES if o[0] == 121)
    assert course.name == occurrence[1]
    unit_names = {f"{code} {name}" for code, name in demo_data.UNITS if code in occurrence[6]}
    task_names = {task[0] for task in occurrence[7]}
    module_names = {m.name for m in state.course_modules(course)}
    assert unit_names | task_names <= module_names
    assert any(m.unlock_at for m in state.course_modules(course))
    assert all(len([i for i in m.items if i.requirement]) >= 2 for m in state.course_modules(course))


def test_demo_users_mirror_the_enrolled_clients(simulation):
    clients = {c["code"]: c for c in demo_data.clients()}
    logins = {login.unique_id: login for login in simulation.state.logins.values()}
    for code, with_sis_id in (("C0025", True), ("C0026", False), ("C0027", True)):
        login = logins[clients[code]["email"]]
        assert login.sis_user_id == (code if with_sis_id else None)
        user = simulation.state.users[login.user_id]
        assert user.name == f"{clients[code]['first_name']} {clients[code]['last_name']}"
    assert 25 in demo_data.ENROLMENTS[121] and 27 in demo_data.ENROLMENTS[121]


def test_seed_from_a_file(tmp_path, make_sim_app):
    seed = tmp_path / "scenario.json"
    seed.write_text(json.dumps({"courses": [{"id": 3, "name": "Tiny"}]}))
    assert make_sim_app(str(seed)).extensions["canvas_sim"].state.courses[3].name == "Tiny"


def test_cli_flags_are_the_settings():
    args = parse_args(["--port", "9000", "--seed", "x.json", "--latency-ms", "25", "--fault-kinds", "500,drop",
                       "--no-throttle-enabled", "--token-ttl", "60"])
    assert (args.port, args.seed, args.latency_ms, args.fault_kinds, args.throttle_enabled, args.token_ttl) == (
        9000, "x.json", "25", "500,drop", False, "60")
    assert parse_args([]).throttle_hwm == 600.0


def test_embedding_api(sim_clock):
    with running_simulator(seed="demo", clock=sim_clock, token_ttl=60) as sim:
        assert sim.url.startswith("http://127.0.0.1:")
        assert sim.developer_key == ("10000000000001", "canvaslink-demo-secret")
        headers = {"Authorization": f"Bearer {sim.admin_token}"}
        sim.set_module_state(1001, 902, "completed")
        assert sim.state.progress[(1001, 902)].state == "completed"
        sim.configure(fault_rate=1, fault_kinds="503")
        assert requests.get(f"{sim.url}/api/v1/users/self", headers=headers, timeout=5).status_code == 503
        assert sim.simulation.settings.token_ttl == 60
        counters = sim.counters()
        assert counters["requests"] == {"GET /api/v1/users/:id": 1} and counters["faults"] == {"503": 1}
