"""A download says which students Canvas no longer shows progress for, because their enrolment
ended there (concluded, deactivated), instead of calling it a failure.

Revision ID: 0009_download_canvas_state
Revises: 0008_result_decisions
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_download_canvas_state'
down_revision = '0008_result_decisions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('module_state_download') as batch:
        batch.add_column(sa.Column('canvas_state', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('module_state_download') as batch:
        batch.drop_column('canvas_state')
