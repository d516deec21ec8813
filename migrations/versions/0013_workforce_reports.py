"""committee reports: workforce figures by service area and year, and report jobs with their files

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'workforce_figures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('council_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('service_area_id', sa.Integer(), nullable=False),
        sa.Column('posts_fte', sa.Float(), nullable=False),
        sa.Column('vacancies_fte', sa.Float(), nullable=False),
        sa.Column('agency_fte', sa.Float(), nullable=False),
        sa.Column('starters_fte', sa.Float(), nullable=False),
        sa.Column('leavers_fte', sa.Float(), nullable=False),
        sa.Column('asye', sa.Integer(), nullable=False),
        sa.Column('average_caseload', sa.Float(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['council_id'], ['council.id'], name=op.f('fk_workforce_figures_council_id_council')),
        sa.ForeignKeyConstraint(['service_area_id'], ['service_area.id'],
                                name=op.f('fk_workforce_figures_service_area_id_service_area')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_workforce_figures')),
        sa.UniqueConstraint('council_id', 'year', 'service_area_id',
                            name=op.f('uq_workforce_figures_council_id_year_service_area_id')),
    )
    op.create_index(op.f('ix_workforce_figures_council_id'), 'workforce_figures', ['council_id'], unique=False)
    op.create_table(
        'report_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('format', sa.String(length=10), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=200), nullable=False),
        sa.Column('requested_by', sa.String(length=200), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('filename', sa.String(length=200), nullable=True),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['survey_run.id'], name=op.f('fk_report_job_run_id_survey_run')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_job')),
    )
    op.create_index(op.f('ix_report_job_run_id'), 'report_job', ['run_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_report_job_run_id'), table_name='report_job')
    op.drop_table('report_job')
    op.drop_index(op.f('ix_workforce_figures_council_id'), table_name='workforce_figures')
    op.drop_table('workforce_figures')
