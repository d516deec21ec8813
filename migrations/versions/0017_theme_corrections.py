"""theme corrections: the principal social worker's moves, renames, merges and splits of themes, per council
and question, kept as labelled examples for the council's later analyses

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0017'
down_revision: Union[str, Sequence[str], None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'theme_correction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('council_id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('questionnaire_key', sa.String(length=80), nullable=False),
        sa.Column('question_id', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=True),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('theme', sa.String(length=80), nullable=True),
        sa.Column('themes', sa.JSON(), nullable=True),
        sa.Column('label', sa.String(length=200), nullable=True),
        sa.Column('made_by_id', sa.Integer(), nullable=False),
        sa.Column('made_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['council_id'], ['council.id'], name=op.f('fk_theme_correction_council_id_council')),
        sa.ForeignKeyConstraint(['made_by_id'], ['user_account.id'],
                                name=op.f('fk_theme_correction_made_by_id_user_account')),
        sa.ForeignKeyConstraint(['run_id'], ['survey_run.id'], name=op.f('fk_theme_correction_run_id_survey_run')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_correction')),
    )
    op.create_index('ix_theme_correction_council_question', 'theme_correction',
                    ['council_id', 'questionnaire_key', 'question_id'], unique=False)
    op.create_index(op.f('ix_theme_correction_run_id'), 'theme_correction', ['run_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_theme_correction_run_id'), table_name='theme_correction')
    op.drop_index('ix_theme_correction_council_question', table_name='theme_correction')
    op.drop_table('theme_correction')
