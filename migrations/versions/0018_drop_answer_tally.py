"""drop the answer tally: since releases (issue 12) nothing writes or reads it; a release counts the answers

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

"""
import importlib.util
from pathlib import Path
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0018'
down_revision: Union[str, Sequence[str], None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.drop_table('answer_tally')


def downgrade() -> None:
    # Back as 0006 made it: the table, filled from the answers stored (0006's own statements).
    spec = importlib.util.spec_from_file_location("answer_tally_0006", Path(__file__).with_name("0006_answer_tally.py"))
    assert spec and spec.loader
    made = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(made)
    made.upgrade()
