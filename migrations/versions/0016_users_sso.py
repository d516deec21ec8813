"""users in the app and single sign-on: single-use password links (invitations and resets, hashed) and
each account's OpenID Connect subject

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0016'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'password_link',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_password_link_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_password_link')),
    )
    op.create_index(op.f('ix_password_link_user_id'), 'password_link', ['user_id'], unique=False)
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('oidc_sub', sa.String(length=255), nullable=True))
        batch.create_unique_constraint(op.f('uq_user_account_oidc_sub'), ['oidc_sub'])


def downgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.drop_constraint(op.f('uq_user_account_oidc_sub'), type_='unique')
        batch.drop_column('oidc_sub')
    op.drop_index(op.f('ix_password_link_user_id'), table_name='password_link')
    op.drop_table('password_link')
