"""Job run heartbeat

Revision ID: 0005_job_heartbeat
Revises: 0004_result_transfer
Create Date: 2026-11-26 20:21:07.577622

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_job_heartbeat'
down_revision = '0004_result_transfer'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')

