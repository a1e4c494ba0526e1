"""Enrolments stay in step with Canvas: what leaving a class does there, new enrolments transferred
by themselves, changes to a student pushed, the mass-change guard; and, per transferred enrolment,
when and by whom its Canvas state was set, the access canvaslink last gave, a guard's hold and the
last failure. A removed student's transfer outlives the enrolment until their access has ended.

Revision ID: 0012_canvas_sync
Revises: 0011_canvas_progress
Create Date: 2026-12-01 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_canvas_sync'
down_revision = '0011_canvas_progress'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lms_integration') as batch:
        batch.add_column(sa.Column('leave_action', sa.String(length=12), nullable=False, server_default='conclude'))
        batch.add_column(sa.Column('conclude_on_completed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('auto_transfer', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('push_login_changes', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('invitation_days', sa.Integer(), nullable=False, server_default='7'))
        batch.add_column(sa.Column('guard_students', sa.Integer(), nullable=False, server_default='10'))
        batch.add_column(sa.Column('guard_percent', sa.Integer(), nullable=False, server_default='25'))

    with op.batch_alter_table('enrolment_transfer') as batch:
        batch.drop_constraint('fk_enrolment_transfer_enrolment_id_enrolment', type_='foreignkey')
        batch.alter_column('enrolment_id', existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key('fk_enrolment_transfer_enrolment_id_enrolment', 'enrolment', ['enrolment_id'], ['id'],
                                 ondelete='SET NULL')
        batch.add_column(sa.Column('client_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_enrolment_transfer_client_id_client', 'client', ['client_id'], ['id'],
                                 ondelete='SET NULL')
        batch.add_column(sa.Column('canvas_state_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('canvas_state_by', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('refreshed_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('access', sa.String(length=10), nullable=False, server_default='live'))
        batch.add_column(sa.Column('held_run_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_enrolment_transfer_held_run_id_job_run', 'job_run', ['held_run_id'], ['id'],
                                 ondelete='SET NULL')
        batch.add_column(sa.Column('sync_error', sa.Text(), nullable=True))
    # What the transfers made so far knew: their student, and that their state was set by the transfer.
    op.execute("UPDATE enrolment_transfer SET client_id = (SELECT client_id FROM enrolment "
               "WHERE enrolment.id = enrolment_transfer.enrolment_id), canvas_state_at = transferred_at, "
               "canvas_state_by = 'transfer'")


def downgrade():
    op.execute("DELETE FROM enrolment_transfer WHERE enrolment_id IS NULL")
    with op.batch_alter_table('enrolment_transfer') as batch:
        batch.drop_constraint('fk_enrolment_transfer_held_run_id_job_run', type_='foreignkey')
        batch.drop_constraint('fk_enrolment_transfer_client_id_client', type_='foreignkey')
        for column in ('sync_error', 'held_run_id', 'access', 'refreshed_at', 'canvas_state_by', 'canvas_state_at',
                       'client_id'):
            batch.drop_column(column)
        batch.drop_constraint('fk_enrolment_transfer_enrolment_id_enrolment', type_='foreignkey')
        batch.alter_column('enrolment_id', existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key('fk_enrolment_transfer_enrolment_id_enrolment', 'enrolment', ['enrolment_id'], ['id'],
                                 ondelete='CASCADE')
    with op.batch_alter_table('lms_integration') as batch:
        for column in ('guard_percent', 'guard_students', 'invitation_days', 'push_login_changes', 'auto_transfer',
                       'conclude_on_completed', 'leave_action'):
            batch.drop_column(column)
