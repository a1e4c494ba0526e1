"""Clients: a Canvas user id typed on a client is checked against Canvas before it is saved."""

from sqlalchemy import select

from ..extensions import db
from ..models import LmsIntegration
from . import DomainError
from .canvas import CanvasError, NotFound
from .integrations import canvas_client


def check_canvas_user_id(previous: int | None, canvas_user_id: int | None) -> None:
    """Refuse, naming the reason, a Canvas user id that no configured Canvas knows: enrolment
    transfer would enrol whoever has it. An unchanged or empty id needs no check."""
    if canvas_user_id is None or canvas_user_id == previous:
        return
    integrations = db.session.scalars(select(LmsIntegration).order_by(LmsIntegration.name)).all()
    if not integrations:
        raise DomainError("There is no LMS integration to check this Canvas user id against: add one under "
                          "Manage › LMS integrations first, or leave the id empty.", "canvas_user_id")
    reasons = []
    for integration in integrations:
        try:
            with canvas_client(integration, timeout=(5, 15), max_attempts=2, max_throttle_wait=30) as client:
                client.get_user(canvas_user_id)
            return
        except NotFound:
            reasons.append(f"{integration.name} ({integration.base_url}) has no user with id {canvas_user_id}")
        except (CanvasError, DomainError) as err:
            reasons.append(f"{integration.name} could not be asked: {getattr(err, 'message', None) or err}")
    raise DomainError(f"Canvas user id {canvas_user_id} was not saved: {'; '.join(reasons)}. Check the id in "
                      "Canvas (People › the student › the number in the address).", "canvas_user_id")
