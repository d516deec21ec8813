"""background jobs on a queue: a heartbeat on theme analyses and releases

A worker that is running a job writes `heartbeat_at` every few seconds; a job
still marked running whose heartbeat has stopped lost its worker (killed,
restarted, out of memory) and is marked failed with a plain reason, so no job
stays "running" for ever. Claiming a release also sets it, atomically, so two
workers never make the same release.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('theme_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('release', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('release', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
    with op.batch_alter_table('theme_job', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
