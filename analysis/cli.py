"""`python -m analysis themes INPUT.csv ...`: themes from a CSV of comments.

Bad input gets one clear line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import pandas as pd

EXIT_BAD_INPUT = 2
TAXONOMY_CHOICES = ("health-check", "exit", "none")


class BadInput(Exception):
    """Input the user can fix: shown as a one-line message, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description="Offline theme analysis of staff comments.")
    sub = parser.add_subparsers(dest="command", required=True)
    themes = sub.add_parser("themes", help="find themes in a CSV of comments")
    themes.add_argument("input", type=Path, help="CSV file, UTF-8, with a header row")
    themes.add_argument("--text-column", default="text", help="column holding the comments (default: text)")
    themes.add_argument("--taxonomy", choices=TAXONOMY_CHOICES, default="none",
                        help="built-in taxonomy, or 'none' for discovery mode")
    themes.add_argument("--themes", type=int, default=None, metavar="N",
                        help="number of themes in discovery mode (default: found automatically)")
    themes.add_argument("--assignments", type=Path, required=True, help="output CSV: row,theme")
    themes.add_argument("--json", type=Path, default=None, help="output JSON: themes, keywords, quotes, sentiment")
    themes.add_argument("--staff-names", type=Path, default=None, help="text file, one staff name per line, to redact")
    themes.add_argument("--fast", action="store_true",
                        help="int8 model: several times faster to embed, slightly less accurate")
    themes.add_argument("--cache-dir", type=Path, default=None, help="embedding cache (default ~/.cache/surveyapp-themes)")
    return parser


def read_comments(path: Path, column: str) -> list[str]:
    if not path.is_file():
        raise BadInput(f"input file not found: {path}")
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{path} is not UTF-8 text; save it as CSV UTF-8 and try again") from None
    if not raw.strip():
        raise BadInput(f"{path} is empty")
    try:
        # Strings only: a comment "1" or "NA" stays the text the person wrote.
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, csv.Error) as exc:
        raise BadInput(f"{path} is not a readable CSV: {str(exc).splitlines()[0]}") from None
    if column not in frame.columns:
        found = ", ".join(map(str, frame.columns)) or "none"
        raise BadInput(f"column {column!r} not found in {path} (columns: {found})")
    if len(frame) == 0:
        raise BadInput(f"{path} has a header but no rows")
    return frame[column].tolist()


def run_themes(args: argparse.Namespace) -> int:
    if args.themes is not None and args.themes < 1:
        raise BadInput("--themes must be a positive whole number")
    texts = read_comments(args.input, args.text_column)
    staff = _read_staff_names(args.staff_names)
    from analysis.pipeline import analyse_themes  # after validation: bad input fails fast
    taxonomy = None if args.taxonomy == "none" else args.taxonomy
    report = analyse_themes(texts, taxonomy=taxonomy, n_themes=args.themes, staff_names=staff,
                            cache_dir=args.cache_dir, fast=args.fast)
    # One main theme per row, as before; `themes` lists every theme the comment raises, ";"-separated.
    pd.DataFrame({"row": range(len(report.assignments)), "theme": report.assignments,
                  "themes": [";".join(s) for s in report.theme_sets]}).to_csv(args.assignments, index=False)
    if args.json is not None:
        args.json.write_text(report.to_json(), encoding="utf-8")
    _summary(report)
    return 0


def _read_staff_names(path: Path | None) -> list[str] | None:
    if path is None:
        return None
    try:
        return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError):
        raise BadInput(f"cannot read staff names from {path} (a UTF-8 text file, one name per line)") from None


def _summary(report) -> None:
    print(f"{report.n_rows} rows, {report.n_blank} blank; {len(report.themes)} themes ({report.mode} mode, {report.embedding})")
    redacted = ", ".join(f"{n} {kind}" for kind, n in report.redactions.items() if n)
    print(f"redacted: {redacted or 'nothing'}")
    for theme in report.themes:
        print(f"  {theme.id:<24} {theme.size:>5}  {theme.label}")
    for theme in report.emerging_themes:
        print(f"  {theme.id:<24} {theme.size:>5}  (emerging) {theme.label}")
    for note in report.notes:
        print(f"note: {note}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run_themes(args)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # e.g. the output directory does not exist
        print(f"error: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return EXIT_BAD_INPUT
