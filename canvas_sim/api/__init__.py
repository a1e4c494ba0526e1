"""The Canvas REST API under /api/v1, one blueprint per area; every call needs a token.

Route variables carry Canvas's names (`:id`, `:course_id`, ...): the scope of a
route is derived from its rule (scopes.py).
"""

from urllib.parse import unquote

from flask import Blueprint
from werkzeug.routing import BaseConverter

from .. import scopes
from ..auth import authenticate
from . import accounts, assignments, courses, enrollments, logins, modules, submissions, users

api = Blueprint("api", __name__, url_prefix="/api/v1")
api.before_request(authenticate)
api.before_request(scopes.check)
for child in (accounts.bp, courses.bp, modules.bp, users.bp, logins.bp, enrollments.bp, assignments.bp,
              submissions.bp):
    api.register_blueprint(child)


class CanvasIdConverter(BaseConverter):
    """One path segment of the still-encoded path (see network.raw_path), decoded here.

    An unescaped `.` is refused as Rails refuses it (it starts a format), so a client
    that forgets to write `%2E` gets the 404 it would get from Canvas.
    """
    regex = "[^/.]+"

    def to_python(self, value: str) -> str:
        return unquote(value)
