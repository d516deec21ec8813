"""action plans: "You said / We will / We expect you", commitments and their progress, follow-up questions

Revision ID: 0012
Revises: 0008
Create Date: 2026-11-29

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('survey_run') as batch:
        batch.add_column(sa.Column('follow_up', sa.JSON(), nullable=True))
    op.create_table(
        'action_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('council_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('approved_by', sa.String(length=200), nullable=True),
        sa.Column('approved_at', sa.DateTime(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['council_id'], ['council.id'], name=op.f('fk_action_plan_council_id_council')),
        sa.ForeignKeyConstraint(['run_id'], ['survey_run.id'], name=op.f('fk_action_plan_run_id_survey_run')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plan')),
        sa.UniqueConstraint('run_id', name=op.f('uq_action_plan_run_id')),
    )
    op.create_index(op.f('ix_action_plan_council_id'), 'action_plan', ['council_id'], unique=False)
    op.create_table(
        'action_plan_row',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('you_said', sa.Text(), nullable=False),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('standards', sa.JSON(), nullable=False),
        sa.Column('asks', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['action_plan.id'], name=op.f('fk_action_plan_row_plan_id_action_plan')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plan_row')),
    )
    op.create_index(op.f('ix_action_plan_row_plan_id'), 'action_plan_row', ['plan_id'], unique=False)
    op.create_table(
        'commitment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('row_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=32), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('owner', sa.String(length=200), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['row_id'], ['action_plan_row.id'], name=op.f('fk_commitment_row_id_action_plan_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment')),
        sa.UniqueConstraint('key', name=op.f('uq_commitment_key')),
    )
    op.create_index(op.f('ix_commitment_row_id'), 'commitment', ['row_id'], unique=False)
    op.create_table(
        'commitment_update',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('commitment_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('author', sa.String(length=200), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('status_before', sa.String(length=20), nullable=False),
        sa.Column('status_after', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'],
                                name=op.f('fk_commitment_update_commitment_id_commitment')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_update')),
    )
    op.create_index(op.f('ix_commitment_update_commitment_id'), 'commitment_update', ['commitment_id'], unique=False)
    op.create_table(
        'action_plan_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('author', sa.String(length=200), nullable=False),
        sa.Column('what', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['action_plan.id'], name=op.f('fk_action_plan_event_plan_id_action_plan')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plan_event')),
    )
    op.create_index(op.f('ix_action_plan_event_plan_id'), 'action_plan_event', ['plan_id'], unique=False)
    op.create_table(
        'action_plan_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('author', sa.String(length=200), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['action_plan.id'],
                                name=op.f('fk_action_plan_version_plan_id_action_plan')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plan_version')),
        sa.UniqueConstraint('plan_id', 'number', name=op.f('uq_action_plan_version_plan_id_number')),
    )
    op.create_index(op.f('ix_action_plan_version_plan_id'), 'action_plan_version', ['plan_id'], unique=False)


def downgrade() -> None:
    for table in ('action_plan_version', 'action_plan_event', 'commitment_update', 'commitment', 'action_plan_row',
                  'action_plan'):
        op.drop_table(table)
    with op.batch_alter_table('survey_run') as batch:
        batch.drop_column('follow_up')
