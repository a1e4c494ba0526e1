"""canvaslink web application: `create_app(config)` wires extensions, blueprints and CLI."""

import os

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import config as config_module
from . import instance_files, request_limits
from .extensions import csrf, db, htmx, login_manager, migrate


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=config_module.instance_path(),
                instance_relative_config=True)
    app.config.update(config_module.DEFAULTS)
    app.config.update(config_module.from_environment(app.instance_path))
    app.config.update(config or {})
    instance_files.make_private(app.instance_path, app.config["SQLALCHEMY_DATABASE_URI"])
    from . import logs, metrics
    logs.init_app(app, observe=metrics.observe_request)  # first: every request gets its id and its line
    request_limits.init_app(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)

    from . import security_headers, web
    from .services.canvas_sync import listen
    listen.connect()
    web.init_app(app)
    if not app.testing:  # the tests read log records themselves
        logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    security_headers.init_app(app)

    from .cli import register_cli
    register_cli(app)
    return app


@event.listens_for(Engine, "connect")
def _sqlite_enforce_foreign_keys(dbapi_connection, connection_record):
    """SQLite ignores foreign keys unless asked on every connection; PostgreSQL always checks.
    WAL lets the web app read while the worker writes."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
