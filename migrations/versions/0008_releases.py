"""releases: managers read frozen, audited sets of tables instead of live counts

The per-user differencing guard (seen_group) goes: a release is audited for
every user at once, and against every earlier release of its run.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'release',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=200), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('content', sa.JSON(), nullable=True),
        sa.Column('audit', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['survey_run.id'], name=op.f('fk_release_run_id_survey_run')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_release')),
        sa.UniqueConstraint('run_id', 'number', name=op.f('uq_release_run_id_number')),
    )
    op.create_index(op.f('ix_release_run_id'), 'release', ['run_id'], unique=False)
    op.drop_index(op.f('ix_seen_group_user_id'), table_name='seen_group')
    op.drop_table('seen_group')


def downgrade() -> None:
    op.create_table(
        'seen_group',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=80), nullable=False),
        sa.Column('filters', sa.String(length=500), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_seen_group_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_seen_group')),
        sa.UniqueConstraint('user_id', 'scope', 'filters', 'size', name=op.f('uq_seen_group_user_id_scope_filters_size')),
    )
    op.create_index(op.f('ix_seen_group_user_id'), 'seen_group', ['user_id'], unique=False)
    op.drop_index(op.f('ix_release_run_id'), table_name='release')
    op.drop_table('release')
