"""Assessment grades (issue 24): assignments mapped to tasks per link, the integration's grade rules,
the grades staged with a download, and the grade behind a saved result.

Revision ID: 0023_grades
Revises: 0022_engagement
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_grades'
down_revision = '0022_engagement'
branch_labels = None
depends_on = None

_STATUSES = ('task_on_satisfactory_status_id', 'task_on_not_yet_status_id', 'task_on_submitted_status_id')
_PROVENANCE = (
    ('canvas_assignment', sa.String(255)), ('canvas_grade', sa.String(80)), ('canvas_attempt', sa.Integer()),
    ('canvas_grader_id', sa.Integer()), ('canvas_grader_name', sa.String(255)), ('canvas_graded_at', sa.DateTime()),
    ('canvas_posted_at', sa.DateTime()),
)


def upgrade():
    op.create_table(
        'canvas_assessment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('canvas_assignment_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('published', sa.Boolean(), nullable=False),
        sa.Column('grading_type', sa.String(20), nullable=False),
        sa.Column('points_possible', sa.Double(), nullable=True),
        sa.Column('grading_standard_id', sa.Integer(), nullable=True),
        sa.Column('scheme', sa.JSON(), nullable=True),
        sa.Column('post_manually', sa.Boolean(), nullable=False),
        sa.Column('removed_at', sa.DateTime(), nullable=True),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('task_auto', sa.Boolean(), nullable=False),
        sa.Column('mapped_name', sa.String(255), nullable=True),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(['link_id'], ['occurrence_link.id'], name=op.f('fk_canvas_assessment_link_id_occurrence_link'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_canvas_assessment_task_id_task'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_canvas_assessment')),
        sa.UniqueConstraint('link_id', 'canvas_assignment_id', name=op.f('uq_canvas_assessment_link_id')),
    )
    with op.batch_alter_table('occurrence_link') as batch:
        batch.add_column(sa.Column('assessments_updated_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('lms_integration') as batch:
        batch.add_column(sa.Column('grade_satisfactory_names', sa.Text(), server_default='Satisfactory', nullable=False))
        batch.add_column(sa.Column('grade_not_yet_names', sa.Text(), server_default='Not Yet Satisfactory',
                                   nullable=False))
        batch.add_column(sa.Column('grade_pass_percent', sa.Integer(), server_default='50', nullable=False))
        batch.add_column(sa.Column('grade_released_only', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.add_column(sa.Column('evidence_source', sa.String(10), server_default='both', nullable=False))
        for column in _STATUSES:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch.create_foreign_key(f'fk_lms_integration_{column}_task_status', 'task_status', [column], ['id'])
    with op.batch_alter_table('module_state_download') as batch:
        batch.add_column(sa.Column('grades', sa.JSON(), nullable=True))
    with op.batch_alter_table('result_provenance') as batch:
        for name, kind in _PROVENANCE:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade():
    # Plain DROP COLUMN, no batch copy: a copy of a table referring to job_run reflects its expression index.
    for name, _ in reversed(_PROVENANCE):
        op.drop_column('result_provenance', name)
    op.drop_column('module_state_download', 'grades')
    with op.batch_alter_table('lms_integration') as batch:
        for column in reversed(_STATUSES):
            batch.drop_constraint(f'fk_lms_integration_{column}_task_status', type_='foreignkey')
            batch.drop_column(column)
        for name in ('evidence_source', 'grade_released_only', 'grade_pass_percent', 'grade_not_yet_names',
                     'grade_satisfactory_names'):
            batch.drop_column(name)
    with op.batch_alter_table('occurrence_link') as batch:
        batch.drop_column('assessments_updated_at')
    op.drop_table('canvas_assessment')
