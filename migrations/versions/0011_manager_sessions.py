"""manager sessions: a server-side record of each signed-in manager, so signing out ends it

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-29

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'manager_session',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_manager_session_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_manager_session')),
    )
    op.create_index(op.f('ix_manager_session_user_id'), 'manager_session', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_manager_session_user_id'), table_name='manager_session')
    op.drop_table('manager_session')
