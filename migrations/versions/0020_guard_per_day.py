"""The mass-change guard counts per integration over a rolling day, not per run: each ending it let
through is kept (`access_ending`) for the count, with whether a person confirmed it. A held student's
transfer keeps when the guard first held them (`held_at`), which Canvas exceptions shows as "Since".

Students held now are taken as held since their holding run started.

Revision ID: 0020_guard_per_day
Revises: 0019_edit_versions
Create Date: 2026-12-08 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_guard_per_day'
down_revision = '0019_edit_versions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'access_ending',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('integration_id', sa.Integer(), nullable=False),
        sa.Column('occurrence_id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('item_key', sa.String(length=40), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('confirmed', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['integration_id'], ['lms_integration.id'],
                                name='fk_access_ending_integration_id_lms_integration', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['occurrence_id'], ['occurrence.id'],
                                name='fk_access_ending_occurrence_id_occurrence', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['run_id'], ['job_run.id'], name='fk_access_ending_run_id_job_run',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_access_ending'),
    )
    op.create_index('ix_access_ending_integration_id', 'access_ending', ['integration_id'])
    op.create_index('ix_access_ending_at', 'access_ending', ['at'])
    # Added in place, as 0013 did: a batch rebuild of the table is not needed for a nullable column.
    op.add_column('enrolment_transfer', sa.Column('held_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE enrolment_transfer SET held_at = (SELECT coalesce(started_at, created_at) FROM job_run "
               "WHERE job_run.id = enrolment_transfer.held_run_id) WHERE held_run_id IS NOT NULL")


def downgrade():
    op.drop_column('enrolment_transfer', 'held_at')
    op.drop_index('ix_access_ending_at', table_name='access_ending')
    op.drop_index('ix_access_ending_integration_id', table_name='access_ending')
    op.drop_table('access_ending')
