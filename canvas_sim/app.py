"""The simulator as a Flask app: `create_app(seed="demo", **settings)`."""

from pathlib import Path

from flask import Flask, jsonify, request

from . import admin, admin_grades, errors, oauth
from .api import CanvasIdConverter, api
from .network import SimulatedNetwork
from .simulation import Simulation


def create_app(seed: str | Path | dict | None = "demo", **settings) -> Flask:
    app = Flask(__name__)
    # Canvas's field order reads better in a debugger than sorted keys.
    app.json.sort_keys = False
    app.json.mimetype = "application/json; charset=utf-8"
    app.url_map.converters["cid"] = CanvasIdConverter
    app.extensions["canvas_sim"] = Simulation(seed, **settings)
    app.register_blueprint(api)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_grades.bp)
    app.register_error_handler(errors.CanvasError, _canvas_error)
    app.register_error_handler(404, _no_route)
    app.register_error_handler(405, _no_route)
    app.wsgi_app = SimulatedNetwork(app, app.extensions["canvas_sim"])
    return app


def _canvas_error(error: errors.CanvasError):
    response = jsonify(error.body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def _no_route(error):
    """Canvas answers an unknown API route like an unknown object."""
    if request.path.startswith("/api/"):
        return _canvas_error(errors.not_found())
    return error
