"""What a report is made of: headings, paragraphs, tables and charts, every figure already written as text.

The section builders make these; the renderers (Word, HTML, PDF) only lay them
out. A table's cells are strings, so a renderer cannot show a figure the
builders did not write, nor write one differently from another format.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2  # 1 is the report's title


@dataclass(frozen=True)
class Paragraph:
    text: str
    small: bool = False  # notes under a table


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Quote:
    text: str


@dataclass(frozen=True)
class Table:
    caption: str
    head: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = frozenset()  # columns right-aligned as numbers

    def column(self, title: str) -> dict[str, str]:
        """First cell of each row -> the cell under `title` (for tests and text alternatives)."""
        i = self.head.index(title)
        return {row[0]: row[i] for row in self.rows}


@dataclass(frozen=True)
class Chart:
    """A picture of a table: drawn from `figure`'s numbers, described by `alt`, followed by `table`."""

    title: str
    alt: str
    figure: object  # charts.Diverging or charts.Trend
    table: Table


Block = Heading | Paragraph | Bullets | Quote | Table | Chart


@dataclass
class Report:
    title: str
    subtitle: str
    blocks: list[Block] = field(default_factory=list)

    def tables(self) -> dict[str, Table]:
        """Every table by caption, charts' tables included."""
        found = {}
        for block in self.blocks:
            table = block.table if isinstance(block, Chart) else block
            if isinstance(table, Table):
                found[table.caption] = table
        return found

    def headings(self) -> list[str]:
        return [b.text for b in self.blocks if isinstance(b, Heading)]
