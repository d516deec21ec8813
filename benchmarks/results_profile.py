"""Profile one results page on data kept by `benchmarks/results.py --keep`, with pyinstrument.

    .venv/bin/pip install pyinstrument            # not a requirement of the app
    .venv/bin/python benchmarks/results.py --postgres --keep
    .venv/bin/python benchmarks/results_profile.py results                     # the overview, as the admin
    .venv/bin/python benchmarks/results_profile.py results/caseload_manageable --manager --sqlite

The page is requested once to warm up, then profiled over --repeat requests.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import results as bench  # benchmarks/results.py, beside this file
from pyinstrument import Profiler
from sqlalchemy import select

from surveyapp.models import Council, SurveyRun


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", help="after /manage/runs/<id>/, for example results or results/role?format=csv")
    parser.add_argument("--sqlite", action="store_true", help="the kept SQLite file (default: the kept schema)")
    parser.add_argument("--manager", action="store_true", help=f"as the manager of {bench.MANAGER_AREA}")
    parser.add_argument("--responses", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--previous", action="store_true", help="the data kept with --previous (two years)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    args = parser.parse_args()
    schema, path = bench.kept(args.responses, args.seed, args.previous)
    url = f"sqlite:///{path}" if args.sqlite else bench.pg_url(schema)
    app = bench.make_app(url)
    with app.extensions["surveyapp.sessionmaker"]() as db:
        run_id = db.scalar(select(SurveyRun.id).join(Council).where(Council.slug == bench.SLUG)
                           .order_by(SurveyRun.year.desc()).limit(1))
    if run_id is None:
        raise SystemExit(f"No kept benchmark data at {url}: run benchmarks/results.py --keep first")
    client = app.test_client()
    bench.sign_in(client, bench.MANAGER_EMAIL if args.manager else bench.ADMIN_EMAIL)
    path = f"/manage/runs/{run_id}/{args.page}"
    assert client.get(path).status_code == 200
    profiler = Profiler(interval=0.001)
    with profiler:
        for _ in range(args.repeat):
            assert client.get(path).status_code == 200
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


if __name__ == "__main__":
    main()
