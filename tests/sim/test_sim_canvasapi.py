"""A Canvas client written elsewhere (canvasapi) reads the simulator over real HTTP.

If canvasapi, which was written against real Canvas, can read the simulator, the
simulator's paths, id encoding, JSON and pagination are Canvas's, not only ours.
"""

import pytest
from canvasapi import Canvas

from canvas_sim.testing import running_simulator


def test_canvasapi_reads_account_sections_modules_and_users():
    with running_simulator(seed="demo") as sim:
        # The simulator speaks plain HTTP on 127.0.0.1; canvasapi rightly warns about that.
        with pytest.warns(UserWarning, match="HTTPS"):
            canvas = Canvas(sim.url, sim.admin_token)
        account = canvas.get_account(1)
        assert (account.id, account.name, account.parent_account_id) == (1, "Demo RTO", None)

        course = canvas.get_course(55)
        assert [(s.id, s.sis_section_id) for s in course.get_sections()] == [(87, "121")]
        # 11 modules: canvasapi asks for 100 a page, so a page of 5 makes it follow the Link header.
        modules = list(course.get_modules(per_page=5))
        assert [m.id for m in modules] == list(range(901, 912))
        items = list(modules[0].get_module_items())
        assert [i.title for i in items] == ["Course guide", "Introduce yourself", "Student support"]

        user = canvas.get_user("C0025", "sis_user_id")
        assert (user.id, user.name, user.login_id) == (1001, "Ella Wright", "ella.wright@student.example.edu.au")
        assert canvas.get_user("self").id == 1
        assert sim.counters()["requests"]["GET /api/v1/courses/:course_id/modules"] == 3
