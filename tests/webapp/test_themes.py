"""Themes in the app: the analysis runs in the background, and what managers see obeys the anonymity rule."""

from __future__ import annotations

import time

from sqlalchemy import select

from surveyapp.models import Answer, Response, Role, ThemeJob
from surveyapp.results.anonymity import Thresholds
from surveyapp.themes import summary
from surveyapp.disclosure import compare

from . import factories

CASELOAD = ["My caseload is far too high at {} children.", "Too many cases: I hold {} children and cannot visit them all."]
SUPERVISION = ["Supervision keeps being cancelled, I had {} sessions this year.",
               "I need regular reflective supervision, not {} rushed catch-ups."]


def seed_comments(session, run, team, texts: list[str]) -> None:
    for text in texts:
        response = Response(run_id=run.id, team_id=team.id)
        response.answers.append(Answer(question_id="biggest_difference", text=text))
        session.add(response)
    session.commit()


def sign_in(client, email: str) -> None:
    page = factories.sign_in(client, email)
    assert page.status == 302, page.errors()


def test_manager_starts_an_analysis_and_reads_themes_with_quotes(app, client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    seed_comments(session, run, north, [CASELOAD[i % 2].format(20 + i) for i in range(12)]
                  + [SUPERVISION[i % 2].format(i + 2) for i in range(6)])
    sign_in(client, factories.user(session, made, Role.ADMIN))

    started = client.submit(f"/manage/runs/{run.id}/themes/biggest_difference")
    assert started.response.headers["Location"].endswith("/themes/biggest_difference")
    deadline = time.monotonic() + 240
    while True:
        page = client.get(f"/manage/runs/{run.id}/themes/biggest_difference")
        job = session.scalar(select(ThemeJob))
        if job.status in ("done", "failed") or time.monotonic() > deadline:
            break
        assert "Finding themes" in page.text() and page.soup.select_one("meta[http-equiv=refresh]")
        time.sleep(1)
    assert job.status == "done", job.stage
    page = client.get(f"/manage/runs/{run.id}/themes/biggest_difference")
    text = page.text()
    assert "18 comments" in text
    table = {row.select("th, td")[0].get_text(strip=True): [c.get_text(strip=True) for c in row.select("td")]
             for row in page.soup.select("table")[0].select("tbody tr")}
    caseload = next(v for k, v in table.items() if "caseload" in k.lower() or "workload" in k.lower())
    assert caseload[0].startswith("12")
    # 12 comments on caseload: quotes shown; 6 on supervision: figures but no quotes.
    quotes = [q.get_text(strip=True) for q in page.soup.select("blockquote")]
    assert quotes and all("children" in q for q in quotes)
    assert "Quotes are shown only for themes with at least 10 comments." in text


def test_viewers_cannot_start_an_analysis(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    sign_in(client, factories.user(session, made, Role.VIEWER))
    page = client.get(f"/manage/runs/{run.id}/themes/biggest_difference")
    assert not page.soup.select("form[action$='/themes/biggest_difference']")
    token = factories.csrf_token(page)  # from the sign-out form
    refused = client.post(f"/manage/runs/{run.id}/themes/biggest_difference", {"csrf_token": token})
    assert refused.status == 403
    assert session.scalar(select(ThemeJob)) is None


def result_for(themes: dict[str, list[int]], teams: list[int]) -> dict:
    """An engine report in miniature: row i belongs to team teams[i]."""
    rows = [None] * len(teams)
    for theme, members in themes.items():
        for i in members:
            rows[i] = {"row": i, "theme": theme, "confidence": 0.9, "sentiment": "negative"}
    return {"rows": rows, "row_teams": teams, "notes": [], "emerging_themes": [],
            "themes": [{"id": t, "label": t.title(), "keywords": [], "description": None,
                        "quotes": [{"row": m[0], "text": f"quote {t}"}]} for t, m in themes.items()]}


def test_summary_hides_small_themes_and_quotes_below_ten():
    result = result_for({"pay": list(range(0, 12)), "systems": list(range(12, 15)), "team": list(range(15, 20))},
                        [1] * 20)
    shown = {t.id: t for t in summary.summarise(result, None, Thresholds()).themes}
    assert shown["pay"].size == 12 and shown["pay"].quotes == ["quote pay"]
    assert shown["systems"].size is None and shown["team"].size is None  # 3 hidden, so the next smallest too
    assert shown["team"].quotes == []


def test_summary_counts_only_the_managers_teams():
    result = result_for({"pay": list(range(0, 12)), "systems": list(range(12, 24))}, [1] * 12 + [2] * 12)
    scoped = summary.summarise(result, {2}, Thresholds())
    assert scoped.comments == 12
    shown = {t.id: t for t in scoped.themes}
    assert shown["systems"].size == 12 and shown["pay"].size == 0 and shown["pay"].quotes == []
    assert not summary.summarise(result, {3}, Thresholds()).enough


def test_change_from_last_year_is_marked_only_beyond_noise():
    assert compare.notable_change(0.6, 200, 0.3, 200)
    assert not compare.notable_change(0.6, 8, 0.3, 8)
