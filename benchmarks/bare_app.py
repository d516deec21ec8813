"""The bare endpoint the respondent's submit is measured against (issue 12): Flask and SQLAlchemy Core only.

POST /submit with a `token` writes the same rows the app's submit writes for the
benchmark's questionnaire answers (one response, its answers, one used link) in
one transaction, and nothing else: no session, no CSRF, no draft, no templates.
Served by gunicorn exactly as the app is (`gunicorn benchmarks.bare_app:app`).
BARE_DATABASE_URL is the app's database (the benchmark's schema); BARE_ROWS a
JSON file of the answer rows, written by load.py from the same answers.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid

from flask import Flask, request
from sqlalchemy import MetaData, Table, create_engine, insert

engine = create_engine(os.environ["BARE_DATABASE_URL"], pool_pre_ping=True)
metadata = MetaData()
response = Table("response", metadata, autoload_with=engine)
answer = Table("answer", metadata, autoload_with=engine)
used_link = Table("used_link", metadata, autoload_with=engine)
with open(os.environ["BARE_ROWS"]) as rows_file:
    ROWS = json.load(rows_file)  # {"run_id", "team_id", "answers": [[question, ordinal, option, number, text], ...]}

app = Flask(__name__)


@app.post("/submit")
def submit() -> tuple[str, int]:
    token = request.form["token"]
    response_id = uuid.uuid4().hex
    with engine.begin() as connection:
        connection.execute(insert(used_link).values(key=hashlib.sha256(f"used:{token}".encode()).hexdigest(),
                                                    run_id=ROWS["run_id"], team_id=ROWS["team_id"]))
        connection.execute(insert(response).values(id=response_id, run_id=ROWS["run_id"], team_id=ROWS["team_id"]))
        connection.execute(insert(answer), [
            {"response_id": response_id, "question_id": q, "ordinal": o, "option": opt, "number": num, "text": txt}
            for q, o, opt, num, txt in ROWS["answers"]])
    return "stored", 201
