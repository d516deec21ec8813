"""organisation, audit log, retention: retired and merged teams, an append-only audit log, retention
periods per council, when a run closed and when retention deleted its answers; invitations' names and
emails can be erased (the row stays for response rates)

Revision ID: 0014
Revises: 0008
Create Date: 2026-12-06

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'audit_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('council_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor', sa.String(length=320), nullable=False),
        sa.Column('action', sa.String(length=60), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=True),
        sa.Column('scope', sa.String(length=300), nullable=True),
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    )
    op.create_index(op.f('ix_audit_event_action'), 'audit_event', ['action'], unique=False)
    op.create_index('ix_audit_event_council_id_at', 'audit_event', ['council_id', 'at'], unique=False)
    _append_only()
    with op.batch_alter_table('council') as batch:
        batch.add_column(sa.Column('retention_years', sa.Integer(), server_default='3', nullable=False))
        batch.add_column(sa.Column('leaver_name_days', sa.Integer(), server_default='90', nullable=False))
    with op.batch_alter_table('survey_run') as batch:
        batch.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('data_deleted_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('redaction_names', sa.JSON(), nullable=True))
    with op.batch_alter_table('team') as batch:
        batch.add_column(sa.Column('retired_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_team_merged_into_id_team'), 'team', ['merged_into_id'], ['id'])
    with op.batch_alter_table('invitation') as batch:
        batch.alter_column('name', existing_type=sa.String(length=200), nullable=True)
        batch.alter_column('email', existing_type=sa.String(length=320), nullable=True)


def _append_only() -> None:
    """The database itself refuses to change or delete an audit event, whatever the app does."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$")
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
        return
    for change in ('UPDATE', 'DELETE'):
        op.execute(f"CREATE TRIGGER audit_event_no_{change.lower()} BEFORE {change} ON audit_event "
                   "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")


def downgrade() -> None:
    with op.batch_alter_table('invitation') as batch:
        batch.alter_column('email', existing_type=sa.String(length=320), nullable=False)
        batch.alter_column('name', existing_type=sa.String(length=200), nullable=False)
    with op.batch_alter_table('team') as batch:
        batch.drop_constraint(op.f('fk_team_merged_into_id_team'), type_='foreignkey')
        batch.drop_column('merged_into_id')
        batch.drop_column('retired_on')
    with op.batch_alter_table('survey_run') as batch:
        batch.drop_column('data_deleted_on')
        batch.drop_column('redaction_names')
        batch.drop_column('closed_on')
    with op.batch_alter_table('council') as batch:
        batch.drop_column('leaver_name_days')
        batch.drop_column('retention_years')
    op.drop_index('ix_audit_event_council_id_at', table_name='audit_event')
    op.drop_index(op.f('ix_audit_event_action'), table_name='audit_event')
    op.drop_table('audit_event')  # its triggers go with it
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION audit_event_append_only()")
