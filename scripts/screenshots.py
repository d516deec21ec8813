"""Screenshots of the demo's results for the README: the run's first page, a question's chart and the heatmap,
at desktop (1280 px) and phone (390 px) widths, saved under docs/screenshots/.

    .venv/bin/python scripts/screenshots.py            # a fresh demo in a temporary database (a few minutes:
                                                       # the demo's runs are released first, as `make run` does)
    .venv/bin/python scripts/screenshots.py --base-url http://127.0.0.1:5000   # or a demo already running

Uses Debian's chromium, as the browser tests do; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a file from the repository root
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
WIDTHS = {"desktop": 1280, "phone": 390}


@contextmanager
def demo_server() -> Iterator[str]:
    """The app on a fresh SQLite file with the demo council loaded and released, on a free port."""
    from surveyapp import create_app, db
    from surveyapp.cli import _demo_releases, upgrade
    from surveyapp.demo import loader

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        upgrade(url)
        app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url, "SECRET_KEY": "screenshots-" + "x" * 40})
        http = make_server("127.0.0.1", 0, app, threaded=True)
        base_url = f"http://127.0.0.1:{http.server_port}"
        app.config["BASE_URL"] = base_url
        with app.app_context():
            loader.load(db.session())
            _demo_releases()
        thread = threading.Thread(target=http.serve_forever, daemon=True)
        thread.start()
        try:
            yield base_url
        finally:
            http.shutdown()
            app.extensions["surveyapp.engine"].dispose()


def sign_in(page: Page, base_url: str) -> None:
    from surveyapp.demo import loader

    page.goto(f"{base_url}/manage/sign-in")
    page.get_by_role("textbox", name="Email address").fill(loader.ADMIN_EMAIL)
    page.get_by_role("textbox", name="Password", exact=True).fill(loader.ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Health checks and exit interviews").wait_for()


def shoot(page: Page, base_url: str, width: str) -> list[Path]:
    taken = []
    page.goto(f"{base_url}/manage/")
    page.get_by_role("link", name=f"Social work health check {dt.date.today().year}").click()
    page.get_by_role("link", name="What matters in the results").click()
    taken.append(OUT / f"first-page-{width}.png")
    page.screenshot(path=str(taken[-1]), full_page=True)

    page.get_by_role("link", name="All results: every section, team and question").click()
    heatmap = page.locator("#heatmap")
    taken.append(OUT / f"heatmap-{width}.png")
    # The heading, the key and the table: from the heading to the end of the table's scroll box
    # (measured at the top of the page, so the boxes are in the page's coordinates).
    page.evaluate("window.scrollTo(0, 0)")
    top = heatmap.bounding_box()
    table = page.locator(".app-scroll-table", has=page.locator("table.app-heatmap")).bounding_box()
    assert top and table
    page.screenshot(path=str(taken[-1]), full_page=True,
                    clip={"x": 0, "y": top["y"] - 16, "width": WIDTHS[width], "height": table["y"] + table["height"] - top["y"] + 32})

    page.get_by_role("link", name="My caseload is manageable.").first.click()
    chart = page.locator("figure.app-figure")
    taken.append(OUT / f"question-chart-{width}.png")
    chart.screenshot(path=str(taken[-1]))
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="a running demo (make run); without it, a fresh demo is made")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with (demo_server() if not args.base_url else _given(args.base_url)) as base_url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width, pixels in WIDTHS.items():
            context = browser.new_context(viewport={"width": pixels, "height": 900}, device_scale_factor=1)
            page = context.new_page()
            sign_in(page, base_url)
            for path in shoot(page, base_url, width):
                print(path.relative_to(OUT.parents[1]))
            context.close()
        browser.close()


@contextmanager
def _given(base_url: str) -> Iterator[str]:
    yield base_url.rstrip("/")


if __name__ == "__main__":
    main()
