"""Alembic is the only way the schema is made: it must build exactly what the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from webapp.extensions import db
from webapp.models import Base


def test_migrations_create_every_table_of_the_models(app):
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


# SQLAlchemy reflects no expression index on SQLite; the index's effect is tested in test_run_starts.py.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index uq_job_run_live")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index 'uq_job_run_live'")
def test_models_and_migrations_do_not_drift(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], f"the models changed without a migration: {differences}"
