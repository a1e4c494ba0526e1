"""SMS core, sign-in and security manager

Revision ID: 0001_sms_core
Revises: 
Create Date: 2026-11-26 19:34:44.771860

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001_sms_core'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('first_name', sa.String(length=80), nullable=False),
    sa.Column('last_name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('canvas_user_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client')),
    sa.UniqueConstraint('code', name=op.f('uq_client_code'))
    )
    op.create_table('enrolment_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('status_type', sa.Enum('ACTIVE', 'COMPLETED', 'CANCELLED', 'WITHDRAWN', name='statustype', native_enum=False, length=20), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_status')),
    sa.UniqueConstraint('name', name=op.f('uq_enrolment_status_name'))
    )
    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_remote_addr'), ['remote_addr'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_username'), ['username'], unique=False)

    op.create_table('occurrence_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('status_type', sa.Enum('ACTIVE', 'COMPLETED', 'CANCELLED', 'WITHDRAWN', name='statustype', native_enum=False, length=20), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occurrence_status')),
    sa.UniqueConstraint('name', name=op.f('uq_occurrence_status_name'))
    )
    op.create_table('result_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('national_outcome_id', sa.Integer(), nullable=False),
    sa.Column('is_final', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_type')),
    sa.UniqueConstraint('name', name=op.f('uq_result_type_name'))
    )
    op.create_table('role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role')),
    sa.UniqueConstraint('name', name=op.f('uq_role_name'))
    )
    op.create_table('task_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_complete', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_status')),
    sa.UniqueConstraint('name', name=op.f('uq_task_status_name'))
    )
    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit')),
    sa.UniqueConstraint('code', name=op.f('uq_unit_code'))
    )
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('username', name=op.f('uq_user_username'))
    )
    op.create_table('occurrence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('program_name', sa.String(length=200), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('status_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['status_id'], ['occurrence_status.id'], name=op.f('fk_occurrence_status_id_occurrence_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occurrence'))
    )
    op.create_table('role_permission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_role_permission_role_id_role'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_permission')),
    sa.UniqueConstraint('role_id', 'entity', 'action', name=op.f('uq_role_permission_role_id'))
    )
    op.create_table('user_role',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['role.id'], name=op.f('fk_user_role_role_id_role'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_role_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role_id', name=op.f('pk_user_role'))
    )
    op.create_table('enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('status_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_enrolment_client_id_client')),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrence.id'], name=op.f('fk_enrolment_occurrence_id_occurrence')),
    sa.ForeignKeyConstraint(['status_id'], ['enrolment_status.id'], name=op.f('fk_enrolment_status_id_enrolment_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment')),
    sa.UniqueConstraint('client_id', 'occurrence_id', name=op.f('uq_enrolment_client_id'))
    )
    op.create_table('occurrence_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrence.id'], name=op.f('fk_occurrence_unit_occurrence_id_occurrence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_occurrence_unit_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occurrence_unit')),
    sa.UniqueConstraint('occurrence_id', 'unit_id', name=op.f('uq_occurrence_unit_occurrence_id'))
    )
    op.create_table('task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrence.id'], name=op.f('fk_task_occurrence_id_occurrence'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task')),
    sa.UniqueConstraint('occurrence_id', 'name', name=op.f('uq_task_occurrence_id'))
    )
    op.create_table('enrolment_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('task_status_id', sa.Integer(), nullable=True),
    sa.Column('status_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_enrolment_task_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_enrolment_task_task_id_task'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['task_status_id'], ['task_status.id'], name=op.f('fk_enrolment_task_task_status_id_task_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_task')),
    sa.UniqueConstraint('enrolment_id', 'task_id', name=op.f('uq_enrolment_task_enrolment_id'))
    )
    op.create_table('task_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('starts', sa.Boolean(), nullable=False),
    sa.Column('completes', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_unit_task_id_task'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_task_unit_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_unit')),
    sa.UniqueConstraint('task_id', 'unit_id', name=op.f('uq_task_unit_task_id'))
    )
    op.create_table('training_plan_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('planned_start', sa.Date(), nullable=True),
    sa.Column('planned_end', sa.Date(), nullable=True),
    sa.Column('result_type_id', sa.Integer(), nullable=True),
    sa.Column('result_start', sa.Date(), nullable=True),
    sa.Column('result_end', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_training_plan_unit_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_type_id'], ['result_type.id'], name=op.f('fk_training_plan_unit_result_type_id_result_type')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_training_plan_unit_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_plan_unit')),
    sa.UniqueConstraint('enrolment_id', 'unit_id', name=op.f('uq_training_plan_unit_enrolment_id'))
    )


def downgrade():
    op.drop_table('training_plan_unit')
    op.drop_table('task_unit')
    op.drop_table('enrolment_task')
    op.drop_table('task')
    op.drop_table('occurrence_unit')
    op.drop_table('enrolment')
    op.drop_table('user_role')
    op.drop_table('role_permission')
    op.drop_table('occurrence')
    op.drop_table('user')
    op.drop_table('unit')
    op.drop_table('task_status')
    op.drop_table('role')
    op.drop_table('result_type')
    op.drop_table('occurrence_status')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_username'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_remote_addr'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_at'))

    op.drop_table('login_attempt')
    op.drop_table('enrolment_status')
    op.drop_table('client')
