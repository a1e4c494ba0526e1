"""The Canvas REST API under /api/v1, one blueprint per area; every call needs a token."""

from urllib.parse import unquote

from flask import Blueprint
from werkzeug.routing import BaseConverter

from ..auth import authenticate
from . import courses, enrollments, logins, modules, users

api = Blueprint("api", __name__, url_prefix="/api/v1")
api.before_request(authenticate)
for child in (courses.bp, modules.bp, users.bp, logins.bp, enrollments.bp):
    api.register_blueprint(child)


class CanvasIdConverter(BaseConverter):
    """One path segment of the still-encoded path (see network.raw_path), decoded here.

    An unescaped `.` is refused as Rails refuses it (it starts a format), so a client
    that forgets to write `%2E` gets the 404 it would get from Canvas.
    """
    regex = "[^/.]+"

    def to_python(self, value: str) -> str:
        return unquote(value)
