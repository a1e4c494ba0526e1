"""Results staff can trust: where every saved result came from, modules without requirements,
and every result type that is not an in-progress one is final.

Revision ID: 0008_result_decisions
Revises: 0007_session_version
Create Date: 2026-12-01 11:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_result_decisions'
down_revision = '0007_session_version'
branch_labels = None
depends_on = None

# National outcomes that end a unit: Not yet competent and Withdrawn were seeded as not final,
# so automatic transfers replaced them (issue 11).
_FINAL_OUTCOMES = (30, 40)


def upgrade():
    with op.batch_alter_table('result_provenance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=10), nullable=False, server_default='canvas'))
        batch_op.add_column(sa.Column('replaced_decision', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.alter_column('canvas_modules', existing_type=sa.Text(), nullable=True)
        batch_op.alter_column('canvas_state', existing_type=sa.String(length=20), nullable=True)
    with op.batch_alter_table('canvas_module', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requirement_count', sa.Integer(), nullable=True))
    result_type = sa.table('result_type', sa.column('national_outcome_id', sa.Integer),
                           sa.column('is_final', sa.Boolean))
    op.execute(result_type.update().where(result_type.c.national_outcome_id.in_(_FINAL_OUTCOMES))
               .values(is_final=True))


def downgrade():
    with op.batch_alter_table('canvas_module', schema=None) as batch_op:
        batch_op.drop_column('requirement_count')
    with op.batch_alter_table('result_provenance', schema=None) as batch_op:
        batch_op.alter_column('canvas_state', existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column('canvas_modules', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('replaced_decision')
        batch_op.drop_column('source')
