"""outgoing emails: each invitation's and reminder's status, so no invitation vanishes silently

One row per email of a run: queued, deferred, sent, failed (with a plain reason) or replaced (sent
again with a new link). Keyed by invitation id, with no address, name or link; deleting an invitation
or a run deletes its emails.

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-08

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0022'
down_revision: Union[str, Sequence[str], None] = '0020'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'outgoing_email',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=False),
        sa.Column('template', sa.String(length=30), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('problem', sa.String(length=20), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=True),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('may_have_arrived', sa.Boolean(), nullable=False),
        sa.Column('queued_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'],
                                name=op.f('fk_outgoing_email_invitation_id_invitation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['run_id'], ['survey_run.id'], name=op.f('fk_outgoing_email_run_id_survey_run'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_email')),
    )
    op.create_index('ix_outgoing_email_run_id_status', 'outgoing_email', ['run_id', 'status'], unique=False)
    op.create_index(op.f('ix_outgoing_email_invitation_id'), 'outgoing_email', ['invitation_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_outgoing_email_invitation_id'), table_name='outgoing_email')
    op.drop_index('ix_outgoing_email_run_id_status', table_name='outgoing_email')
    op.drop_table('outgoing_email')
