"""The last token failure of an LMS integration: when Canvas rejected its token and renewing it
failed, and what Canvas said, so that the integration's health says so until a call works again.

Revision ID: 0021_token_failure
Revises: 0020_guard_per_day
Create Date: 2026-12-06 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_token_failure'
down_revision = '0020_guard_per_day'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lms_integration') as batch:
        batch.add_column(sa.Column('token_failed_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('token_failure', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('lms_integration') as batch:
        batch.drop_column('token_failure')
        batch.drop_column('token_failed_at')
