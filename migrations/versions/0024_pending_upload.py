"""pending uploads: a staff list waiting for its admin to confirm new teams, kept on the server

A list naming teams the council does not have used to ride back to the server base64-encoded
in a form field, and a list over about 190 KB was refused as too large. It now waits in this
table under the hash of a random id, for one admin and one run, and is deleted on confirm,
cancel, after an hour, or with its run or admin.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-10

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0024'
down_revision: Union[str, Sequence[str], None] = '0023'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'pending_upload',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['survey_run.id'],
                                name=op.f('fk_pending_upload_run_id_survey_run'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_pending_upload_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_pending_upload')),
    )
    op.create_index(op.f('ix_pending_upload_run_id'), 'pending_upload', ['run_id'], unique=False)
    op.create_index(op.f('ix_pending_upload_user_id'), 'pending_upload', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_pending_upload_user_id'), table_name='pending_upload')
    op.drop_index(op.f('ix_pending_upload_run_id'), table_name='pending_upload')
    op.drop_table('pending_upload')
