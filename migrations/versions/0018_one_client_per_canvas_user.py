"""One client per Canvas user: a unique index over client.canvas_user_id.

Two clients that already share a Canvas user id cannot both keep it, and nothing here can tell
which of them the Canvas account belongs to. So the id is cleared on each of them, with an audit
entry that keeps the old value and says what to do; their transfers keep their Canvas users and
show under Canvas exceptions as "Shares a Canvas account" until a person sorts it out.

Revision ID: 0018_one_client_per_canvas_user
Revises: 0013_one_live_run
Create Date: 2026-12-05 07:00:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_one_client_per_canvas_user'
down_revision = '0013_one_live_run'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    shared = bind.execute(sa.text(
        "SELECT id, code, canvas_user_id FROM client WHERE canvas_user_id IN ("
        "SELECT canvas_user_id FROM client WHERE canvas_user_id IS NOT NULL "
        "GROUP BY canvas_user_id HAVING count(*) > 1) ORDER BY canvas_user_id, id")).all()
    now = datetime.now(UTC).replace(tzinfo=None)
    audit = sa.table('audit_entry', sa.column('at', sa.DateTime()), sa.column('user_id', sa.Integer()),
                     sa.column('entity', sa.String()), sa.column('entity_id', sa.Integer()),
                     sa.column('action', sa.String()), sa.column('summary', sa.String()),
                     sa.column('changes', sa.JSON()))
    for client_id, code, canvas_user_id in shared:
        others = ", ".join(c for i, c, u in shared if u == canvas_user_id and i != client_id)
        bind.execute(sa.text("UPDATE client SET canvas_user_id = NULL WHERE id = :id"), {"id": client_id})
        bind.execute(audit.insert().values(
            at=now, user_id=None, entity='client', entity_id=client_id, action='edit',
            summary=(f"Canvas user id {canvas_user_id} cleared: clients {others} had it too, and one Canvas "
                     "account belongs to one student. Set it again on the right client after checking in Canvas.")[:255],
            changes={"canvas_user_id": [canvas_user_id, None]}))
    op.create_index('uq_client_canvas_user_id', 'client', ['canvas_user_id'], unique=True)


def downgrade():
    op.drop_index('uq_client_canvas_user_id', table_name='client')
