"""Canvas exceptions lists the students who should have lost their Canvas access and still have it,
because ending it keeps failing: withdrawn (or removed from the occurrence) here, active in Canvas."""

import csv
import io

from tests.helpers import run_queued_jobs
from tests.services.canvas_sync.test_canvas_sync import _canvas_state, _enrolment, _set_status
from webapp.extensions import db
from webapp.jobs import nightly_sync
from webapp.services.oversight.exceptions import exception_list
from webapp.services.sms.enrolments import delete_enrolment

KIND = "Access not ended in Canvas"


def _listed(client) -> list[list[str]]:
    exported = client.get("/canvas-exceptions.csv?kind=access_not_ended").get_data().decode("utf-8-sig")
    return [row for row in csv.reader(io.StringIO(exported))][1:]


def test_students_whose_access_could_not_be_ended_are_listed_until_it_is(client, login, app, redis_url,
                                                                          transferred_121, sim):
    admin = login()
    sim.configure(fault_rate=1.0, fault_kinds="503")  # Canvas is down while they leave
    _set_status("C0038", "Withdrawn", admin.id)
    delete_enrolment(_enrolment("C0039"), admin.id)
    db.session.commit()
    run_queued_jobs(app, redis_url)

    page = client.get("/canvas-exceptions?kind=access_not_ended").get_data(as_text=True)
    assert KIND in page
    listed = {row[2]: row for row in _listed(client)}
    assert set(listed) == {"Hamish Cooper (C0038)", "Aaliyah Morris (C0039)"}
    withdrawn, removed = listed["Hamish Cooper (C0038)"], listed["Aaliyah Morris (C0039)"]
    assert withdrawn[0] == KIND and withdrawn[1] == "121"
    assert withdrawn[3].startswith("Withdrawn here, still active in Canvas: ") and "error 503" in withdrawn[3]
    assert "the next sync tries again" in withdrawn[3] and withdrawn[4]  # since the last try
    assert removed[3].startswith("Removed from the occurrence here, still active in Canvas")
    assert f'href="/enrolments/{_enrolment("C0038").id}">Hamish Cooper (C0038)' in page

    sim.configure(fault_rate=0)
    nightly_sync()  # Canvas is back: the night's sync ends their access
    assert _canvas_state(sim, "C0038") == "completed"
    assert exception_list(121, "access_not_ended") == []
