"""a heartbeat on report jobs, as on theme analyses and releases

A worker writing a committee report writes `heartbeat_at` every few seconds; a
report still queued or running whose heartbeat has stopped lost its worker and
is marked failed by the reaper, so it never stays "being written" for ever.
Claiming a report also sets it, atomically, so two workers never write the same one.

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-06

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0020'
down_revision: Union[str, Sequence[str], None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
