"""single sign-on matches a person by issuer and subject together, not by subject alone

A subject (`sub`) is unique only within its issuer (OpenID Connect Core 2), so each account linked by
single sign-on now keeps the issuer too, and the pair is unique. Accounts already linked were linked
through the issuer configured now: they get `OIDC_ISSUER` from the environment the migration runs in
(the app's). Where it is not set, their subjects are cleared instead: each person is linked again, by
verified email address, the next time they sign in, as at their first single sign-on.

Going down keeps the subjects of the configured issuer (all of them where it is not set) and clears
any other, so the old unique subject holds.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-09

"""
import os
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0023'
down_revision: Union[str, Sequence[str], None] = '0022'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

users = sa.table('user_account', sa.column('oidc_issuer', sa.String), sa.column('oidc_sub', sa.String))


def _issuer() -> str:
    return os.environ.get('OIDC_ISSUER', '').strip()


def upgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('oidc_issuer', sa.String(length=500), nullable=True))
        batch.drop_constraint('uq_user_account_oidc_sub', type_='unique')
        batch.create_unique_constraint(op.f('uq_user_account_oidc_issuer_oidc_sub'), ['oidc_issuer', 'oidc_sub'])
    linked = users.c.oidc_sub.is_not(None)
    if _issuer():
        op.execute(users.update().where(linked).values(oidc_issuer=_issuer()))
    else:
        op.execute(users.update().where(linked).values(oidc_sub=None))


def downgrade() -> None:
    if _issuer():
        op.execute(users.update().where(users.c.oidc_issuer != _issuer()).values(oidc_sub=None))
    else:
        # Subjects of different issuers may be equal: keep one account's, clear the others'.
        op.execute(sa.text(
            "UPDATE user_account SET oidc_sub = NULL WHERE oidc_sub IS NOT NULL AND id <> "
            "(SELECT MIN(other.id) FROM user_account AS other WHERE other.oidc_sub = user_account.oidc_sub)"))
    with op.batch_alter_table('user_account') as batch:
        batch.drop_constraint(op.f('uq_user_account_oidc_issuer_oidc_sub'), type_='unique')
        batch.create_unique_constraint('uq_user_account_oidc_sub', ['oidc_sub'])
        batch.drop_column('oidc_issuer')
