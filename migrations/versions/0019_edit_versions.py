"""Versions of the records people edit: a save carries the version its form was opened at, and a
save over a newer version is refused. Audit entries keep the version a change left its record at,
so the refusal can say what changed since; a wizard draft keeps the version of the integration it
edits.

Existing records start at version 1; columns are added in place (no table is rebuilt on SQLite).

Revision ID: 0019_edit_versions
Revises: 0018_one_client_per_canvas_user
Create Date: 2026-12-05 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019_edit_versions'
down_revision = '0018_one_client_per_canvas_user'
branch_labels = None
depends_on = None

VERSIONED = ('client', 'unit', 'result_type', 'task_status', 'occurrence', 'enrolment', 'training_plan_unit',
             'enrolment_task', 'lms_integration', 'role', 'canvas_module')


def upgrade():
    for table in VERSIONED:
        op.add_column(table, sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
    op.add_column('audit_entry', sa.Column('record_version', sa.Integer(), nullable=True))
    op.add_column('integration_draft', sa.Column('integration_version', sa.Integer(), nullable=True))


def downgrade():
    # In place as well: SQLite drops a column itself since 3.35, where a rebuilt table would meet the
    # foreign keys that point at it.
    op.drop_column('integration_draft', 'integration_version')
    op.drop_column('audit_entry', 'record_version')
    for table in reversed(VERSIONED):
        op.drop_column(table, 'version')
