"""One live run per kind and scope, as a fact of the database: a partial unique index over the
queued and running runs, so two starts that both read "none under way" cannot both insert one. A
run started beside a live one (a sync queued by a change while another runs, progress staged while a
download runs) names it in `beside_id`, and one may go beside each.

Live duplicates already made are ended first: the newest of each kind and scope goes on, the older
ones end as failed and say why.

Revision ID: 0013_one_live_run
Revises: 0012_canvas_sync
Create Date: 2026-12-04 12:00:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_one_live_run'
down_revision = '0012_canvas_sync'
branch_labels = None
depends_on = None

LIVE = "status IN ('queued', 'running')"


def upgrade():
    op.get_bind().execute(sa.text(
        "UPDATE job_run SET status = 'failed', finished_at = :now, message = :message "
        f"WHERE {LIVE} AND EXISTS (SELECT 1 FROM job_run AS newer WHERE newer.kind = job_run.kind "
        "AND coalesce(newer.occurrence_id, 0) = coalesce(job_run.occurrence_id, 0) "
        f"AND newer.{LIVE} AND newer.id > job_run.id)"
    ).bindparams(sa.bindparam('now', datetime.now(UTC).replace(tzinfo=None), type_=sa.DateTime()),
                 message="Stopped: a newer run of the same work was under way, and only one may be. What it did "
                         "is kept; the newer run goes on."))
    # Added in place: rebuilding job_run on SQLite would drop it, and with it (by cascade) every run's items.
    op.add_column('job_run', sa.Column('beside_id', sa.Integer(), nullable=True))
    op.create_index('uq_job_run_live', 'job_run',
                    ['kind', sa.text('coalesce(occurrence_id, 0)'), sa.text('coalesce(beside_id, 0)')], unique=True,
                    postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE))


def downgrade():
    op.drop_index('uq_job_run_live', table_name='job_run')
    op.drop_column('job_run', 'beside_id')
