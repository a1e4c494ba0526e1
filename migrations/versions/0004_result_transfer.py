"""Staged module states and result provenance

Revision ID: 0004_result_transfer
Revises: 0003_canvas_links
Create Date: 2026-11-26 20:05:55.709709

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_result_transfer'
down_revision = '0003_canvas_links'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('module_state_download',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('canvas_user_id', sa.Integer(), nullable=False),
    sa.Column('states', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('fetched_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_module_state_download_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrence.id'], name=op.f('fk_module_state_download_occurrence_id_occurrence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['job_run.id'], name=op.f('fk_module_state_download_run_id_job_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_state_download')),
    sa.UniqueConstraint('run_id', 'enrolment_id', name=op.f('uq_module_state_download_run_id'))
    )
    with op.batch_alter_table('module_state_download', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_state_download_run_id'), ['run_id'], unique=False)

    op.create_table('result_provenance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('plan_unit_id', sa.Integer(), nullable=True),
    sa.Column('enrolment_task_id', sa.Integer(), nullable=True),
    sa.Column('integration_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('canvas_modules', sa.Text(), nullable=False),
    sa.Column('canvas_state', sa.String(length=20), nullable=False),
    sa.Column('canvas_completed_at', sa.DateTime(), nullable=True),
    sa.Column('previous', sa.String(length=255), nullable=False),
    sa.Column('saved', sa.String(length=255), nullable=False),
    sa.Column('processed_by_id', sa.Integer(), nullable=True),
    sa.Column('processed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_result_provenance_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enrolment_task_id'], ['enrolment_task.id'], name=op.f('fk_result_provenance_enrolment_task_id_enrolment_task'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['integration_id'], ['lms_integration.id'], name=op.f('fk_result_provenance_integration_id_lms_integration'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_unit_id'], ['training_plan_unit.id'], name=op.f('fk_result_provenance_plan_unit_id_training_plan_unit'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['processed_by_id'], ['user.id'], name=op.f('fk_result_provenance_processed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['job_run.id'], name=op.f('fk_result_provenance_run_id_job_run'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_provenance'))
    )
    with op.batch_alter_table('result_provenance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_provenance_enrolment_id'), ['enrolment_id'], unique=False)



def downgrade():
    with op.batch_alter_table('result_provenance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_provenance_enrolment_id'))

    op.drop_table('result_provenance')
    with op.batch_alter_table('module_state_download', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_state_download_run_id'))

    op.drop_table('module_state_download')
