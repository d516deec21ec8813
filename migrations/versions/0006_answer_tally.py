"""answer tally: counts of each run's answers, kept on submit, so results pages need not count millions of answers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The tally of responses already stored, counted as surveyapp.tally.rebuild does (written out here,
# so this migration keeps working whatever later becomes of the app's code).
TEAM = "COALESCE(r.team_id, 0)"
VALUE = "COALESCE(a.option, CAST(a.number AS VARCHAR(80)))"
BY = "b.response_id = r.id AND b.question_id IN ('role', 'contract', 'years_in_role') AND b.option IS NOT NULL"
ANSWER = "a.response_id = r.id AND (a.option IS NOT NULL OR a.number IS NOT NULL)"
COLUMNS = "INSERT INTO answer_tally (run_id, question_id, by_question, by_option, team_id, value, count) "
FILL = [
    f"SELECT r.run_id, '', '', '', {TEAM}, '', COUNT(*) FROM response r GROUP BY r.run_id, {TEAM}",
    f"SELECT r.run_id, '', b.question_id, b.option, {TEAM}, '', COUNT(*) FROM response r JOIN answer b ON {BY} "
    f"GROUP BY r.run_id, b.question_id, b.option, {TEAM}",
    f"SELECT r.run_id, a.question_id, '', '', {TEAM}, {VALUE}, COUNT(*) FROM response r JOIN answer a ON {ANSWER} "
    f"GROUP BY r.run_id, a.question_id, {TEAM}, {VALUE}",
    f"SELECT r.run_id, a.question_id, b.question_id, b.option, {TEAM}, {VALUE}, COUNT(*) "
    f"FROM response r JOIN answer b ON {BY} JOIN answer a ON {ANSWER} "
    f"GROUP BY r.run_id, a.question_id, b.question_id, b.option, {TEAM}, {VALUE}",
]


def upgrade() -> None:
    op.create_table(
        'answer_tally',
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('by_question', sa.String(length=80), nullable=False),
        sa.Column('question_id', sa.String(length=80), nullable=False),
        sa.Column('by_option', sa.String(length=80), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('value', sa.String(length=80), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['survey_run.id'], name=op.f('fk_answer_tally_run_id_survey_run')),
        # On PostgreSQL the key's index carries the count too, so results are read from the index alone.
        sa.PrimaryKeyConstraint('run_id', 'by_question', 'question_id', 'by_option', 'team_id', 'value',
                                name=op.f('pk_answer_tally'), postgresql_include=['count']),
    )
    for select in FILL:
        op.execute(COLUMNS + select)


def downgrade() -> None:
    op.drop_table('answer_tally')
