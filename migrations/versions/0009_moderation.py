"""moderation: the PSW's decisions on quotes, and reviews of safeguarding flags

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'quote_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.String(length=80), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('original', sa.Text(), nullable=False),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'],
                                name=op.f('fk_quote_decision_decided_by_id_user_account')),
        sa.ForeignKeyConstraint(['run_id'], ['survey_run.id'], name=op.f('fk_quote_decision_run_id_survey_run')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_decision')),
    )
    op.create_index('ix_quote_decision_run_id_key', 'quote_decision', ['run_id', 'key'], unique=False)
    op.create_table(
        'concern_review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.String(length=80), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=False),
        sa.Column('reviewed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'],
                                name=op.f('fk_concern_review_reviewed_by_id_user_account')),
        sa.ForeignKeyConstraint(['run_id'], ['survey_run.id'], name=op.f('fk_concern_review_run_id_survey_run')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_concern_review')),
    )
    op.create_index('ix_concern_review_run_id_key', 'concern_review', ['run_id', 'key'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_concern_review_run_id_key', table_name='concern_review')
    op.drop_table('concern_review')
    op.drop_index('ix_quote_decision_run_id_key', table_name='quote_decision')
    op.drop_table('quote_decision')
