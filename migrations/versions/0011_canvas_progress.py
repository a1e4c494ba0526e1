"""Incremental result downloads: each enrolment's last course-level counters from Canvas and the
module states read with them, so that students who have not progressed are not read again.

Revision ID: 0011_canvas_progress
Revises: 0010_oversight
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_canvas_progress'
down_revision = '0010_oversight'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'canvas_progress',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('canvas_course_id', sa.Integer(), nullable=False),
        sa.Column('requirement_count', sa.Integer(), nullable=False),
        sa.Column('requirement_completed_count', sa.Integer(), nullable=False),
        sa.Column('completed_at', sa.DateTime(), nullable=True),
        sa.Column('states', sa.JSON(), nullable=False),
        sa.Column('states_fetched_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('enrolment_id'),
    )


def downgrade():
    op.drop_table('canvas_progress')
