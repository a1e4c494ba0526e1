"""Engagement: each transferred enrolment's last activity and total activity time in Canvas, and
when they were read; an integration's number of days after which a student has gone quiet; where a
result's date came from (a withdrawal's finish date: the last Canvas activity, today, or typed).

Revision ID: 0022_engagement
Revises: 0021_token_failure
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_engagement'
down_revision = '0021_token_failure'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrolment_transfer') as batch:
        batch.add_column(sa.Column('last_activity_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('total_activity_seconds', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('activity_read_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('lms_integration') as batch:
        batch.add_column(sa.Column('quiet_days', sa.Integer(), nullable=False, server_default='14'))
    with op.batch_alter_table('result_provenance') as batch:
        batch.add_column(sa.Column('date_source', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('result_provenance') as batch:
        batch.drop_column('date_source')
    with op.batch_alter_table('lms_integration') as batch:
        batch.drop_column('quiet_days')
    with op.batch_alter_table('enrolment_transfer') as batch:
        batch.drop_column('activity_read_at')
        batch.drop_column('total_activity_seconds')
        batch.drop_column('last_activity_at')
