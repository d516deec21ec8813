"""Does the forgot-password page answer a known address as fast as an unknown one? Prints a markdown table.

Issue 21 measured a known address answered slower (median 68 ms against 48 ms, z = 3.8): the page wrote
the reset link, the audit entry and queued the email only for an account that exists, so timing it told
who has an account. The page now queues one job with whatever was typed (surveyapp/users/resets.py)
and the worker does the rest. This script times the page for a known and an unknown address, in
alternation (so drift in the machine's load falls on both), through Flask's test client against a real
database and a real queue with no worker (jobs wait, as they would behind a busy worker), and compares
the two with a Mann-Whitney U test (normal approximation; |z| under 2 is no measurable difference).

Run from the repository root with the app's venv:

    .venv/bin/python benchmarks/forgot_password_timing.py                  # SQLite file, SQLite queue
    .venv/bin/python benchmarks/forgot_password_timing.py --postgres       # PostgreSQL (TEST_POSTGRES_URL)
    .venv/bin/python benchmarks/forgot_password_timing.py --redis          # the queue in Redis, as production
    .venv/bin/python benchmarks/forgot_password_timing.py --rounds 400

Rate limits are off for the run (they would refuse the sixth request for one address in an hour).
It is not a test: timings depend on the machine, so it prints what it measured and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from surveyapp import create_app, db  # noqa: E402
from surveyapp.auth import create_user  # noqa: E402
from surveyapp.cli import upgrade  # noqa: E402
from surveyapp.models import Council, Role  # noqa: E402

PG = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
KNOWN = "manager@northshire.example"
UNKNOWN = "nobody@northshire.example"


def mann_whitney_z(a: list[float], b: list[float]) -> float:
    """z of the rank-sum of `a` against `b` (ties get their average rank)."""
    both = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks = [0.0] * len(both)
    i = 0
    while i < len(both):
        j = i
        while j + 1 < len(both) and both[j + 1][0] == both[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        i = j + 1
    n1, n2 = len(a), len(b)
    u = sum(r for r, (_, side) in zip(ranks, both) if side == 0) - n1 * (n1 + 1) / 2
    return (u - n1 * n2 / 2) / ((n1 * n2 * (n1 + n2 + 1) / 12) ** 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200, help="requests per address")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--redis", action="store_true")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="forgot-timing-"))
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    if options.postgres:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"postgresql+psycopg://{PG.split('://', 1)[1]}?options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{folder / 'timing.db'}"
    queue_name = f"forgot-timing-{uuid.uuid4().hex[:8]}"
    try:
        upgrade(url)
        app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url, "SECRET_KEY": "x" * 40,
                          "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                          "QUEUE_BACKEND": "redis" if options.redis else "sqlite", "QUEUE_NAME": queue_name,
                          "QUEUE_SQLITE_PATH": str(folder / "queue.db")})
        with app.app_context():
            council = Council(name="Northshire Council", slug="northshire")
            db.session().add(council)
            db.session().commit()
            create_user(db.session(), council_id=council.id, email=KNOWN, name="A Manager",
                        password="a password long enough", role=Role.MANAGER)
        client = app.test_client()
        times: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
        for typed in (KNOWN, UNKNOWN) * 10:  # warm up: templates compiled, connections opened
            client.post("/manage/forgot-password", data={"email": typed})
        for i in range(options.rounds * 2):
            typed = (KNOWN, UNKNOWN)[i % 2]
            start = time.perf_counter()
            response = client.post("/manage/forgot-password", data={"email": typed})
            times[typed].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        z = mann_whitney_z(times[KNOWN], times[UNKNOWN])
        print(f"Forgot-password page, {options.rounds} requests per address, "
              f"{'PostgreSQL' if options.postgres else 'SQLite'}, queue in {'Redis' if options.redis else 'SQLite'}\n")
        print("| address | median ms | mean ms | p90 ms |")
        print("|---|---:|---:|---:|")
        for typed, label in ((KNOWN, "has an account"), (UNKNOWN, "has no account")):
            found = sorted(times[typed])
            print(f"| {label} | {statistics.median(found):.2f} | {statistics.fmean(found):.2f} | "
                  f"{found[int(len(found) * 0.9)]:.2f} |")
        print(f"\nMann-Whitney z = {z:.2f} ({'no measurable difference' if abs(z) < 2 else 'a difference'})")
        app.extensions["surveyapp.engine"].dispose()
        if options.redis:
            import redis

            connection = redis.Redis.from_url(app.config["REDIS_URL"])
            for key in connection.scan_iter(f"*{queue_name}*"):
                connection.delete(key)
    finally:
        if options.postgres:
            with psycopg.connect(PG, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
