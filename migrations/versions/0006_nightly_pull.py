"""Nightly result transfer settings

Revision ID: 0006_nightly_pull
Revises: 0005_job_heartbeat
Create Date: 2026-11-26 20:24:36.483178

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_nightly_pull'
down_revision = '0005_job_heartbeat'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lms_integration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nightly_pull', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('nightly_start_rule', sa.String(length=20), nullable=True))



def downgrade():
    with op.batch_alter_table('lms_integration', schema=None) as batch_op:
        batch_op.drop_column('nightly_start_rule')
        batch_op.drop_column('nightly_pull')

