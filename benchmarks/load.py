"""Submit throughput, faults and simulated staff, on gunicorn and PostgreSQL.

    .venv/bin/python benchmarks/load.py                 # everything below, then drop the schema
    .venv/bin/python benchmarks/load.py --only ratio    # or: web-kill, queue-kill, db-restart, locust,
                                                        # saturation, profile (repeat --only for several)

What it does, in a PostgreSQL schema of its own (`load_<pid>` in TEST_POSTGRES_URL,
default postgresql://127.0.0.1:5432/test), with the app served by gunicorn:

- *ratio*: respondents are prepared in the database (an invitation and a complete
  encrypted draft each, the health check answered in full) with their session
  cookie and CSRF token made as the app makes them. Then the same number of POSTs
  go, from the same client threads, to the app's /survey/check and to a bare
  Flask + SQLAlchemy Core endpoint (bare_app.py) that inserts the same rows (the
  response, its answers, the used link). Each side served by gunicorn with the
  same workers, alternately, --rounds times. Throughput is POSTs answered per second.
- *web-kill*: submissions run while a gunicorn worker is sent SIGKILL every
  second, several times. Then: every submission the app acknowledged (302 to
  /survey/done) has its used link and its draft is gone; every response has all
  its answers; responses and used links are as many (nothing half-stored).
- *queue-kill*: a release is queued on Redis; the Huey worker is killed -9 while it
  computes it; a new worker is started and the release must end done or failed
  with a reason (the reaper, after JOB_STALE_SECONDS). Repeated; then once left to finish.
- *db-restart*: a PostgreSQL cluster of its own (initdb into a temporary folder, a
  free port, pg_ctl from PG_BIN, default /usr/lib/postgresql/15/bin; as root it runs
  them as the `postgres` user), the app on gunicorn against it, submissions
  running; `pg_ctl restart`, then stop, 5 s down, start. Each request's outcome is
  counted per phase: acknowledged, the app's own error page, anything else; then
  the same database checks as above.
- *locust*: `benchmarks/locustfile.py`, headless, against gunicorn: --users simulated
  staff each doing the whole journey from their invitation link (start page, every
  questionnaire page shown and saved, check answers, submit, done page) thinking
  15 to 45 s before each page they send; per request type count, failures,
  p50/p95/p99; then the database checks on every acknowledged submission.
  locust lives in a virtualenv of its own (benchmarks/requirements-load.txt),
  found at $LOCUST (default /work/venv-locust/bin/locust).
- *saturation*: the same journeys with no think time, for 1, 2 and 4 gunicorn
  workers: whole journeys per second.
- *profile*: cProfile of the submit request in this process (Flask test client).

Prints markdown to stdout, progress to stderr. The machine's load average is printed with each figure.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import http.client
import io
import itertools
import json
import os
import pstats
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from flask import session as flask_session  # noqa: E402
from flask_wtf.csrf import generate_csrf  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from surveyapp import create_app, security  # noqa: E402
from surveyapp.cli import upgrade  # noqa: E402
from surveyapp.config import sqlalchemy_url  # noqa: E402
from surveyapp.manage import runs  # noqa: E402
from surveyapp.models import (Answer, Council, Draft, Invitation, Release, Response, ServiceArea,  # noqa: E402
                              SurveyRun, Team, UsedLink)
from surveyapp.questionnaires import Question, questionnaire_for  # noqa: E402
from surveyapp.respond import journey  # noqa: E402
from surveyapp.respond.views import RESPONDENT  # noqa: E402

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
SECRET = "load-test-secret-" + "x" * 32
PY = str(ROOT / ".venv" / "bin" / "python")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (5 min {five:.1f})"


# ---------------------------------------------------------------- set-up


def db_url(schema: str, base: str = PG_URL) -> str:
    return sqlalchemy_url(base) + f"?options=-csearch_path%3D{schema}"


def make_app(url: str) -> Any:
    return create_app({"ENV_NAME": "testing", "TESTING": False, "DATABASE_URL": url, "SECRET_KEY": SECRET,
                       "BASE_URL": "http://127.0.0.1", "QUEUE_BACKEND": "immediate"})


def value_for(question: Question, team_id: int) -> Any:
    return {"agreement": "agree", "single_choice": question.options[0][0] if question.options else "",
            "multiple_choice": [o[0] for o in question.options[:2]], "number": 3 + (question.min or 0),
            "free_text": f"Less paperwork, more time with children ({question.id}).", "month": "2024-09",
            "team": str(team_id), "attach_name": "no"}[question.type]


@dataclass
class World:
    url: str
    run_id: int
    team_id: int
    answers: dict[str, Any]
    rows: list[list[Any]]  # the answer rows one submission writes


def build_world(schema: str, base: str = PG_URL) -> World:
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = db_url(schema, base)
    upgrade(url)
    app = make_app(url)
    with app.extensions["surveyapp.sessionmaker"]() as db:
        council = Council(name="Loadshire Council", slug="loadshire")
        area = ServiceArea(council=council, name="Referral and Assessment")
        team = Team(service_area=area, name="Assessment North")
        db.add_all([council, area, team])
        db.commit()
        questionnaire = next(q for q in runs.sync_questionnaires(db) if q.key == "health-check")
        import datetime as dt
        today = dt.date.today()
        run = runs.create_run(db, council_id=council.id, questionnaire=questionnaire, title="Load test",
                              year=today.year, opens_on=today - dt.timedelta(days=1),
                              closes_on=today + dt.timedelta(days=20))
        run.status = "open"
        db.commit()
        q = questionnaire_for(run)
        answers = q.visible_answers({question.id: value_for(question, team.id) for question in q.questions()})
        assert journey.first_incomplete(q, answers) is None, journey.first_incomplete(q, answers)
        built = journey.build_response(run, q, answers, None)
        rows = [[a.question_id, a.ordinal or 0, a.option, a.number, a.text] for a in built.answers]
        world = World(url, run.id, team.id, answers, rows)
    app.extensions["surveyapp.engine"].dispose()
    return world


@dataclass
class Respondent:
    token: str
    cookie: str
    csrf: str


def prepare(world: World, n: int) -> list[Respondent]:
    """n invited respondents with a complete draft, and the cookie and CSRF token their browser would hold."""
    app = make_app(world.url)
    people = [security.new_token() for _ in range(n)]
    with app.extensions["surveyapp.sessionmaker"]() as db:
        for token in people:
            db.add(Invitation(run_id=world.run_id, team_id=world.team_id, name="Load Tester",
                              email=f"{token[:12].lower()}@load.example", token_hash=security.invitation_hash(token)))
            db.add(Draft(key=security.draft_key(token), run_id=world.run_id,
                         payload=security.seal(token, world.answers)))
        db.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    made = []
    for token in people:
        with app.test_request_context("/survey/check"):
            flask_session.permanent = True
            flask_session[RESPONDENT] = security.seal_for_cookie(SECRET, {"run": world.run_id, "token": token,
                                                                          "invitation": True, "name": None})
            csrf = generate_csrf()
            made.append(Respondent(token, serializer.dumps(dict(flask_session)), csrf))
    app.extensions["surveyapp.engine"].dispose()
    return made


# ---------------------------------------------------------------- servers


class Server:
    def __init__(self, target: str, port: int, workers: int, env: dict[str, str]) -> None:
        self.port = port
        # Its log goes to a file: a pipe nobody reads fills up, and then the workers block writing to it.
        self.log = Path(tempfile.mkstemp(prefix=f"gunicorn-{port}-", suffix=".log")[1])
        with open(self.log, "w") as log_file:
            self.proc = subprocess.Popen(
                [PY, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--graceful-timeout", "2",
                 "--timeout", "60", target],
                cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log_file, text=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/nothing-here")
                c.getresponse().read()
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn {target} did not start")

    def workers(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], check=False, capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def app_env(world: World, **extra: str) -> dict[str, str]:
    return {"SURVEYAPP_ENV": "production", "DATABASE_URL": world.url, "SECRET_KEY": SECRET,
            "BASE_URL": "http://127.0.0.1", "QUEUE_BACKEND": "redis", "LOG_FORMAT": "json",
            "RATELIMIT_STORAGE_URI": "memory://", **extra}


# ---------------------------------------------------------------- driving


@dataclass
class Fired:
    seconds: float = 0.0
    acked: list[str] = field(default_factory=list)  # tokens whose submission was acknowledged
    failed: dict[str, int] = field(default_factory=dict)  # what the others got
    latencies: list[float] = field(default_factory=list)


def post(port: int, path: str, body: str, headers: dict[str, str]) -> tuple[int, str, str]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        c.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded", **headers})
        r = c.getresponse()
        text = r.read().decode(errors="replace")
        return r.status, r.getheader("Location") or "", text
    finally:
        c.close()


def fire(port: int, people: list[Respondent], concurrency: int, bare: bool, cookie_name: str = "session",
         pause: float = 0.0, timeline: list[tuple[float, str]] | None = None,
         stop: threading.Event | None = None) -> Fired:
    """POST every respondent's submission from `concurrency` threads; what was acknowledged and how long it took.

    Each thread waits `pause` seconds between its requests; `timeline` gets (when, outcome) of each;
    `stop` set ends the firing after the requests under way.
    """
    result = Fired()
    queue = list(people)
    lock = threading.Lock()

    def one(person: Respondent) -> None:
        started = time.perf_counter()
        try:
            if bare:
                status, location, _ = post(port, "/submit", urllib.parse.urlencode({"token": person.token}), {})
                ok = status == 201
            else:
                status, location, text = post(port, "/survey/check",
                                              urllib.parse.urlencode({"csrf_token": person.csrf}),
                                              {"Cookie": f"{cookie_name}={person.cookie}"})
                ok = status == 302 and location.endswith("/survey/done")
                if not ok and status >= 500 and "govuk-template" not in text:
                    status = -status  # a 5xx that is not the app's own error page
            outcome = "ok" if ok else str(status)
        except OSError as error:
            outcome = type(error).__name__
        with lock:
            if timeline is not None:
                timeline.append((time.time(), outcome))
            if outcome == "ok":
                result.acked.append(person.token)
                result.latencies.append(time.perf_counter() - started)
            else:
                result.failed[outcome] = result.failed.get(outcome, 0) + 1

    def worker() -> None:
        while True:
            with lock:
                if not queue or (stop is not None and stop.is_set()):
                    return
                person = queue.pop()
            one(person)
            if pause:
                time.sleep(pause)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - started
    return result


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


# ---------------------------------------------------------------- checks


def integrity(world: World, acked: list[str], bare_acked: int = 0) -> dict[str, Any]:
    """Nothing acknowledged lost, nothing half-stored, nothing stored twice."""
    app = make_app(world.url)
    expected = len(world.rows)
    with app.extensions["surveyapp.sessionmaker"]() as db:
        used = set(db.scalars(select(UsedLink.key).where(UsedLink.run_id == world.run_id)))
        drafts = set(db.scalars(select(Draft.key)))
        per_response = dict(db.execute(select(Response.id, func.count(Answer.question_id)).outerjoin(Answer)
                                       .where(Response.run_id == world.run_id).group_by(Response.id)).all())
    app.extensions["surveyapp.engine"].dispose()
    lost = [t for t in acked if security.used_link_key(t) not in used or security.draft_key(t) in drafts]
    half = [r for r, n in per_response.items() if n != expected]
    return {"acknowledged": len(acked), "lost": len(lost), "responses": len(per_response),
            "used_links": len(used), "half_stored": len(half),
            "matched": len(per_response) == len(used)}


# ---------------------------------------------------------------- parts


def part_ratio(world: World, n: int, concurrency: int, workers: int, rounds: int) -> list[str]:
    rows_file = Path(tempfile.mkdtemp()) / "rows.json"
    rows_file.write_text(json.dumps({"run_id": world.run_id, "team_id": world.team_id, "answers": world.rows}))
    figures: dict[str, list[Fired]] = {"app": [], "bare": []}
    loads = []
    all_acked: list[str] = []
    bare_acked = 0
    for r in range(rounds):
        for side in ("app", "bare"):
            people = prepare(world, n)
            if side == "app":
                server = Server("wsgi:app", 8101, workers, app_env(world))
            else:
                server = Server("benchmarks.bare_app:app", 8102, workers,
                                {"BARE_DATABASE_URL": world.url, "BARE_ROWS": str(rows_file)})
            try:
                fire(server.port, people[:20], concurrency, side == "bare")  # warm the workers
                fired = fire(server.port, people[20:], concurrency, side == "bare")
            finally:
                server.stop()
            figures[side].append(fired)
            loads.append(os.getloadavg()[0])
            if side == "app":
                all_acked += fired.acked
            else:
                bare_acked += len(fired.acked) + 20
            rate = len(fired.acked) / fired.seconds
            log(f"  round {r + 1} {side}: {len(fired.acked)} in {fired.seconds:.1f} s = {rate:.1f}/s, "
                f"failed {fired.failed}, load {load()}")
    check = integrity(world, all_acked)
    rate = {s: [len(f.acked) / f.seconds for f in fs] for s, fs in figures.items()}
    ratio = [a / b for a, b in zip(rate["app"], rate["bare"], strict=True)]
    lines = ["### Submit throughput against a bare insert", "",
             (f"gunicorn {workers} sync workers each side, {concurrency} client threads in this process, "
             f"{n - 20} timed POSTs per side per round (after 20 to warm up), sides alternated, {rounds} rounds; "
             f"{len(world.rows)} answer rows per submission. Load average (1 min) after each side: "
             f"{', '.join(f'{x:.1f}' for x in loads)}."), "",
             "| round | app submits/s | app p50 / p95 ms | bare inserts/s | bare p50 / p95 ms | ratio |",
             "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for i in range(rounds):
        a, b = figures["app"][i], figures["bare"][i]
        lines.append(f"| {i + 1} | {rate['app'][i]:.1f} | {p(a.latencies, .5):.0f} / {p(a.latencies, .95):.0f} | "
                     f"{rate['bare'][i]:.1f} | {p(b.latencies, .5):.0f} / {p(b.latencies, .95):.0f} | "
                     f"**{ratio[i]:.2f}** |")
    failed = {k: v for f in figures["app"] + figures["bare"] for k, v in f.failed.items()}
    lines += ["", f"Failed requests: {failed or 'none'}. App submissions checked: {check}."]
    return lines


def part_web_kill(world: World, n: int, concurrency: int, workers: int, kills: int) -> list[str]:
    people = prepare(world, n)
    server = Server("wsgi:app", 8103, workers, app_env(world))
    killed: list[int] = []
    stop = threading.Event()

    def killer() -> None:
        time.sleep(1.0)
        while len(killed) < kills and not stop.is_set():
            alive = server.workers()
            if alive:
                victim = random.choice(alive)
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)
            time.sleep(1.0)

    k = threading.Thread(target=killer)
    k.start()
    try:
        fired = fire(server.port, people, concurrency, False)
    finally:
        stop.set()
        k.join()
        server.stop()
    check = integrity(world, fired.acked)
    log(f"  web-kill: {len(killed)} kills, {len(fired.acked)} acknowledged, failed {fired.failed}; {check}")
    return ["### kill -9 of web workers during submissions", "",
            (f"{n} submissions from {concurrency} threads to gunicorn with {workers} workers; a worker was sent "
            f"SIGKILL every second, {len(killed)} times (gunicorn starts a new one each time). "
            f"Load average {load()}."), "",
            (f"- acknowledged (302 to /survey/done): {len(fired.acked)}; not acknowledged: {fired.failed} "
            "(connections the killed worker dropped; those people see their browser's error and submit again, "
            "their draft is still there if nothing was stored)"),
            f"- after the run, over every submission of this run so far: {check}"]


def part_queue_kill(world: World, kills: int) -> list[str]:
    from surveyapp.disclosure import jobs
    from surveyapp.disclosure.thresholds import Thresholds
    from surveyapp import background, heartbeat
    from surveyapp.models import ReleaseKind
    env = app_env(world, JOB_HEARTBEAT_SECONDS="1", JOB_STALE_SECONDS="4", QUEUE_NAME=f"load-{os.getpid()}")
    os.environ.update(dict(env.items()))
    app = create_app()
    lines = ["### kill -9 of the queue worker during a release", "",
             (f"Releases of the run (its submissions so far) queued on Redis; the Huey worker (`flask --app wsgi "
             f"worker`) killed -9 while one is running, {kills} times; heartbeat 1 s, stale after 4 s."), ""]
    outcomes = []
    with app.app_context():
        make_session = app.extensions["surveyapp.sessionmaker"]
        rule, limits = Thresholds.from_config(app.config), heartbeat.Limits.from_config(app.config)
        queue = background.queue(app)
        for attempt in range(kills + 1):
            with make_session() as db:
                run = db.get(SurveyRun, world.run_id)
                made = jobs.start(db, run, ReleaseKind.INTERIM, rule,
                                  queue.make_release, limits)
                release_id = made.id
            worker = subprocess.Popen([PY, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=os.environ.copy(),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            status, killed_at = _wait_status(make_session, release_id, {"running", "done", "failed"}, 120)
            last = attempt == kills
            if not last and status == "running":
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait()
                killed_at = f"killed at {killed_at}"
                time.sleep(5)  # longer than JOB_STALE_SECONDS: the worker's heartbeat has stopped
                worker = subprocess.Popen([PY, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT,
                                          env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            final, stage = _wait_status(make_session, release_id, {"done", "failed"}, 300)
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            outcomes.append(final)
            lines.append(f"- release {release_id}: {'left to finish' if last else killed_at} -> **{final}**: {stage}")
            log(f"  queue-kill {attempt}: {lines[-1]}")
    lines.append(f"- no release left queued or running: "
                 f"{all(o in ('done', 'failed') for o in outcomes)}. Load average {load()}.")
    return lines


def _wait_status(make_session: Any, release_id: int, wanted: set[str], timeout: float) -> tuple[str, str]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with make_session() as db:
            release = db.get(Release, release_id)
            if release.status in wanted:
                return release.status, f"{release.progress}% {release.stage}"
        time.sleep(0.2)
    return "timed out", ""


# ---------------------------------------------------------------- database restart

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


class Cluster:
    """A throwaway PostgreSQL cluster of this script's own (initdb in a temporary folder, a free port).

    PostgreSQL will not run as root: as root, its commands run as the `postgres` user.
    """

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="load-pg-"))
        self.data, self.logfile = self.dir / "data", self.dir / "postgres.log"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "postgres", str(self.dir)], check=True)
        self.pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.ctl("start")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def pg(self, command: str, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, str(PG_BIN / command), *args], check=True, capture_output=True)

    def ctl(self, action: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on"
        extra = ["-o", options, "-l", str(self.logfile)] if action in ("start", "restart") else []
        self.pg("pg_ctl", action, "-D", str(self.data), "-m", "fast", "-w", *extra)

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.ctl("stop")
        subprocess.run(["rm", "-rf", str(self.dir)], check=False)


def part_db_restart(pause: float = 0.1, concurrency: int = 4, workers: int = 2) -> list[str]:
    cluster = Cluster()
    try:
        world = build_world("public", cluster.url)
        people = prepare(world, 1500)
        server = Server("wsgi:app", 8110, workers, app_env(world))
        timeline: list[tuple[float, str]] = []
        events: list[tuple[float, str]] = []
        fired: list[Fired] = []
        enough = threading.Event()
        runner = threading.Thread(target=lambda: fired.append(
            fire(server.port, people, concurrency, False, pause=pause, timeline=timeline, stop=enough)))
        started = time.time()
        runner.start()
        try:
            time.sleep(5)
            events.append((time.time(), "pg_ctl restart begins"))
            cluster.ctl("restart")
            events.append((time.time(), "restarted: accepting connections"))
            time.sleep(8)
            events.append((time.time(), "pg_ctl stop begins"))
            cluster.ctl("stop")
            events.append((time.time(), "stopped"))
            time.sleep(5)
            events.append((time.time(), "pg_ctl start begins"))
            cluster.ctl("start")
            events.append((time.time(), "started: accepting connections"))
            time.sleep(8)
        finally:
            enough.set()  # the firing threads stop after their current request
            runner.join()
            server.stop()
        ended = time.time()
        check = integrity(world, fired[0].acked)
    finally:
        cluster.remove()
    lines = ["### PostgreSQL restarted and stopped under submissions", "",
             (f"A cluster of the script's own (initdb, pg_ctl, port {cluster.port}), the app on gunicorn "
              f"({workers} sync workers) against it, submissions from {concurrency} threads each waiting "
              f"{pause} s between requests. Then `pg_ctl restart -m fast`, and later `pg_ctl stop -m fast`, "
              f"5 s down, `pg_ctl start`. Load average {load()}."), "",
             "| from (s) | to (s) | what happened | acknowledged | app's error page (status) | other failures |",
             "| ---: | ---: | --- | ---: | --- | --- |"]
    marks = [(started, "submitting")] + events + [(ended, "end")]
    for (at, what), (until, _) in itertools.pairwise(marks):
        outcomes = [o for t, o in timeline if at <= t < until]
        ok = outcomes.count("ok")
        page = {o: outcomes.count(o) for o in set(outcomes) if o.isdigit() and int(o) >= 500}
        other = {o: outcomes.count(o) for o in set(outcomes) if o != "ok" and o not in page}
        lines.append(f"| {at - started:.1f} | {until - started:.1f} | {what} | {ok} | "
                     f"{', '.join(f'{v} x {k}' for k, v in sorted(page.items())) or '-'} | "
                     f"{', '.join(f'{v} x {k}' for k, v in sorted(other.items())) or '-'} |")
    back = events[-1][0]
    after = [(t, o) for t, o in timeline if t >= back]
    first_ok = next((t - back for t, o in after if o == "ok"), float("nan"))
    failed_after = [o for t, o in after if o != "ok" and t > back + first_ok]
    lines += ["",
              (f"First acknowledged submission {first_ok:.2f} s after the database was back; failures after that: "
               f"{len(failed_after)}. A 5xx is counted as the app's error page only if it is our template "
               "(a bare gunicorn or werkzeug page is counted under *other*, as a negative status)."),
              f"After the run, in the database: {check}."]
    log("\n".join(lines))
    return lines


# ---------------------------------------------------------------- locust

LOCUST = os.environ.get("LOCUST", "/work/venv-locust/bin/locust")


def invite(world: World, n: int) -> list[str]:
    """n invitations, as the staff-list import makes them (no draft: the people answer from the start)."""
    app = make_app(world.url)
    tokens = [security.new_token() for _ in range(n)]
    with app.extensions["surveyapp.sessionmaker"]() as db:
        db.execute(insert(Invitation), [
            {"run_id": world.run_id, "team_id": world.team_id, "name": "Load Tester",
             "email": f"{t[:12].lower()}@load.example", "token_hash": security.invitation_hash(t)} for t in tokens])
        db.commit()
    app.extensions["surveyapp.engine"].dispose()
    return tokens


def form_values(world: World) -> dict[str, list[str]]:
    """What a person types or ticks for each question: the benchmark's answers as form fields."""
    app = make_app(world.url)
    with app.extensions["surveyapp.sessionmaker"]() as db:
        run = db.get(SurveyRun, world.run_id)
        questions = {q.id: q for q in questionnaire_for(run).questions()}
    app.extensions["surveyapp.engine"].dispose()
    values: dict[str, list[str]] = {}
    for qid, value in world.answers.items():
        if questions[qid].type == "month":
            year, month = str(value).split("-")
            values[qid] = [str(int(month)), year]
        else:
            values[qid] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return values


@dataclass
class Swarm:
    stats: list[dict[str, str]]
    failures: list[dict[str, str]]
    acked: list[str]
    loads: list[float]
    seconds: float


def swarm(world: World, port: int, users: int, spawn: float, seconds: int, think: str, tokens: int) -> Swarm:
    """locust, headless, against the server on `port`; its CSV stats, what it acknowledged, the load meanwhile."""
    work = Path(tempfile.mkdtemp(prefix="locust-"))
    (work / "tokens").write_text("\n".join(invite(world, tokens)))
    (work / "answers.json").write_text(json.dumps(form_values(world)))
    (work / "acked").write_text("")
    env = {**os.environ, "LOAD_TOKENS": str(work / "tokens"), "LOAD_ANSWERS": str(work / "answers.json"),
           "LOAD_ACKED": str(work / "acked"), "LOAD_THINK": think}
    loads: list[float] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(10):
            loads.append(os.getloadavg()[0])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    locust = subprocess.run(
        [LOCUST, "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless", "-u", str(users), "-r", str(spawn),
         "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}", "--csv", str(work / "run"), "--only-summary",
         "--stop-timeout", "0", "--exit-code-on-error", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    done.set()
    if locust.returncode != 0:
        raise RuntimeError(f"locust failed ({locust.returncode}): {locust.stderr[-2000:]}")
    import csv
    with open(work / "run_stats.csv") as f:
        stats = list(csv.DictReader(f))
    with open(work / "run_failures.csv") as f:
        failures = list(csv.DictReader(f))
    acked = (work / "acked").read_text().split()
    (work / "locust.log").write_text(locust.stderr + locust.stdout)
    if "Traceback" in locust.stderr:
        raise RuntimeError(f"locust's users failed: {locust.stderr[-3000:]}")
    log(f"  locust {users} users, think {think}: {len(acked)} submitted in {elapsed:.0f} s; work in {work}")
    return Swarm(stats, failures, acked, loads, elapsed)


def part_locust(world: World, users: int, spawn: float, seconds: int, workers: int) -> list[str]:
    server = Server("wsgi:app", 8104, workers, app_env(world))
    try:
        made = swarm(world, server.port, users, spawn, seconds, "15-45", users * 2)
    finally:
        server.stop()
    check = integrity(world, made.acked)
    lines = [f"### {users:,} people answering at a human pace (locust)", "",
             (f"locust {users} users (FastHttpUser, one process), started at {spawn:g} a second, for {seconds} s; "
              f"gunicorn {workers} sync workers, PostgreSQL. Each user opens their invitation link, reads the start "
              "page, answers the health check page by page (each page's answers saved as they go), checks and "
              "submits, then opens the next link; before each page it sends it thinks 15 to 45 s (uniform). "
              f"Load average (1 min) every 10 s: min {min(made.loads):.1f}, median "
              f"{sorted(made.loads)[len(made.loads) // 2]:.1f}, max {max(made.loads):.1f}."), "",
             "| request | count | failures | median ms | p95 ms | p99 ms | max ms | p95 under 800 ms |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for row in made.stats:
        name = row["Name"] if row["Name"] != "Aggregated" else "**all requests**"
        lines.append(f"| {name} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} | "
                     f"{row['99%']} | {float(row['Max Response Time']):.0f} | "
                     f"{'yes' if float(row['95%']) < 800 else '**no**'} |")
    failures = "; ".join(f"{f['Name']}: {f['Error']} x{f['Occurrences']}" for f in made.failures) or "none"
    lines += ["", f"Failures: {failures}.",
              (f"Submissions acknowledged (302 to /survey/done): {len(made.acked)}. In the database afterwards, "
               f"over every submission of this run so far: {check}.")]
    return lines


def part_saturation(world: World, users: int, seconds: int, worker_counts: list[int]) -> list[str]:
    lines = ["### Saturation: whole journeys with no think time (locust)", "",
             (f"locust {users} users, no think time, {seconds} s per setting, each user doing whole journeys "
              "(34 requests: the invitation link, the start page, 14 questionnaire pages each shown and saved, "
              "check answers, submit, the done page) back to back; gunicorn sync workers, PostgreSQL."), "",
             ("| gunicorn workers | journeys | journeys/s | requests/s | p50 / p95 ms (all) | p95 ms submit | failures "
              "| load average (median) |"),
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    all_acked: list[str] = []
    for workers in worker_counts:
        server = Server("wsgi:app", 8105 + workers, workers, app_env(world))
        try:
            made = swarm(world, server.port, users, users, seconds, "0", 40 * seconds)
        finally:
            server.stop()
        all_acked += made.acked
        total = next(r for r in made.stats if r["Name"] == "Aggregated")
        submit = next((r for r in made.stats if r["Name"].startswith("POST /survey/check")), total)
        lines.append(f"| {workers} | {len(made.acked)} | {len(made.acked) / seconds:.2f} | "
                     f"{float(total['Requests/s']):.1f} | {total['50%']} / {total['95%']} | {submit['95%']} | "
                     f"{total['Failure Count']} | {sorted(made.loads)[len(made.loads) // 2] if made.loads else 0:.1f} |")
        log("  " + lines[-1])
    lines += ["", f"Submissions checked in the database afterwards: {integrity(world, all_acked)}."]
    return lines


def part_profile(world: World, n: int) -> list[str]:
    people = prepare(world, n)
    app = make_app(world.url)
    app.config["TESTING"] = True
    client = app.test_client()
    cookie_name = app.config.get("SESSION_COOKIE_NAME", "session")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    for person in people:
        client.set_cookie(cookie_name, person.cookie, domain="localhost")
        profiler.enable()
        answered = client.post("/survey/check", data={"csrf_token": person.csrf})
        profiler.disable()
        assert answered.status_code == 302 and answered.location.endswith("/survey/done"), answered.status_code
    per = (time.perf_counter() - started) / n * 1000
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    app.extensions["surveyapp.engine"].dispose()
    return ["### Profile of the submit request (in process, Flask test client)", "",
            f"{n} submissions, {per:.1f} ms each including the profiler's overhead; load average {load()}.", "",
            "```", *[line.rstrip() for line in out.getvalue().splitlines()[:90]], "```"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=["ratio", "web-kill", "queue-kill", "profile", "locust",
                                                            "saturation", "db-restart"])
    parser.add_argument("-n", type=int, default=320, help="submissions per side per round")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--users", default="1000", help="locust: people answering at once (a comma list: one run each)")
    parser.add_argument("--spawn", type=float, default=10, help="locust: people starting a second")
    parser.add_argument("--seconds", type=int, default=600, help="locust: how long the human-pace run lasts")
    parser.add_argument("--locust-workers", type=int, default=4, help="locust: gunicorn workers")
    parser.add_argument("--saturation-users", type=int, default=16)
    parser.add_argument("--saturation-seconds", type=int, default=60)
    args = parser.parse_args()
    parts = args.only or ["ratio", "web-kill", "queue-kill", "db-restart", "locust", "saturation"]
    schema = f"load_{os.getpid()}"
    log(f"schema {schema}; load average {load()}")
    world = build_world(schema)
    lines = [f"Machine: {os.cpu_count()} cores shared with other work; load average at the start {load()}.", ""]
    try:
        if "profile" in parts:
            lines += part_profile(world, 100) + [""]
        if "ratio" in parts:
            lines += part_ratio(world, args.n, args.concurrency, args.workers, args.rounds) + [""]
        if "web-kill" in parts:
            lines += part_web_kill(world, args.n, 8, args.workers, args.kills) + [""]
        if "queue-kill" in parts:
            lines += part_queue_kill(world, 3) + [""]
        if "db-restart" in parts:
            lines += part_db_restart() + [""]
        if "locust" in parts:
            for users in (int(u) for u in args.users.split(",")):
                lines += part_locust(world, users, args.spawn, args.seconds, args.locust_workers) + [""]
        if "saturation" in parts:
            lines += part_saturation(world, args.saturation_users, args.saturation_seconds, [1, 2, 4]) + [""]
    finally:
        if not args.keep:
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    lines.append(f"Load average at the end {load()}.")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
