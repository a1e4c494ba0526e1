"""Seeing what goes on: a module's name when it was mapped (to spot renames in Canvas), and the
right to read the audit log, granted to every role that may already read roles and permissions.

Revision ID: 0010_oversight
Revises: 0009_download_canvas_state
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_oversight'
down_revision = '0009_download_canvas_state'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('canvas_module') as batch:
        batch.add_column(sa.Column('mapped_name', sa.String(length=255), nullable=True))
    # Existing mappings were made under the name they have now.
    op.execute("UPDATE canvas_module SET mapped_name = name WHERE unit_id IS NOT NULL OR task_id IS NOT NULL")
    op.execute("INSERT INTO role_permission (role_id, entity, action) SELECT role_id, 'audit_entry', 'view' "
               "FROM role_permission WHERE entity = 'role' AND action = 'view'")


def downgrade():
    op.execute("DELETE FROM role_permission WHERE entity = 'audit_entry'")
    with op.batch_alter_table('canvas_module') as batch:
        batch.drop_column('mapped_name')
