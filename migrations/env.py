"""Alembic environment: runs inside the Flask app (flask db ..., flask setup, tests)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
# Keep the app's and pytest's logging as they are when migrating from code.
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

db = current_app.extensions["migrate"].db


def run_migrations_offline():
    context.configure(url=db.engine.url.render_as_string(hide_password=False), target_metadata=db.metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def skip_empty_autogenerate(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logging.getLogger("alembic.env").info("No changes in schema detected.")

    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=db.metadata,
                          process_revision_directives=skip_empty_autogenerate,
                          **current_app.extensions["migrate"].configure_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
