"""LMS integrations, wizard drafts and the audit log

Revision ID: 0002_lms_integrations
Revises: 0001_sms_core
Create Date: 2026-11-26 19:45:28.447222

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_lms_integrations'
down_revision = '0001_sms_core'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.String(length=255), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_audit_entry_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)

    op.create_table('lms_integration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=True),
    sa.Column('product', sa.String(length=20), nullable=False),
    sa.Column('transfer_units', sa.Boolean(), nullable=False),
    sa.Column('transfer_tasks', sa.Boolean(), nullable=False),
    sa.Column('base_url', sa.String(length=255), nullable=False),
    sa.Column('account_id', sa.String(length=40), nullable=False),
    sa.Column('client_id', sa.String(length=80), nullable=True),
    sa.Column('client_secret_enc', sa.Text(), nullable=True),
    sa.Column('access_token_enc', sa.Text(), nullable=True),
    sa.Column('refresh_token_enc', sa.Text(), nullable=True),
    sa.Column('token_expires_at', sa.DateTime(), nullable=True),
    sa.Column('token_acts_as', sa.String(length=200), nullable=True),
    sa.Column('enrol_mode', sa.String(length=10), nullable=False),
    sa.Column('limit_to_section', sa.Boolean(), nullable=False),
    sa.Column('notify', sa.Boolean(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('result_on_start', sa.Boolean(), nullable=False),
    sa.Column('result_on_start_type_id', sa.Integer(), nullable=True),
    sa.Column('result_on_complete', sa.Boolean(), nullable=False),
    sa.Column('result_on_complete_type_id', sa.Integer(), nullable=True),
    sa.Column('started_end_months', sa.Integer(), nullable=False),
    sa.Column('task_on_start', sa.Boolean(), nullable=False),
    sa.Column('task_on_start_status_id', sa.Integer(), nullable=True),
    sa.Column('task_on_complete', sa.Boolean(), nullable=False),
    sa.Column('task_on_complete_status_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['result_on_complete_type_id'], ['result_type.id'], name=op.f('fk_lms_integration_result_on_complete_type_id_result_type')),
    sa.ForeignKeyConstraint(['result_on_start_type_id'], ['result_type.id'], name=op.f('fk_lms_integration_result_on_start_type_id_result_type')),
    sa.ForeignKeyConstraint(['task_on_complete_status_id'], ['task_status.id'], name=op.f('fk_lms_integration_task_on_complete_status_id_task_status')),
    sa.ForeignKeyConstraint(['task_on_start_status_id'], ['task_status.id'], name=op.f('fk_lms_integration_task_on_start_status_id_task_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_integration')),
    sa.UniqueConstraint('name', name=op.f('uq_lms_integration_name'))
    )
    op.create_table('integration_draft',
    sa.Column('id', sa.String(length=43), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=True),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('secrets_enc', sa.Text(), nullable=True),
    sa.Column('oauth_state_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['integration_id'], ['lms_integration.id'], name=op.f('fk_integration_draft_integration_id_lms_integration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_integration_draft_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_draft'))
    )
    with op.batch_alter_table('integration_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integration_draft_oauth_state_hash'), ['oauth_state_hash'], unique=False)



def downgrade():
    with op.batch_alter_table('integration_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integration_draft_oauth_state_hash'))

    op.drop_table('integration_draft')
    op.drop_table('lms_integration')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))

    op.drop_table('audit_entry')
