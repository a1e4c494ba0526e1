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
    # Plain ADD/DROP COLUMN, no batch copy: a copy of a table referring to job_run reflects its expression index.
    op.add_column('enrolment_transfer', sa.Column('last_activity_at', sa.DateTime(), nullable=True))
    op.add_column('enrolment_transfer', sa.Column('total_activity_seconds', sa.Integer(), nullable=True))
    op.add_column('enrolment_transfer', sa.Column('activity_read_at', sa.DateTime(), nullable=True))
    op.add_column('enrolment_transfer', sa.Column('activity_withheld', sa.Boolean(), nullable=False,
                                                  server_default=sa.false()))
    op.add_column('lms_integration', sa.Column('quiet_days', sa.Integer(), nullable=False, server_default='14'))
    op.add_column('result_provenance', sa.Column('date_source', sa.Text(), nullable=True))


def downgrade():
    op.drop_column('result_provenance', 'date_source')
    op.drop_column('lms_integration', 'quiet_days')
    op.drop_column('enrolment_transfer', 'activity_withheld')
    op.drop_column('enrolment_transfer', 'activity_read_at')
    op.drop_column('enrolment_transfer', 'total_activity_seconds')
    op.drop_column('enrolment_transfer', 'last_activity_at')
