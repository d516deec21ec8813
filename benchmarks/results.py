"""Benchmark of the results pages on a health check run of 50,000 responses. Prints a markdown table.

Issue 4 asks for results pages answering in under 300 ms for a run of 50,000
responses. This script builds such a run (6 service areas, 40 teams, every
question of the built-in health check answered, about 3.5 million answer rows),
signs in through the app's own sign-in page as an admin and as a manager scoped
to one service area, and times the pages through Flask's test client: full
request handling, reading the release (computed first, and timed),
templates and cookies, but no network and no WSGI server.

Run from the repository root with the app's venv:

    .venv/bin/python benchmarks/results.py                 # PostgreSQL and SQLite, then drop both
    .venv/bin/python benchmarks/results.py --postgres      # PostgreSQL only
    .venv/bin/python benchmarks/results.py --keep          # keep the loaded data ...
    .venv/bin/python benchmarks/results.py --reuse         # ... and time again without reloading
    .venv/bin/python benchmarks/results.py --explain       # query plans of each page's slowest query
    .venv/bin/python benchmarks/results.py --previous      # and last year's run, for year-on-year changes
    .venv/bin/python benchmarks/results.py --postgres --reuse \
        --try-index "CREATE INDEX ix_try ON answer (question_id, response_id, option, number)"

--try-index builds a candidate index on the benchmark's own database only, times the
pages with it and drops it again; a real index belongs in an Alembic migration.
The default run takes about 8 minutes on 2 cores (with --previous about 12; loading is most of it).
For one page's profile, see benchmarks/results_profile.py.

PostgreSQL is TEST_POSTGRES_URL (default postgresql://127.0.0.1:5432/test), in a
schema of its own (`bench_…`, dropped at the end unless --keep/--reuse). SQLite is
a file in the temporary directory. Progress goes to stderr; stdout is markdown only.

Data is loaded in bulk (PostgreSQL COPY; SQLite executemany in one transaction);
each run's answers are then counted once as a release counts them (`tally.recount`),
to show what a release spends counting. PostgreSQL then gets VACUUM ANALYZE, as autovacuum would give it soon after a
load this size. SQLite gets no ANALYZE, because the app never runs one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import os
import platform
import random
import re
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import event, select, text  # noqa: E402

from surveyapp import create_app, tally  # noqa: E402
from surveyapp.auth import create_user  # noqa: E402
from surveyapp.cli import upgrade  # noqa: E402
from surveyapp.config import sqlalchemy_url  # noqa: E402
from surveyapp.manage import runs  # noqa: E402
from surveyapp.models import Council, Role, ServiceArea, SurveyRun, Team, UserScope  # noqa: E402
from surveyapp.questionnaires import AGREEMENT_SCALE, Question, builtin  # noqa: E402

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
TARGET_MS = 300
LOAD = os.getloadavg()
PASSWORD = "benchmark password 2026"
SLUG = "bench"
ADMIN_EMAIL = "psw@bench.example"
MANAGER_EMAIL = "manager@bench.example"

# Six service areas, forty teams, as a large council's children's services might have them.
# A weight is a team's share of respondents; an int is an exact count (small teams, so that the
# anonymity rule's suppression is exercised at this size too).
STRUCTURE: dict[str, dict[str, float | int]] = {
    "Front Door and Assessment": {
        "Multi-Agency Safeguarding Hub": 1.4, "Assessment 1": 1.1, "Assessment 2": 1.0, "Assessment 3": 1.0,
        "Assessment 4": 0.9, "Emergency Duty Team": 0.4, "Local Authority Designated Officer": 3,
    },
    "Child in Need and Child Protection": {
        "Safeguarding North 1": 1.2, "Safeguarding North 2": 1.1, "Safeguarding South 1": 1.2,
        "Safeguarding South 2": 1.0, "Safeguarding East": 1.0, "Safeguarding West": 1.1,
        "Court and Pre-Proceedings": 0.8, "Child Exploitation": 0.6, "Private Fostering": 7,
    },
    "Children in Care": {
        "Children in Care 1": 1.1, "Children in Care 2": 1.0, "Children in Care 3": 1.0,
        "Children in Care 4": 0.9, "Fostering Recruitment": 0.6, "Fostering Support": 0.8,
        "Adoption and Permanence": 0.7, "Residential": 1.3,
    },
    "Care Leavers": {
        "Leaving Care North": 0.8, "Leaving Care South": 0.8, "Unaccompanied Young People": 0.5,
        "Staying Put": 0.2,
    },
    "Disabled Children": {
        "Disabled Children 0 to 13": 0.9, "Transitions 14 to 25": 0.6, "Short Breaks": 0.4,
        "Occupational Therapy": 4,
    },
    "Early Help and Quality": {
        "Early Help North": 1.2, "Early Help South": 1.2, "Edge of Care": 0.7,
        "Family Group Conferencing": 0.4, "Independent Reviewing Officers": 0.6, "Quality Assurance": 0.3,
        "Principal Social Worker's Office": 0.1, "Workforce Development": 0.2,
    },
}
MANAGER_AREA = "Child in Need and Child Protection"

ABOUT_YOU = {
    "role": {"nqsw_asye": 10, "social_worker": 45, "senior_practitioner": 20, "practice_supervisor": 15, "other": 10},
    "years_in_role": {"under_1": 15, "one_to_two": 20, "three_to_five": 30, "six_to_ten": 20, "over_ten": 15},
    "contract": {"permanent": 80, "agency_locum": 15, "fixed_term": 5},
    "hours": {"full_time": 85, "part_time": 15},
}
# Strongly agree … strongly disagree, don't know: a team's mood moves answers along the scale.
AGREEMENT_WEIGHTS = {
    -2: (5, 20, 20, 30, 20, 5), -1: (8, 30, 22, 25, 10, 5), 0: (15, 40, 18, 15, 7, 5),
    1: (25, 45, 13, 9, 3, 5), 2: (35, 45, 9, 5, 1, 5),
}
COMMENT_SHARE = 0.4  # of respondents who write something in `biggest_difference`
COMMENT_PARTS = (
    "Lower caseloads so I can spend time with children and families",
    "More admin support for recording and court paperwork",
    "A case management system that does not make me record things twice",
    "Regular reflective supervision that is not cancelled",
    "Fewer changes of manager and more stable teams",
    "Pay that keeps up with neighbouring councils and agencies",
    "Somewhere quiet to make difficult phone calls in the office",
    "Protected time for training and learning",
    "Senior leaders who visit the teams and listen",
    "Better access to legal advice before legal planning meetings",
    "Laptops and phones that work when I am out on visits",
    "Being allowed to take the TOIL I have earned",
    "Fewer agency staff leaving after a few months",
    "Clearer thresholds between early help and social care",
    "Car parking near the office for visits",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# The data ------------------------------------------------------------------------------------

def health_check() -> Any:
    return next(q for q in builtin() if q.key == "health-check")


def team_sizes(team_ids: dict[tuple[str, str], int], responses: int) -> dict[int, int]:
    """Respondents per team: exact counts for the small teams, the rest shared out by weight."""
    exact = {team_ids[(a, t)]: int(w) for a, teams in STRUCTURE.items() for t, w in teams.items() if isinstance(w, int)}
    weights = {team_ids[(a, t)]: w for a, teams in STRUCTURE.items() for t, w in teams.items()
               if not isinstance(w, int)}
    left = responses - sum(exact.values())
    total = sum(weights.values())
    sizes = {t: int(left * w / total) for t, w in weights.items()}
    biggest = max(sizes, key=lambda t: sizes[t])
    sizes[biggest] += left - sum(sizes.values())
    return {**sizes, **exact}


def _cumulative(weights: Any) -> list[float]:
    out, running = [], 0.0
    for w in weights:
        running += w
        out.append(running)
    return out


def responses(sizes: dict[int, int], seed: int) -> Iterator[tuple[str, int, list[tuple[Any, ...]]]]:
    """(response id, team id, [(question id, ordinal, option, number, text)]), deterministically from `seed`.

    Every question of the built-in health check is answered, as `respond.journey` would store it:
    conditional questions only for the people who are shown them, free text for some.
    """
    rng = random.Random(seed)
    questionnaire = health_check()
    questions: list[Question] = [q for q in questionnaire.questions() if q.type != "team"]
    order = [t for t, n in sorted(sizes.items()) for _ in range(n)]
    rng.shuffle(order)
    moods = {t: rng.choice((-2, -1, -1, 0, 0, 0, 1, 1, 2)) for t in sizes}
    agreement_values = [v for v, _ in AGREEMENT_SCALE]
    agreement_cum = {m: _cumulative(w) for m, w in AGREEMENT_WEIGHTS.items()}
    about = {q: (list(w), _cumulative(w.values())) for q, w in ABOUT_YOU.items()}
    staying = (["very_likely", "likely", "unsure", "unlikely", "very_unlikely"], _cumulative((20, 35, 25, 12, 8)))
    supervision = (["weekly", "fortnightly", "monthly", "less_often", "not_received"], _cumulative((5, 25, 50, 17, 3)))
    choices = rng.choices
    for team_id in order:
        rid = uuid.UUID(int=rng.getrandbits(128), version=4).hex
        answers: dict[str, Any] = {}
        rows: list[tuple[Any, ...]] = []
        cum = agreement_cum[moods[team_id]]
        for q in questions:
            if q.show_if is not None and not q.show_if.holds(answers):
                continue
            if q.type == "agreement":
                rows.append((q.id, 0, choices(agreement_values, cum_weights=cum)[0], None, None))
            elif q.type == "single_choice":
                if q.id in about:
                    values, c = about[q.id]
                elif q.id.startswith("stay_"):
                    values, c = staying
                elif q.id == "supervision_frequency":
                    values, c = supervision
                else:
                    values, c = [v for v, _ in q.options], None
                value = choices(values, cum_weights=c)[0]
                answers[q.id] = value
                rows.append((q.id, 0, value, None, None))
            elif q.type == "number":
                if q.id == "children_allocated":
                    mean = 6 if answers.get("role") in ("practice_supervisor", "other") else 17
                    value = round(rng.gauss(mean, 6))
                else:
                    value = round(rng.expovariate(1 / 6))
                rows.append((q.id, 0, None, max(q.min or 0, min(q.max or 80, value)), None))
            elif q.type == "free_text":
                if q.id == "biggest_difference" and rng.random() < COMMENT_SHARE:
                    said = ". ".join(rng.sample(COMMENT_PARTS, rng.choice((1, 1, 2, 3)))) + "."
                    rows.append((q.id, 0, None, None, said))
            else:
                raise ValueError(f"the benchmark does not know how to answer a {q.type} question ({q.id})")
        yield rid, team_id, rows


def invitations(sizes: dict[int, int], seed: int) -> Iterator[tuple[int, str, str, str, str | None]]:
    """(team id, name, email, token hash, used-link key or None): everyone who responded, and some who did not.

    As in the app, a used link's key is a different hash of the token, unrelated to the invitation's."""
    rng = random.Random(seed + 1)
    n = 0
    for team_id, responded in sorted(sizes.items()):
        invited = math.ceil(responded / rng.uniform(0.7, 0.95))
        for i in range(invited):
            n += 1
            token_hash, used_key = "%064x" % rng.getrandbits(256), "%064x" % rng.getrandbits(256)
            yield team_id, f"Staff Member {n}", f"staff{n}@bench.example", token_hash, used_key if i < responded else None


# Databases -----------------------------------------------------------------------------------

@dataclass
class Target:
    name: str  # "PostgreSQL" or "SQLite"
    url: str  # SQLAlchemy URL
    reused: bool = False
    load_seconds: float | None = None
    notes: list[str] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)  # candidate indexes made for this run only
    run_id: int | None = None
    years: int = 1


def pg_connect(schema: str | None = None, autocommit: bool = True) -> psycopg.Connection[Any]:
    options = {"options": f"-csearch_path={schema}"} if schema else {}
    return psycopg.connect(PG_URL, autocommit=autocommit, **options)


def pg_url(schema: str) -> str:
    return sqlalchemy_url(PG_URL) + f"?options=-csearch_path%3D{schema}"


def loaded(target: Target, n: int, years: int) -> int | None:
    """This year's run id if the database already holds a complete benchmark of `years` runs of `n` responses."""
    app = make_app(target.url)
    try:
        with app.extensions["surveyapp.sessionmaker"]() as db:
            found = db.scalars(select(SurveyRun).join(Council).where(Council.slug == SLUG)
                               .order_by(SurveyRun.year)).all()
            if len(found) != years:
                return None
            for run in found:
                if db.scalar(text("SELECT count(*) FROM response WHERE run_id = :r"), {"r": run.id}) != n:
                    return None
            return found[-1].id
    except Exception:  # noqa: BLE001  (no tables yet, or a half-made schema)
        return None
    finally:
        app.extensions["surveyapp.engine"].dispose()


def make_app(url: str) -> Any:
    return create_app({"ENV_NAME": "testing", "TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x" * 40,
                       "BASE_URL": "http://localhost"})


def structure(url: str, n: int, years: int) -> tuple[list[int], dict[int, int]]:
    """Council, service areas, teams, the runs (last year's first) and two users, through the app's own code."""
    app = make_app(url)
    with app.extensions["surveyapp.sessionmaker"]() as db:
        council = Council(name="Benchmark Borough Council", slug=SLUG)
        db.add(council)
        for area_name, teams in STRUCTURE.items():
            area = ServiceArea(council=council, name=area_name)
            db.add(area)
            db.add_all(Team(service_area=area, name=t) for t in teams)
        db.commit()
        team_ids = {(t.service_area.name, t.name): t.id for t in db.scalars(select(Team))}
        area_ids = {a.name: a.id for a in db.scalars(select(ServiceArea))}
        questionnaire = next(q for q in runs.sync_questionnaires(db) if q.key == "health-check")
        today = dt.date.today()
        run_ids = []
        for ago in range(years - 1, -1, -1):
            opens = today.replace(year=today.year - ago) - dt.timedelta(days=42)
            run = runs.create_run(db, council_id=council.id, questionnaire=questionnaire,
                                  title=f"Health check {opens.year} (benchmark, {n:,} responses)", year=opens.year,
                                  opens_on=opens, closes_on=opens + dt.timedelta(days=35))
            run.status = "closed"
            db.commit()
            run_ids.append(run.id)
        create_user(db, council_id=council.id, email=ADMIN_EMAIL, name="Principal Social Worker",
                    password=PASSWORD, role=Role.ADMIN)
        manager = create_user(db, council_id=council.id, email=MANAGER_EMAIL, name="Head of Service",
                              password=PASSWORD, role=Role.MANAGER)
        manager.scopes.append(UserScope(service_area_id=area_ids[MANAGER_AREA]))
        db.commit()
    app.extensions["surveyapp.engine"].dispose()
    return run_ids, team_sizes(team_ids, n)


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    return str(value)  # the benchmark's strings have no tabs, newlines or backslashes


def load_postgres(schema: str, n: int, seed: int, years: int) -> tuple[int, list[str]]:
    url = pg_url(schema)
    upgrade(url)
    run_ids, sizes = structure(url, n, years)
    started = time.perf_counter()
    with pg_connect(schema, autocommit=False) as conn, conn.cursor() as cur:
        for i, run_id in enumerate(run_ids):
            run_seed = seed + 1000 * (len(run_ids) - 1 - i)  # this year's run is the same with or without --previous
            invited = list(invitations(sizes, run_seed))
            with cur.copy("COPY invitation (run_id, team_id, name, email, token_hash) FROM STDIN") as copy:
                copy.write("".join(f"{run_id}\t{t}\t{name}\t{email}\t{h}\n" for t, name, email, h, _ in invited))
            with cur.copy("COPY used_link (key, run_id, team_id) FROM STDIN") as copy:
                copy.write("".join(f"{used}\t{run_id}\t{t}\n" for t, _, _, _, used in invited if used))
            answers = io.StringIO()
            with cur.copy("COPY response (id, run_id, team_id) FROM STDIN") as copy:
                for rid, team_id, rows in responses(sizes, run_seed):
                    copy.write(f"{rid}\t{run_id}\t{team_id}\n")
                    for q, o, opt, num, txt in rows:
                        answers.write(f"{rid}\t{q}\t{o}\t{_copy_text(opt)}\t{_copy_text(num)}\t{_copy_text(txt)}\n")
            log(f"  PostgreSQL: run {run_id}: {n:,} responses and their invitations copied; copying answers")
            with cur.copy("COPY answer (response_id, question_id, ordinal, option, number, text) FROM STDIN") as copy:
                data = answers.getvalue()
                step = 8 << 20
                for start in range(0, len(data), step):
                    copy.write(data[start:start + step])
        conn.commit()
    copied = time.perf_counter() - started
    counted = rebuild_tallies(url, run_ids)
    with pg_connect(schema) as conn:
        conn.execute("VACUUM ANALYZE")
    return run_ids[-1], [f"COPY {copied:.0f} s, tally {counted:.0f} s, then VACUUM ANALYZE "
                         f"{time.perf_counter() - started - copied - counted:.0f} s"]


def load_sqlite(path: Path, n: int, seed: int, years: int) -> tuple[int, list[str]]:
    url = f"sqlite:///{path}"
    upgrade(url)
    run_ids, sizes = structure(url, n, years)
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")  # loading only; the app's own connections are as configured
    conn.execute("PRAGMA cache_size=-1000000")
    insert_response = "INSERT INTO response (id, run_id, team_id) VALUES (?, ?, ?)"
    insert_answer = ("INSERT INTO answer (response_id, question_id, ordinal, option, number, text) "
                     "VALUES (?, ?, ?, ?, ?, ?)")
    with conn:
        for i, run_id in enumerate(run_ids):
            run_seed = seed + 1000 * (len(run_ids) - 1 - i)
            invited = list(invitations(sizes, run_seed))
            conn.executemany("INSERT INTO invitation (run_id, team_id, name, email, token_hash) VALUES (?, ?, ?, ?, ?)",
                             ((run_id, t, name, email, h) for t, name, email, h, _ in invited))
            conn.executemany("INSERT INTO used_link (key, run_id, team_id) VALUES (?, ?, ?)",
                             ((used, run_id, t) for t, _, _, _, used in invited if used))
            batch_r: list[tuple[Any, ...]] = []
            batch_a: list[tuple[Any, ...]] = []
            for rid, team_id, rows in responses(sizes, run_seed):
                batch_r.append((rid, run_id, team_id))
                batch_a.extend((rid, *row) for row in rows)
                if len(batch_r) == 5_000:
                    conn.executemany(insert_response, batch_r)
                    conn.executemany(insert_answer, batch_a)
                    batch_r, batch_a = [], []
            conn.executemany(insert_response, batch_r)
            conn.executemany(insert_answer, batch_a)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    inserted = time.perf_counter() - started
    counted = rebuild_tallies(url, run_ids)
    return run_ids[-1], [f"inserts {inserted:.0f} s, tally {counted:.0f} s, no ANALYZE"]


def rebuild_tallies(url: str, run_ids: list[int]) -> float:
    """Count each run's answers as a release does (`tally.recount`): what making a release spends counting."""
    started = time.perf_counter()
    app = make_app(url)
    with app.extensions["surveyapp.sessionmaker"]() as db:
        for run_id in run_ids:
            tally.recount(db, run_id)
    app.extensions["surveyapp.engine"].dispose()
    log(f"  answers counted as a release counts them in {time.perf_counter() - started:.0f} s")
    return time.perf_counter() - started


def _index_names(target: Target, schema: str) -> set[str]:
    if target.name == "PostgreSQL":
        with pg_connect() as conn:
            return {r[0] for r in conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = %s", (schema,))}
    conn = sqlite3.connect(target.url.removeprefix("sqlite:///"))
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    finally:
        conn.close()


def try_indexes(target: Target, schema: str, statements: list[str]) -> list[tuple[Target, str]]:
    """Candidate indexes on the benchmark's own database only (never a migration): made, then timed."""
    before = _index_names(target, schema)
    started = time.perf_counter()
    if target.name == "PostgreSQL":
        with pg_connect(schema) as conn:
            for statement in statements:
                conn.execute(statement)
            conn.execute("VACUUM ANALYZE answer")
    else:
        conn = sqlite3.connect(target.url.removeprefix("sqlite:///"))
        for statement in statements:
            conn.execute(statement)
        conn.commit()
        conn.close()
    made = sorted(_index_names(target, schema) - before)
    target.tried.append(f"`{'; '.join(statements)}` ({time.perf_counter() - started:.0f} s to build)")
    log(f"{target.name}: made {', '.join(made)} in {time.perf_counter() - started:.0f} s")
    return [(target, name) for name in made]


def drop_index(target: Target, schema: str, index: str) -> None:
    if target.name == "PostgreSQL":
        with pg_connect(schema) as conn:
            conn.execute(f'DROP INDEX IF EXISTS "{index}"')
    else:
        conn = sqlite3.connect(target.url.removeprefix("sqlite:///"))
        conn.execute(f'DROP INDEX IF EXISTS "{index}"')
        conn.commit()
        conn.close()


def counts(url: str) -> dict[str, int]:
    app = make_app(url)
    with app.extensions["surveyapp.sessionmaker"]() as db:
        found = {t: db.scalar(text(f"SELECT count(*) FROM {t}")) or 0
                 for t in ("service_area", "team", "invitation", "response", "answer")}
        found["comments"] = db.scalar(text("SELECT count(*) FROM answer WHERE text IS NOT NULL")) or 0
    app.extensions["surveyapp.engine"].dispose()
    return found


def kept(responses: int, seed: int, previous: bool) -> tuple[str, Path]:
    """Where --keep keeps the data: the PostgreSQL schema and the SQLite file (results_profile.py reads them)."""
    stable = f"results_{responses}_{seed}" + ("_2y" if previous else "")
    return f"bench_{stable}", Path(tempfile.gettempdir()) / f"surveyapp-bench-{stable}.db"


def p95(values: list[float]) -> float:
    """Nearest rank: with 10 values, the largest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


# Timing --------------------------------------------------------------------------------------

@dataclass
class Measure:
    database: str
    user: str
    page: str
    url: str
    times_ms: list[float]
    kilobytes: float
    statements: int  # how many the page sends to the database
    sql_ms: float  # median over the timed requests of the time spent in cursor.execute
    slowest: tuple[float, str, Any] | None  # the slowest statement seen: (ms, SQL, parameters)
    first_ms: float = 0.0  # this user's first request for the page

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        return p95(self.times_ms)


def pages(run_id: int) -> list[tuple[str, str]]:
    base = f"/manage/runs/{run_id}"
    return [
        ("Run page (response rates)", base),
        ("Results overview", f"{base}/results"),
        ("Overview CSV", f"{base}/results?format=csv"),
        ("Question: caseload_manageable", f"{base}/results/caseload_manageable"),
        ("Question: children_allocated (number)", f"{base}/results/children_allocated"),
        ("Question CSV: caseload_manageable", f"{base}/results/caseload_manageable?format=csv"),
    ]


def sign_in(client: Any, email: str) -> None:
    page = client.get("/manage/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert token, "no CSRF token on the sign-in page"
    response = client.post("/manage/sign-in", data={"csrf_token": token.group(1), "email": email,
                                                    "password": PASSWORD})
    assert response.status_code == 302, f"sign-in as {email} failed ({response.status_code})"


def time_pages(target: Target, repeat: int, expected: dict[str, int]) -> list[Measure]:
    assert target.run_id is not None
    app = make_app(target.url)
    engine = app.extensions["surveyapp.engine"]
    executed: list[tuple[str, Any, float]] = []  # this request's statements, with the time cursor.execute took

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, _cursor: Any, _statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        executed.append((statement, parameters, (time.perf_counter() - conn.info.pop("bench_started")) * 1000))

    measures = []
    for user, email in (("admin (whole council)", ADMIN_EMAIL), (f"manager ({MANAGER_AREA})", MANAGER_EMAIL)):
        client = app.test_client()
        sign_in(client, email)
        for page, url in pages(target.run_id):
            started = time.perf_counter()
            warm = client.get(url)
            warm.get_data()
            first_ms = (time.perf_counter() - started) * 1000
            assert warm.status_code == 200, f"{target.name} {user} {url}: {warm.status_code}"
            body = warm.get_data(as_text=True)
            if url.endswith("/results"):
                respondents = expected["admin" if user.startswith("admin") else "manager"]
                assert f"{respondents} people responded" in body, f"{url} does not show {respondents} respondents"
                if target.years > 1 and "last year" not in body:
                    log(f"  warning: {url} shows no change since last year, though last year's run is loaded")
            times, sql, statements = [], [], 0
            slowest: tuple[float, str, Any] | None = None
            for _ in range(repeat):
                executed.clear()
                started = time.perf_counter()
                response = client.get(url)
                response.get_data()
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
                sql.append(sum(ms for _, _, ms in executed))
                statements = len(executed)
                top = max(executed, key=lambda e: e[2])
                if slowest is None or top[2] > slowest[0]:
                    slowest = (top[2], top[0], top[1])
            measures.append(Measure(target.name, user, page, url, times, len(body.encode()) / 1024, statements,
                                    statistics.median(sql), slowest, first_ms))
            log(f"  {target.name} {user} {page}: median {statistics.median(times):.0f} ms, "
                f"SQL {statistics.median(sql):.0f} ms")
    engine.dispose()
    return measures


def explain(target: Target, measures: list[Measure]) -> list[str]:
    """The plan of each page's slowest statement, for the report."""
    out: list[str] = []
    app = make_app(target.url)
    raw = app.extensions["surveyapp.engine"].raw_connection()
    try:
        cursor = raw.cursor()
        done: set[str] = set()
        for m in measures:
            if m.slowest is None or m.slowest[1] in done:
                continue
            ms, statement, parameters = m.slowest
            done.add(statement)
            prefix = "EXPLAIN (ANALYZE, BUFFERS) " if target.name == "PostgreSQL" else "EXPLAIN QUERY PLAN "
            cursor.execute(prefix + statement, parameters)
            plan = "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
            out += [f"#### {target.name}, {m.user}, {m.page}: slowest statement {ms:.0f} ms", "",
                    "```sql", statement.strip(), f"-- parameters: {parameters!r}", "```", "", "```", plan, "```", ""]
        raw.rollback()
    finally:
        raw.close()
        app.extensions["surveyapp.engine"].dispose()
    return out


# Report --------------------------------------------------------------------------------------

def machine() -> str:
    model = "unknown CPU"
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{os.cpu_count()} cores ({model}){memory}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def pg_version() -> str:
    with pg_connect() as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = {s: conn.execute(f"SHOW {s}").fetchone()[0] for s in ("shared_buffers", "work_mem")}
    return f"PostgreSQL {version} (shared_buffers {settings['shared_buffers']}, work_mem {settings['work_mem']})"


def report(measures: list[Measure], targets: list[Target], rows: dict[str, dict[str, int]],
           expected: dict[str, int], n: int, repeat: int, plans: list[str], years: int) -> str:
    also = f", with last year's run of {n:,} beside it for the year-on-year changes" if years > 1 else ""
    lines = [f"### Results pages, health check run of {n:,} responses{also}", ""]
    lines.append(f"Machine: {machine()}; load average {LOAD[0]:.1f} at the start, {os.getloadavg()[0]:.1f} "
                 "at the end (other work on the machine slows every figure).  ")
    versions = [pg_version() if t.name == "PostgreSQL" else f"SQLite {sqlite3.sqlite_version}" for t in targets]
    lines.append(f"Databases: {'; '.join(versions)}.  ")
    lines.append("First view: each user's first request for the page. Pages read the run's latest release, "
                 "computed once beforehand (its time is in the load column) and parsed once per process, so the "
                 "admin's first view also pays for parsing it.  ")
    lines.append("Under 300 ms: yes when both the first view and the p95 of the repeat views are.  ")
    lines.append(f"Each page: one warm-up request, then {repeat} timed requests through Flask's test client "
                 "(the whole request: queries, reading the release, template, session cookie; no network). "
                 f"p95 is the nearest rank (with {repeat} requests, the slowest). SQL is the median time a request spent "
                 "in the database driver's execute (SQLite computes some rows only as they are fetched, so there it "
                 f"is a lower bound). The manager sees {MANAGER_AREA} "
                 f"({expected['manager']:,} of {expected['admin']:,} responses).")
    lines.append("")
    lines += ["| database | user | page | first view ms | median ms | p95 ms | SQL ms | queries | KB | under 300 ms |",
              "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for m in measures:
        slowest = max(m.p95, m.first_ms)
        under = "yes" if slowest < TARGET_MS else ("median only" if m.median < TARGET_MS else "**no**")
        lines.append(f"| {m.database} | {m.user} | {m.page} | {m.first_ms:.0f} | {m.median:.0f} | {m.p95:.0f} | "
                     f"{m.sql_ms:.0f} | {m.statements} | {m.kilobytes:.0f} | {under} |")
    lines += ["", "| database | load | service areas | teams | invitations | responses | answers | comments | size |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for t in targets:
        r = rows[t.name]
        load = "reused (loaded earlier)" if t.reused else f"{t.load_seconds:.0f} s ({'; '.join(t.notes)})"
        lines.append(f"| {t.name} | {load} | {r['service_area']} | {r['team']} | {r['invitation']:,} | "
                     f"{r['response']:,} | {r['answer']:,} | {r['comments']:,} | {r['size']} |")
    for t in targets:
        if t.tried:
            lines += ["", f"{t.name} with candidate indexes that are not in the app's migrations: "
                      f"{', '.join(t.tried)}."]
    if plans:
        lines += ["", "### Query plans of each page's slowest statement", "", *plans]
    return "\n".join(lines)


def size_of(target: Target, schema: str | None, path: Path | None) -> str:
    if target.name == "PostgreSQL":
        with pg_connect(schema) as conn:
            found = conn.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                                 "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
                                 (schema,)).fetchone()[0]
        return f"{found / 1024 / 1024:.0f} MB"
    assert path is not None
    return f"{path.stat().st_size / 1024 / 1024:.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL only (default: both)")
    parser.add_argument("--sqlite", action="store_true", help="SQLite only (default: both)")
    parser.add_argument("--responses", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=10, help="timed requests per page, after one warm-up")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true",
                        help="keep the loaded data (schema bench_results_N, SQLite file in the temp directory)")
    parser.add_argument("--reuse", action="store_true", help="reuse data kept by --keep if complete (implies --keep)")
    parser.add_argument("--previous", action="store_true",
                        help="also load last year's run of the same size, for the year-on-year comparisons")
    parser.add_argument("--explain", action="store_true", help="print the plan of each page's slowest statement")
    parser.add_argument("--try-index", action="append", default=[], metavar="SQL",
                        help="CREATE INDEX … to try: made after loading, reported, and dropped at the end")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `kill` still drops the schema and the file
    keep = args.keep or args.reuse
    names = ["PostgreSQL"] if args.postgres else ["SQLite"] if args.sqlite else ["PostgreSQL", "SQLite"]
    years = 2 if args.previous else 1
    kept_schema, kept_path = kept(args.responses, args.seed, args.previous)
    schema = kept_schema if keep else f"bench_{uuid.uuid4().hex[:10]}"
    scratch = kept_path.parent if keep else Path(tempfile.mkdtemp(prefix="surveyapp-bench-"))
    sqlite_path = scratch / kept_path.name

    targets: list[Target] = []
    all_measures: list[Measure] = []
    rows: dict[str, dict[str, int]] = {}
    plans: list[str] = []
    expected: dict[str, int] = {}
    tried: list[tuple[Target, str]] = []
    try:
        for name in names:
            target = Target(name, pg_url(schema) if name == "PostgreSQL" else f"sqlite:///{sqlite_path}", years=years)
            targets.append(target)
            run_id = loaded(target, args.responses, years) if args.reuse else None
            if run_id is not None:
                upgrade(target.url)  # others may have added migrations since the data was kept
                target.reused, target.run_id = True, run_id
                log(f"{name}: reusing the run of {args.responses:,} responses kept earlier")
            else:
                log(f"{name}: loading {args.responses:,} responses")
                started = time.perf_counter()
                if name == "PostgreSQL":
                    with pg_connect() as conn:
                        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                        conn.execute(f'CREATE SCHEMA "{schema}"')
                    target.run_id, target.notes = load_postgres(schema, args.responses, args.seed, years)
                else:
                    for suffix in ("", "-wal", "-shm"):
                        Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
                    target.run_id, target.notes = load_sqlite(sqlite_path, args.responses, args.seed, years)
                target.load_seconds = time.perf_counter() - started
                log(f"{name}: loaded in {target.load_seconds:.0f} s ({'; '.join(target.notes)})")
            if args.try_index:
                tried += try_indexes(target, schema, args.try_index)
            rows[name] = {**counts(target.url), "size": size_of(target, schema, sqlite_path)}  # type: ignore[dict-item]
            expected = scoped_counts(target)
            target.notes.append(release_runs(target))
            log(f"  {name}: {target.notes[-1]}")
            measures = time_pages(target, args.repeat, expected)
            all_measures += measures
            if args.explain:
                plans += explain(target, measures)
    finally:
        for target, index in tried:
            drop_index(target, schema, index)
        if not keep:
            if "PostgreSQL" in names:
                with pg_connect() as conn:
                    conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
            try:
                scratch.rmdir()
            except OSError:
                pass
        else:
            log(f"Kept: PostgreSQL schema {schema}, SQLite file {sqlite_path}")
    print(report(all_measures, targets, rows, expected, args.responses, args.repeat, plans, years))


def release_runs(target: Target) -> str:
    """Release every loaded run (last year's first, as a council would have), timing each: managers
    read releases, so pages can only be timed once there is one."""
    from surveyapp.disclosure import release
    from surveyapp.disclosure.thresholds import Thresholds
    from surveyapp.models import Release, ReleaseKind

    app = make_app(target.url)
    said = []
    with app.extensions["surveyapp.sessionmaker"]() as db:
        for run in db.scalars(select(SurveyRun).order_by(SurveyRun.year, SurveyRun.id)):
            if db.scalar(select(Release.id).where(Release.run_id == run.id, Release.status == "done")):
                continue
            started = time.perf_counter()
            made = release.request(db, run, ReleaseKind.FINAL)
            release.run_release(db, made.id, Thresholds())
            db.refresh(made)
            stats = made.content["stats"]
            said.append(f"release of {run.title}: {time.perf_counter() - started:.0f} s, {stats['cells']} cells, "
                        f"{stats['hidden']} hidden, {stats.get('perturbed', 0)} with noise")
    app.extensions["surveyapp.engine"].dispose()
    return "; ".join(said) or "releases already made"


def scoped_counts(target: Target) -> dict[str, int]:
    """Respondents the admin and the manager should each see on the overview."""
    app = make_app(target.url)
    with app.extensions["surveyapp.sessionmaker"]() as db:
        total = db.scalar(text("SELECT count(*) FROM response WHERE run_id = :r"), {"r": target.run_id}) or 0
        manager = db.scalar(text(
            "SELECT count(*) FROM response JOIN team ON team.id = response.team_id "
            "JOIN service_area ON service_area.id = team.service_area_id "
            "WHERE response.run_id = :r AND service_area.name = :a"), {"r": target.run_id, "a": MANAGER_AREA}) or 0
    app.extensions["surveyapp.engine"].dispose()
    return {"admin": total, "manager": manager}


if __name__ == "__main__":
    main()
