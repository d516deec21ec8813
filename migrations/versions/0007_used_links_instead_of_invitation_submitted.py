"""used links instead of invitation.submitted: submitting no longer writes the invitation row

With invitation.submitted flipped in the submission's transaction, PostgreSQL's
own bookkeeping (the xmin of the rows a transaction wrote) tied each invitation
to its response. A used_link row keyed by a different hash of the token, which
the database cannot match to an invitation, now marks the link as used.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'used_link',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['survey_run.id'], name=op.f('fk_used_link_run_id_survey_run')),
        sa.ForeignKeyConstraint(['team_id'], ['team.id'], name=op.f('fk_used_link_team_id_team')),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_used_link')),
    )
    with op.batch_alter_table('used_link', schema=None) as batch_op:
        batch_op.create_index('ix_used_link_run_id_team_id', ['run_id', 'team_id'], unique=False)
    # Links used before this migration are keyed by the invitation's own hash: the app looks for both.
    op.execute("INSERT INTO used_link (key, run_id, team_id) "
               "SELECT token_hash, run_id, team_id FROM invitation WHERE submitted")
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('submitted')
        # Response rates count invitations by team: from the index alone.
        batch_op.drop_index('ix_invitation_run_id')
        batch_op.create_index('ix_invitation_run_id_team_id', ['run_id', 'team_id'], unique=False)


def downgrade() -> None:
    # Only links used before the upgrade can be matched to their invitations again; that is the point.
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index('ix_invitation_run_id_team_id')
        batch_op.create_index('ix_invitation_run_id', ['run_id'], unique=False)
        batch_op.add_column(sa.Column('submitted', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE invitation SET submitted = TRUE WHERE token_hash IN (SELECT key FROM used_link)")
    with op.batch_alter_table('used_link', schema=None) as batch_op:
        batch_op.drop_index('ix_used_link_run_id_team_id')
    op.drop_table('used_link')
