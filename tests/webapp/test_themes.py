"""Themes in the app: the analysis runs in the background; managers read the themes a release froze."""

from __future__ import annotations

import time

from sqlalchemy import select

from surveyapp.disclosure import compare
from surveyapp.models import Answer, Response, Role, ThemeJob, User, UserScope

from . import factories
from .attacker import respond
from .figures import near, percent

Q = "biggest_difference"
CASELOAD = ["My caseload is far too high at {} children.", "Too many cases: I hold {} children and cannot visit them all."]
SUPERVISION = ["Supervision keeps being cancelled, I had {} sessions this year.",
               "I need regular reflective supervision, not {} rushed catch-ups."]


def seed_comments(session, run, team, texts: list[str]) -> None:
    for text in texts:
        response = Response(run_id=run.id, team_id=team.id)
        response.answers.append(Answer(question_id=Q, text=text))
        session.add(response)
    session.commit()


def sign_in(client, email: str) -> None:
    page = factories.sign_in(client, email)
    assert page.status == 302, page.errors()


def themes_table(page) -> dict[str, list[str]]:
    table = next(t for t in page.soup.select("table") if t.caption.get_text(strip=True) == "Themes")
    return {row.select("th, td")[0].get_text(strip=True): [cell.get_text(strip=True) for cell in row.select("td")]
            for row in table.select("tbody tr")}


def by_team(page) -> dict[str, list[str]]:
    table = next(t for t in page.soup.select("table") if t.caption.get_text(strip=True) == "Themes by team")
    rows = [[cell.get_text(strip=True) for cell in row.select("th, td")] for row in table.select("tbody tr")]
    return {row[0]: row[1:] for row in rows}


def quotes(page) -> list[str]:
    return [q.get_text(strip=True) for q in page.soup.select("blockquote")]


def test_an_admin_finds_themes_and_managers_read_them_once_released(app, client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    seed_comments(session, run, north, [CASELOAD[i % 2].format(20 + i) for i in range(12)]
                  + [SUPERVISION[i % 2].format(i + 2) for i in range(6)])
    sign_in(client, factories.user(session, made, Role.ADMIN))

    started = client.submit(f"/manage/runs/{run.id}/themes/{Q}")
    assert started.response.headers["Location"].endswith(f"/themes/{Q}")
    deadline = time.monotonic() + 240
    while True:
        page = client.get(f"/manage/runs/{run.id}/themes/{Q}")
        job = session.scalar(select(ThemeJob))
        if job.status in ("done", "failed") or time.monotonic() > deadline:
            break
        # The page does not reload itself (an accessibility fix): it says to refresh it.
        assert "Finding themes" in page.text() and "Refresh this page to see how it is going" in page.text()
        assert not page.soup.select_one("meta[http-equiv=refresh]")
        assert not page.soup.select(f"form[action$='/themes/{Q}']"), "no second analysis while one runs"
        time.sleep(1)
    assert job.status == "done", job.stage

    # Finished, but nothing is released yet: no figure, no quote, and a note that a newer analysis is waiting.
    page = client.get(f"/manage/runs/{run.id}/themes/{Q}")
    text = page.text()
    assert "Nothing has been released yet, so no themes are shown." in text
    assert "A newer analysis has finished." in text
    assert "comments." not in text and not quotes(page) and not page.soup.select("table")

    factories.approve_quotes(session, run)  # the PSW approves every quote (moderation)
    made_release = factories.release(session, run)
    ids = {t["label"]: t["id"] for t in made_release.content["themes"][Q]["themes"]}
    page = client.get(f"/manage/runs/{run.id}/themes/{Q}")
    text = page.text()
    assert "A newer analysis has finished." not in text
    assert "18 comments." in text and "Showing Northshire Council" in text
    table = themes_table(page)
    label = next(k for k in table if "caseload" in k.lower() or "workload" in k.lower())
    assert table[label][0].startswith(f"{near(made_release, f'th:{Q}:{ids[label]}@all', 12)} (")
    label = next(k for k in table if "supervision" in k.lower())
    assert table[label][0].startswith(f"{near(made_release, f'th:{Q}:{ids[label]}@all', 6)} (")
    # 12 comments on caseload: quotes shown; 6 on supervision: a figure but no quotes.
    found = quotes(page)
    assert found and all("children" in q for q in found)
    assert "Key words and quotes are shown only for themes with at least 10 comments" in text
    assert "No quotes: they are shown only for themes with at least 10 comments here, and only those" in text

    # A manager of the area reads the same release for their area.
    email = factories.user(session, made, Role.MANAGER)
    manager = session.scalar(select(User).where(User.email == email))
    manager.scopes.append(UserScope(service_area_id=north.service_area_id))
    session.commit()
    other = client.another()
    sign_in(other, email)
    page = other.get(f"/manage/runs/{run.id}/themes/{Q}")
    assert "Showing Referral and Assessment" in page.text() and "18 comments." in page.text()
    assert "A newer analysis has finished." not in page.text()
    area = f"area:{north.service_area_id}"
    label = next(k for k in themes_table(page) if "supervision" in k.lower())
    assert themes_table(page)[label][0].startswith(f"{near(made_release, f'th:{Q}:{ids[label]}@{area}', 6)} (")

    # Finding themes again is allowed; managers keep reading the released themes until the next release.
    again = client.submit(f"/manage/runs/{run.id}/themes/{Q}")
    assert again.status == 302
    deadline = time.monotonic() + 240
    while session.scalar(select(ThemeJob).order_by(ThemeJob.id.desc())).status not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(1)
    page = client.get(f"/manage/runs/{run.id}/themes/{Q}")
    assert "A newer analysis has finished." in page.text() and "18 comments." in page.text()


def test_viewers_cannot_start_an_analysis(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    sign_in(client, factories.user(session, made, Role.VIEWER))
    page = client.get(f"/manage/runs/{run.id}/themes/{Q}")
    assert not page.soup.select(f"form[action$='/themes/{Q}']")
    token = factories.csrf_token(page)  # from the sign-out form
    refused = client.post(f"/manage/runs/{run.id}/themes/{Q}", {"csrf_token": token})
    assert refused.status == 403
    assert session.scalar(select(ThemeJob)) is None


def analysed(session, run, comments: list[tuple[object, str | list[str]]], flagged: set[int] = frozenset(),
             keywords: dict[str, list[str]] | None = None) -> ThemeJob:
    """Responses with comments, and a finished analysis of them in miniature: comment i is (team, theme), or
    (team, its themes, main first) for a comment about more than one.

    Each theme's quotes are its first two comments (flagged ones included: the release must leave them out)."""
    sets = [[theme] if isinstance(theme, str) else list(theme) for _, theme in comments]
    responses = [respond(session, run, team, **{Q: f"comment {i} on {themes[0]}"}) for i, ((team, _), themes) in
                 enumerate(zip(comments, sets))]
    rows = [{"row": i, "theme": themes[0], "themes": themes, "confidence": 0.9, "sentiment": "negative",
             "flag": "risk_to_child" if i in flagged else None} for i, themes in enumerate(sets)]
    names = list(dict.fromkeys(t for themes in sets for t in themes))
    themes = [{"id": t, "label": t.replace("_", " ").capitalize(), "keywords": (keywords or {}).get(t, [t, f"{t}word"]),
               "description": None,
               "quotes": [{"row": i, "text": f"comment {i} on {t}"} for i, found in enumerate(sets)
                          if found[0] == t][:2]} for t in names]
    job = ThemeJob(run_id=run.id, question_id=Q, status="done", progress=100, stage="Done",
                   result={"mode": "taxonomy", "rows": rows, "row_teams": [team.id for team, _ in comments],
                           "row_responses": [r.id for r in responses], "notes": [], "emerging_themes": [],
                           "themes": themes})
    session.add(job)
    session.commit()
    return job


def test_small_themes_are_hidden_and_words_need_ten_comments(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    south = factories.team(session, made, "Assessment South")
    analysed(session, run, [(north, "pay")] * 8 + [(south, "pay")] * 4 + [(north, "systems")] * 3
             + [(south, "teamwork")] * 5 + [(north, "teamwork")] * 2)
    factories.approve_quotes(session, run)  # the PSW approves every quote (moderation)
    made_release = factories.release(session, run)
    cells = made_release.content["cells"]
    sign_in(client, factories.user(session, made, Role.ADMIN))
    page = client.get(f"/manage/runs/{run.id}/themes/{Q}")
    text = page.text()
    assert "22 comments." in text
    table = themes_table(page)
    # 22 comments show every theme's size, the 3 about systems included, each as released.
    for label, theme, n in (("Pay", "pay", 12), ("Systems", "systems", 3), ("Teamwork", "teamwork", 7)):
        size = near(made_release, f"th:{Q}:{theme}@all", n)
        assert table[label][0] == f"{size} ({percent(size, 22)}%)", label
    # Keywords: 12 comments (10 at least, whatever the noise), and only words of the approved quotes
    # ("payword" is in none of them); none for themes of fewer than 10.
    assert table["Pay"][3] == "pay"
    assert table["Systems"][3] == "" and table["Teamwork"][3] == ""
    assert quotes(page) == ["comment 0 on pay", "comment 1 on pay"]
    assert "comment 12 on systems" not in page.html and "systemsword" not in page.html
    teams = by_team(page)
    assert set(teams) == {"Assessment North", "Assessment South", "Children in Care"}
    for name, row in teams.items():
        group = f"team:{factories.team(session, made, name).id}"
        assert row == ["Hidden" if cells[k] is None else str(cells[k])
                       for k in (f"th:{Q}:=@{group}", f"th:{Q}:pay@{group}", f"th:{Q}:systems@{group}",
                                 f"th:{Q}:teamwork@{group}")], name
    assert "Hidden" not in teams["Assessment North"] + teams["Assessment South"]  # 13 and 9 people
    south = f"team:{south.id}"
    near(made_release, f"th:{Q}:pay@{south}", 4)
    near(made_release, f"th:{Q}:=@{south}", 9)


def test_a_comment_flagged_as_a_safeguarding_concern_is_never_quoted(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    # 13 and 12 comments: at least 10 shown whatever the noise, so each theme may show quotes.
    job = analysed(session, run, [(north, "caseload")] * 13 + [(north, "pay")] * 12, flagged={0, 13})
    factories.approve_quotes(session, run)  # the PSW approves every quote (moderation)
    made_release = factories.release(session, run)
    sign_in(client, factories.user(session, made, Role.ADMIN))
    page = client.get(f"/manage/runs/{run.id}/themes/{Q}")
    table = themes_table(page)
    caseload, pay = near(made_release, f"th:{Q}:caseload@all", 13), near(made_release, f"th:{Q}:pay@all", 12)
    assert table["Caseload"][0] == f"{caseload} ({percent(caseload, 25)}%)"
    assert table["Pay"][0] == f"{pay} ({percent(pay, 25)}%)"
    # The first quote of each theme is flagged: only the second is shown, and flagged rows still count.
    assert job.result["themes"][0]["quotes"][0]["row"] == 0
    assert quotes(page) == ["comment 1 on caseload", "comment 14 on pay"]
    assert "comment 0 on caseload" not in page.html and "comment 13 on pay" not in page.html


def test_a_manager_reads_only_their_teams(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    south = factories.team(session, made, "Assessment South")
    care = factories.team(session, made, "Children in Care")
    analysed(session, run, [(north, "pay")] * 12 + [(south, "systems")] * 12)
    for _ in range(6):
        respond(session, run, care, caseload_manageable="agree")  # no comments in Children in Care
    factories.approve_quotes(session, run)  # the PSW approves every quote (moderation)
    made_release = factories.release(session, run)
    emails = {}
    for name, team in (("south", south), ("care", care)):
        emails[name] = factories.user(session, made, Role.MANAGER, email=f"{name}@northshire.example")
        manager = session.scalar(select(User).where(User.email == emails[name]))
        manager.scopes.append(UserScope(team_id=team.id))
    session.commit()

    sign_in(client, emails["south"])
    page = client.get(f"/manage/runs/{run.id}/themes/{Q}")
    text = page.text()
    assert "Showing Assessment South" in text and "12 comments." in text
    table = themes_table(page)
    systems = near(made_release, f"th:{Q}:systems@team:{south.id}", 12)
    pay = near(made_release, f"th:{Q}:pay@team:{south.id}", 0)
    assert table["Systems"][0] == f"{systems} ({percent(systems, 12)}%)" and table["Pay"][0] == f"{pay} ({percent(pay, 12)}%)"
    assert quotes(page) == ["comment 12 on systems", "comment 13 on systems"]  # none of North's
    assert "Themes by team" not in text  # a team is not broken down further
    assert client.get(f"/manage/runs/{run.id}/themes/{Q}?unit=team:{north.id}").status == 404
    assert client.get(f"/manage/runs/{run.id}/themes/{Q}?unit=all").status == 404

    other = client.another()
    sign_in(other, emails["care"])
    page = other.get(f"/manage/runs/{run.id}/themes/{Q}")
    text = page.text()
    assert "Showing Looked After Children" in text and "0 comments." in text
    assert not quotes(page)
    assert page.soup.find("a", href=f"/manage/runs/{run.id}/themes/{Q}?unit=team:{care.id}")
    assert by_team(page) == {"Children in Care": ["0", "0", "0"]}


def test_change_from_last_year_is_marked_only_beyond_noise():
    assert compare.notable_change(0.6, 200, 0.3, 200)
    assert not compare.notable_change(0.6, 8, 0.3, 8)
