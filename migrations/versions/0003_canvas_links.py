"""Canvas links, modules, enrolment transfers and job runs

Revision ID: 0003_canvas_links
Revises: 0002_lms_integrations
Create Date: 2026-11-26 19:56:20.078296

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_canvas_links'
down_revision = '0002_lms_integrations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('rq_job_id', sa.String(length=64), nullable=True),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrence.id'], name=op.f('fk_job_run_occurrence_id_occurrence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by_id'], ['user.id'], name=op.f('fk_job_run_started_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run'))
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_run_kind'), ['kind'], unique=False)

    op.create_table('occurrence_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=True),
    sa.Column('canvas_course_id', sa.Integer(), nullable=False),
    sa.Column('canvas_course_name', sa.String(length=255), nullable=False),
    sa.Column('canvas_section_id', sa.Integer(), nullable=False),
    sa.Column('canvas_section_name', sa.String(length=255), nullable=False),
    sa.Column('linked_at', sa.DateTime(), nullable=False),
    sa.Column('linked_by_id', sa.Integer(), nullable=True),
    sa.Column('modules_updated_at', sa.DateTime(), nullable=True),
    sa.Column('unlinked_at', sa.DateTime(), nullable=True),
    sa.Column('unlinked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['integration_id'], ['lms_integration.id'], name=op.f('fk_occurrence_link_integration_id_lms_integration'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['linked_by_id'], ['user.id'], name=op.f('fk_occurrence_link_linked_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrence.id'], name=op.f('fk_occurrence_link_occurrence_id_occurrence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unlinked_by_id'], ['user.id'], name=op.f('fk_occurrence_link_unlinked_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occurrence_link'))
    )
    with op.batch_alter_table('occurrence_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_occurrence_link_occurrence_id'), ['occurrence_id'], unique=False)

    op.create_table('canvas_module',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('canvas_module_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('unlock_at', sa.DateTime(), nullable=True),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('unit_auto', sa.Boolean(), nullable=False),
    sa.Column('task_auto', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['occurrence_link.id'], name=op.f('fk_canvas_module_link_id_occurrence_link'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_canvas_module_task_id_task'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_canvas_module_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_canvas_module')),
    sa.UniqueConstraint('link_id', 'canvas_module_id', name=op.f('uq_canvas_module_link_id'))
    )
    op.create_table('enrolment_transfer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('canvas_user_id', sa.Integer(), nullable=False),
    sa.Column('canvas_enrollment_id', sa.Integer(), nullable=False),
    sa.Column('canvas_state', sa.String(length=20), nullable=False),
    sa.Column('transferred_at', sa.DateTime(), nullable=False),
    sa.Column('transferred_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_enrolment_transfer_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['link_id'], ['occurrence_link.id'], name=op.f('fk_enrolment_transfer_link_id_occurrence_link'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transferred_by_id'], ['user.id'], name=op.f('fk_enrolment_transfer_transferred_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_transfer')),
    sa.UniqueConstraint('enrolment_id', name=op.f('uq_enrolment_transfer_enrolment_id'))
    )
    op.create_table('job_run_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['job_run.id'], name=op.f('fk_job_run_item_run_id_job_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run_item')),
    sa.UniqueConstraint('run_id', 'item_key', name=op.f('uq_job_run_item_run_id'))
    )


def downgrade():
    op.drop_table('job_run_item')
    op.drop_table('enrolment_transfer')
    op.drop_table('canvas_module')
    with op.batch_alter_table('occurrence_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_occurrence_link_occurrence_id'))

    op.drop_table('occurrence_link')
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_run_kind'))

    op.drop_table('job_run')
