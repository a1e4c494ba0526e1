"""A token Canvas rejects, whose renewal fails too, is said in red where staff look (the LMS
integrations list, the integration's page, the home page) with *Authorise again*; and a download
that failed for everyone says so instead of "Downloaded … for 16 students". A call that works
again clears it."""

import html
import re
from datetime import timedelta

from webapp.extensions import db
from webapp.models import LmsIntegration
from webapp.services.clock import utcnow
from webapp.services.integrations.secrets import encrypt

REJECTED = "⚠ Canvas rejected the token"


def _revoked(integration: LmsIntegration, sim) -> LmsIntegration:
    """An integration authorised with OAuth whose tokens Canvas no longer knows (revoked there)."""
    client_id, secret = sim.developer_key
    integration.client_id, integration.client_secret_enc = client_id, encrypt(secret)
    integration.access_token_enc, integration.refresh_token_enc = encrypt("revoked-access"), encrypt("revoked-refresh")
    integration.token_expires_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    return integration


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def test_a_rejected_token_is_shown_on_the_health_pages_until_a_call_works(client, login, transferred_121,
                                                                            integration, sim):
    login()
    _revoked(integration, sim)
    download = client.post("/occurrences/121/canvas/results/download")
    review = _text(client.get(download.headers["Location"]))
    assert "Download failed for all 16 students. One of them: Canvas rejected the integration's access token" in review
    assert "Downloaded" not in review

    listing = _text(client.get("/manage/lms-integrations/"))
    assert "Token rejected" in listing and REJECTED in listing and "Renews itself" not in listing
    assert "renewing it failed. What Canvas said Canvas rejected the integration's access token" in listing
    assert "refused to issue an access token" in listing  # what Canvas said when asked for a new one
    assert "Authorise again" in listing
    page = _text(client.get(f"/manage/lms-integrations/{integration.id}"))
    assert REJECTED in page and "renewing it failed: Canvas rejected the integration's access token" in page
    assert "Authorise again" in page
    home = _text(client.get("/"))
    assert f"{REJECTED} of Demo Canvas" in home and "Authorise again" in home

    again = client.post(f"/manage/lms-integrations/{integration.id}/edit", data={"step": "2"})
    assert re.search(rf"/manage/lms-integrations/{integration.id}/edit/[^/]+/2$", again.headers["Location"])
    assert "Authorise with Canvas" in client.get(again.headers["Location"]).get_data(as_text=True)

    integration.access_token_enc = encrypt(sim.admin_token)  # Canvas takes the token again
    db.session.commit()
    client.post(f"/manage/lms-integrations/{integration.id}/rights")
    listing = _text(client.get("/manage/lms-integrations/"))
    assert REJECTED not in listing and "Token rejected" not in listing and "Authorised" in listing
    assert REJECTED not in _text(client.get("/"))
