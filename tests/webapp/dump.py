"""Everything a database and the app's folders hold, as text to search: what a person who copied them would read.

`stored(app)` reads every table of the test's database, whichever tables exist (PostgreSQL: every table of the
test's schema, as `pg_dump` of that schema would; SQLite: `iterdump()`, the SQL that rebuilds the file), and
every file under the app's folders (the theme engine's cache and the outbox). A stored file
or a binary value is opened as its program would: a Word document is unzipped, a PDF's text and its
decompressed streams are read, so a word kept inside a committee report is found.

`where(found, word)` says where a word is (table and column, or file), case-insensitively.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import inspect, text


WHOLE = {"sqlite iterdump", "pg_dump"}  # the whole database as one text, beside its tables' columns


def expand(value: Any) -> str:
    """A stored value as text, with Word documents, PDFs and zip files opened."""
    if value is None:
        return ""
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
        if data.startswith(b"PK\x03\x04"):
            with zipfile.ZipFile(io.BytesIO(data)) as packed:
                return "\n".join(expand(packed.read(name)) for name in packed.namelist())
        if data.startswith(b"%PDF"):
            return _pdf(data)
        return data.decode("utf-8", errors="replace")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _pdf(data: bytes) -> str:
    import pikepdf
    from pypdf import PdfReader

    pages = [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]
    streams = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for found in pdf.objects:
            if isinstance(found, pikepdf.Stream):
                try:
                    streams.append(found.read_bytes().decode("latin-1"))
                except pikepdf.PdfError:
                    continue
    return "\n".join(pages + streams)


def tables(app: Flask) -> dict[str, str]:
    """{"table.column": every value of that column, as text} for every table in the database."""
    engine = app.extensions["surveyapp.engine"]
    found: dict[str, str] = {}
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            names = conn.scalars(text("SELECT table_name FROM information_schema.tables "
                                      "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")).all()
        else:
            names = inspect(conn).get_table_names()
        for name in names:
            result = conn.execute(text(f'SELECT * FROM "{name}"'))
            columns = list(result.keys())
            values: dict[str, list[str]] = {column: [] for column in columns}
            for row in result:
                for column, value in zip(columns, row):
                    values[column].append(expand(value))
            for column in columns:
                found[f"{name}.{column}"] = "\n".join(values[column])
        if engine.dialect.name == "sqlite":
            raw = conn.connection.driver_connection
            found["sqlite iterdump"] = "\n".join(raw.iterdump())
        else:
            found["pg_dump"] = _pg_dump(conn)
    return found


def _pg_dump(conn: Any) -> str:
    """The schema as `pg_dump` writes it (data included), when the tool is installed: a second reader."""
    import shutil
    import subprocess

    if shutil.which("pg_dump") is None:
        return ""
    schema = conn.scalar(text("SELECT current_schema()"))
    url = conn.engine.url
    done = subprocess.run(["pg_dump", "--data-only", f"--schema={schema}", "-h", url.host or "127.0.0.1",
                           "-p", str(url.port or 5432), "-U", url.username or os.environ.get("USER", "postgres"),
                           url.database or "test"], capture_output=True, check=True)
    return done.stdout.decode("utf-8", errors="replace")


def files(*folders: str | Path) -> dict[str, str]:
    """{"file path": its content as text} for every file under the folders."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")) if Path(folder).exists() else []:
            if path.is_file():
                found[str(path)] = expand(path.read_bytes())
    return found


def stored(app: Flask) -> dict[str, str]:
    """Every table and every file the app keeps (the theme engine's cache and the outbox)."""
    folders = {app.config.get("THEMES_CACHE_DIR"), app.config.get("OUTBOX_DIR")}
    return {**tables(app), **files(*sorted(f for f in folders if f))}


def where(found: dict[str, str], word: str) -> list[str]:
    lowered = word.lower()
    return sorted(place for place, content in found.items() if lowered in content.lower())
