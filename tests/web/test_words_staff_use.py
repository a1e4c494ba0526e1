"""Issue 21 §7, words staff use on the Canvas enrolments pages and the occurrence: Apply is the next
step only when the dry run found changes, the nightly run starts runs "by", equal stagings are one
line with a count, and a read-only user is not led to a transfer they cannot start."""

import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.jobs import nightly_sync
from webapp.models import Client, Enrolment, EnrolmentStatus, JobRun
from webapp.services.clock import utcnow

PAGE = "/occurrences/121/canvas/enrolments"


def _apply_button(page: str) -> str:
    return re.search(r"<button[^>]*>Apply changes in Canvas</button>", page).group(0)


def test_apply_is_not_the_next_step_after_a_dry_run_that_found_nothing(client, login, transferred_121, sim):
    login()
    client.post(f"{PAGE}/refresh")
    page = client.get(PAGE).get_data(as_text=True)
    assert "The last refresh found nothing to change in Canvas." in page
    assert "primary" not in _apply_button(page)

    withdrawn = db.session.scalar(select(EnrolmentStatus).where(EnrolmentStatus.name == "Withdrawn"))
    for enrolment in db.session.scalars(select(Enrolment).join(Client).where(Client.code.in_(["C0036", "C0037"]))):
        enrolment.status = withdrawn  # changed without an announcement: the dry run finds it
    db.session.commit()
    client.post(f"{PAGE}/refresh")
    page = client.get(PAGE).get_data(as_text=True)
    assert "found nothing to change" not in page and 'class="primary"' in _apply_button(page)


def test_the_nightly_run_is_said_to_have_started_the_run(client, login, transferred_121, sim):
    nightly_sync()  # as the schedule runs it: before anyone signs in here (it ends the session it used)
    login()
    page = client.get("/utilities/canvas-enrolments/").get_data(as_text=True)
    assert "Started by the nightly run." in page and "Started because the nightly run" not in page
    client.post(f"{PAGE}/refresh")
    assert re.search(r"Started because [^<]* pressed Refresh from Canvas\.", client.get(PAGE).get_data(as_text=True))


def test_equal_stagings_are_one_line_with_a_count(client, login, transferred_121):
    login()
    at = utcnow().replace(second=10)
    for _ in range(5):
        db.session.add(JobRun(kind="result_download", occurrence_id=121, status="finished", total=1, done=1,
                              created_at=at, params={"before_leaving": True}))
    db.session.commit()
    page = client.get(PAGE).get_data(as_text=True)
    staged = page.split("Module progress staged before access ended")[1].split("</p>")[0]
    shown = re.sub(r"<[^>]*>", "", staged)  # the text, not the links' names
    assert shown.count("1 student") == 1 and "×5" in shown
    assert len(re.findall(r'href="/occurrences/121/canvas/results/runs/\d+"', staged)) == 5  # each still reachable


def test_a_read_only_user_is_not_offered_a_transfer_of_enrolments(client, login, transferred_121):
    login("Read only")
    occurrence = client.get("/occurrences/121").get_data(as_text=True)
    assert "Transfer enrolments to Canvas LMS…" not in occurrence
    assert "Canvas enrolments…" in occurrence  # what they may see is still there
    tabs = client.get("/occurrences/121/canvas/modules").get_data(as_text=True)
    assert "/canvas/transfer\"" not in tabs and ">Canvas enrolments</a>" in tabs
    client.post("/logout")
    login()
    assert "Transfer enrolments to Canvas LMS…" in client.get("/occurrences/121").get_data(as_text=True)
