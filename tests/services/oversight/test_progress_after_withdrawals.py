"""The Progress picture shows every student as last read from Canvas, with the day each was read:
withdrawals (whose progress is staged in a run of their own before their access ends) and later
downloads (of Active students only) do not hide the others."""

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.canvas_fixtures import canvas_user_of
from tests.services.result_transfer.test_result_transfer import _download
from webapp.extensions import db
from webapp.models import Client, Enrolment, EnrolmentStatus
from webapp.services.integrations.secrets import encrypt
from webapp.services.sms.enrolments import update_enrolment

# Four at once: more would be a mass change the guard holds for a person to confirm.
LEAVING = ("C0026", "C0029", "C0031", "C0033")


def _rows(html: str) -> dict[str, str]:
    """Each row of the picture by its student: the row's text."""
    body = html.split('<table class="progress-grid">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr><th scope="row"><a href="/enrolments/\d+">([^<]+)</a>(.*?)</tr>', body, re.S)
    return {name: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rest)) for name, rest in rows}


def test_the_picture_keeps_every_student_after_withdrawals_and_later_downloads(client, login, transferred_121,
                                                                                sim, work):
    staff = login()
    sim.set_module_state(canvas_user_of("C0027"), 905, "completed", datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc))
    _download(client)
    withdrawn = db.session.scalar(select(EnrolmentStatus).where(EnrolmentStatus.name == "Withdrawn"))
    for code in LEAVING:
        enrolment = db.session.scalar(select(Enrolment).join(Client).where(Client.code == code,
                                                                           Enrolment.occurrence_id == 121))
        update_enrolment(enrolment, start_date=enrolment.start_date, end_date=enrolment.end_date, status=withdrawn,
                         actor_id=staff.id)
    db.session.commit()
    work()  # the sync stages the four students' progress in a run of their own, then ends their access

    today = datetime.now(ZoneInfo("Australia/Sydney")).strftime("%d/%m/%Y")
    rows = _rows(client.get("/occurrences/121/progress").get_data(as_text=True))
    assert len(rows) == 16, f"the picture shows {len(rows)} students"
    assert sum("Withdrawn" in text for text in rows.values()) == 4
    assert all(f"Read {today}" in text for text in rows.values())

    sim.set_module_state(canvas_user_of("C0025"), 907, "started")
    _download(client)  # reads the 12 Active students only
    html = client.get("/occurrences/121/progress").get_data(as_text=True)
    rows = _rows(html)
    assert len(rows) == 16 and sum("Withdrawn" in text for text in rows.values()) == 4
    assert "BSBWHS414: Started" in rows["Ella Wright"]  # the newest read of an Active student
    assert "BSBWHS413: Started" in rows["Matilda Scott"] and "completed 02/11/2026" in rows["Matilda Scott"]

    transferred_121.integration.access_token_enc = encrypt("revoked in Canvas")
    db.session.commit()
    _download(client)  # every read fails: the picture keeps what was read before, and says why it is not newer
    rows = _rows(client.get("/occurrences/121/progress").get_data(as_text=True))
    assert len(rows) == 16 and "BSBWHS414: Started" in rows["Ella Wright"]
    assert "Download failed" not in rows["Ella Wright"] and "Canvas rejected the integration" in rows["Ella Wright"]
