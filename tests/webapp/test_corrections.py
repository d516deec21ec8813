"""Correcting themes (admins only), comments about more than one theme, and a council's corrections learned.

Corrections are stored per council and question, applied on top of every analysis of the question (a re-run
included), released through the disclosure layer, and passed to the engine as labelled examples for later
runs. A comment about two themes counts once in its main theme's size and in each theme's mentions.
"""

from __future__ import annotations

import time

from sqlalchemy import select

from surveyapp.disclosure import release as releases
from surveyapp.disclosure.themes import quote_key
from surveyapp.models import AuditEvent, Role, ThemeCorrection, ThemeJob, User, UserScope

from . import factories
from .attacker import respond
from .figures import near, percent
from .ip_attacker import attack_themes
from .test_themes import Q, analysed


def sign_in(client, email: str) -> None:
    assert factories.sign_in(client, email).status == 302


def themes_table(page) -> dict[str, list[str]]:
    table = next(t for t in page.soup.select("table") if t.caption.get_text(strip=True) == "Themes")
    return {row.select("th, td")[0].get_text(strip=True): [cell.get_text(strip=True) for cell in row.select("td")]
            for row in table.select("tbody tr")}


def head(page) -> list[str]:
    table = next(t for t in page.soup.select("table") if t.caption.get_text(strip=True) == "Themes")
    return [th.get_text(strip=True) for th in table.select("thead th")]


def key(i: int, theme: str) -> str:
    return quote_key(Q, f"comment {i} on {theme}")


def test_managers_and_viewers_cannot_see_or_correct_comments(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    analysed(session, run, [(north, ["pay"])] * 6)
    base = f"/manage/runs/{run.id}/themes/{Q}/corrections"
    for role in (Role.MANAGER, Role.VIEWER):
        email = factories.user(session, made, role)
        user = session.scalar(select(User).where(User.email == email))
        user.scopes.append(UserScope(service_area_id=north.service_area_id))
        session.commit()
        other = client.another()
        sign_in(other, email)
        token = factories.csrf_token(other.get("/manage/"))
        for url in (base + "/", base + "/?theme=pay", f"{base}/comments/{key(0, 'pay')}", base + "/rename",
                    base + "/merge", base + "/split?theme=pay"):
            page = other.get(url)
            assert page.status == 403, (role, url)
            assert "comment 0 on pay" not in page.html
        refused = other.post(f"{base}/comments/{key(0, 'pay')}", {"csrf_token": token, "main": "systems"})
        assert refused.status == 403
        assert not other.get(f"/manage/runs/{run.id}/themes/{Q}").soup.find(
            "a", href=lambda h: h and "/corrections" in h), "no link to corrections for them"
    assert session.scalar(select(ThemeCorrection)) is None


def test_the_psw_moves_renames_merges_and_splits_and_the_release_shows_it(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    analysed(session, run, [(north, ["pay"])] * 12 + [(north, ["systems"])] * 10 + [(north, ["teamwork"])] * 3)
    sign_in(client, factories.user(session, made, Role.ADMIN))
    base = f"/manage/runs/{run.id}/themes/{Q}/corrections"
    assert client.get(f"/manage/runs/{run.id}/themes/{Q}").soup.find("a", href=base + "/")
    assert client.get(f"/manage/runs/{run.id}/moderation/").soup.find("a", href=base + "/")

    page = client.get(base + "/?theme=pay")
    assert page.status == 200
    assert "comment 0 on pay" in page.text() and "comment 12 on systems" not in page.text()
    assert "As the analysis found" in page.text() and "Moved by the PSW" not in page.text()

    # Move comment 0 to "systems", also about "teamwork". An error first: the input is kept.
    move = f"{base}/comments/{key(0, 'pay')}?theme=pay"
    token = factories.csrf_token(client.get(move))
    page = client.post(move, {"csrf_token": token, "also": ["teamwork"]})
    assert page.status == 200 and page.errors() == ["Choose the comment's main theme"]
    assert page.soup.select_one("input[name=also][value=teamwork]").has_attr("checked"), "the ticked box stays"
    page = client.post(move, {"csrf_token": token, "main": "systems", "also": ["teamwork"]})
    assert page.status == 302
    stored = session.scalar(select(ThemeCorrection))
    assert (stored.kind, stored.themes, stored.text, stored.key) == ("move", ["systems", "teamwork"],
                                                                   "comment 0 on pay", key(0, "pay"))
    page = client.get(base + "/?theme=systems")
    card = next(c for c in page.soup.select(".govuk-summary-card") if "comment 0 on pay" in c.get_text())
    assert "Moved by the PSW" in card.get_text() and "Systems (main theme), Teamwork" in card.get_text(" ", True)

    # Rename: an empty name is an error that keeps the chosen theme; then "Eclipse and IT".
    token = factories.csrf_token(client.get(base + "/rename"))
    page = client.post(base + "/rename", {"csrf_token": token, "theme": "systems", "label": " "})
    assert page.errors() == ["Enter a name for the theme"]
    assert page.soup.select_one("select[name=theme] option[selected]")["value"] == "systems"
    page = client.post(base + "/rename", {"csrf_token": token, "theme": "systems", "label": "Pay"})
    assert page.errors() == ["Another theme is already called “Pay”: choose a different name"]
    assert page.soup.select_one("input[name=label]")["value"] == "Pay"
    assert client.post(base + "/rename", {"csrf_token": token, "theme": "systems",
                                          "label": "Eclipse and IT"}).status == 302

    # Merge: the same theme twice is an error; then teamwork into pay.
    page = client.post(base + "/merge", {"csrf_token": token, "theme": "teamwork", "into": "teamwork"})
    assert page.errors() == ["Choose two different themes"]
    assert client.post(base + "/merge", {"csrf_token": token, "theme": "teamwork", "into": "pay"}).status == 302

    # Split: five of pay's comments to a new theme.
    split = f"{base}/split?theme=pay"
    page = client.post(split, {"csrf_token": token, "label": "Pay progression"})
    assert page.errors() == ["Choose the comments that go to the new theme"]
    assert page.soup.select_one("input[name=label]")["value"] == "Pay progression"
    chosen = [key(i, "pay") for i in range(1, 6)]
    assert client.post(split, {"csrf_token": token, "label": "Pay progression", "comments": chosen}).status == 302

    rows = session.scalars(select(ThemeCorrection).order_by(ThemeCorrection.id)).all()
    assert [r.kind for r in rows] == ["move", "rename", "merge", "split"] + ["move"] * 5
    assert all(r.council_id == made.id and r.questionnaire_key == "health-check" for r in rows)
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "theme_corrected")).all()
    assert len(events) == 4 and all(e.run_id == run.id for e in events)
    page = client.get(base + "/")
    assert "Renamed a theme “Eclipse and IT”" in page.text() and "Merged “Teamwork” into “Pay”" in page.text() and "Split “Pay progression” off “Pay”" in page.text()

    # Released: sizes and names as corrected. Pay: 12 - 1 moved + 3 merged - 5 split = 9 (comment 0 raises it
    # too, through the merge of teamwork: 10 mentions); Eclipse and IT 10 + 1; Pay progression 5; no teamwork.
    factories.approve_quotes(session, run)
    made_release = factories.release(session, run)
    manager = factories.user(session, made, Role.MANAGER)
    user = session.scalar(select(User).where(User.email == manager))
    user.scopes.append(UserScope(service_area_id=north.service_area_id))
    session.commit()
    reader = client.another()
    sign_in(reader, manager)
    page = reader.get(f"/manage/runs/{run.id}/themes/{Q}")
    table = themes_table(page)
    assert head(page)[:3] == ["Theme", "Comments", "Comments raising it"]
    # The area's 25 comments show every theme's size and mentions, as corrected, each within the noise:
    # pay 9 (10 raising it), Eclipse and IT 11, Pay progression 5.
    area = f"area:{north.service_area_id}"
    for label, theme, size, mentions in (("Pay", "pay", 9, 10), ("Eclipse and IT", "systems", 11, 11),
                                         ("Pay progression", "own_pay_progression", 5, 5)):
        shown = near(made_release, f"th:{Q}:{theme}@{area}", size)
        assert table[label][:2] == [f"{shown} ({percent(shown, 25)}%)",
                                    str(near(made_release, f"th:{Q}:{theme}:mentions@{area}", mentions))], label
    assert made_release.content["cells"][f"th:{Q}:pay:second@all"] is None, "a second-theme count is never shown"
    assert "Teamwork" not in table and "Systems" not in table
    assert "A comment about two themes counts in both" in page.text()

    # Re-run: the engine finds the same themes again; the corrections are applied to the new analysis too.
    analysis = analysed_again(session, run)
    corrected = releases.analyses_of(session, run)[Q]
    assert corrected["job"] == analysis.id
    by_row = {r["row"]: r for r in corrected["rows"]}
    assert by_row[0]["themes"] == ["systems", "pay"] and by_row[0]["corrected"] == "moved"
    assert by_row[0]["engine_themes"] == ["pay"]
    assert by_row[1]["theme"] == "own_pay_progression" and by_row[23]["theme"] == "pay"
    assert {t["id"]: t["label"] for t in corrected["themes"]}["systems"] == "Eclipse and IT"


def analysed_again(session, run) -> ThemeJob:
    """A second finished analysis of the same comments, as the engine found them the first time."""
    first = session.scalar(select(ThemeJob).where(ThemeJob.run_id == run.id).order_by(ThemeJob.id))
    again = ThemeJob(run_id=run.id, question_id=Q, status="done", progress=100, stage="Done", result=first.result)
    session.add(again)
    session.commit()
    return again


def test_a_comment_about_two_themes_counts_in_each_and_small_mentions_are_hidden(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    south = factories.team(session, made, "Assessment South")
    # Pay: 6 + 6 main; systems: 13, of which 5 in North also raise pay and 3 raise teamwork (never a main theme).
    comments = ([(north, ["pay"])] * 6 + [(south, ["pay"])] * 6 + [(north, ["systems", "pay"])] * 5
                + [(south, ["systems", "teamwork"])] * 3 + [(south, ["systems"])] * 5)
    analysed(session, run, comments)
    factories.approve_quotes(session, run)
    made_release = factories.release(session, run)
    cells = made_release.content["cells"]
    pay, pay_mentions = near(made_release, f"th:{Q}:pay@all", 12), near(made_release, f"th:{Q}:pay:mentions@all", 17)
    near(made_release, f"th:{Q}:systems:mentions@all", 13)
    near(made_release, f"th:{Q}:pay:mentions@team:{north.id}", 11)
    # Teamwork is raised by 3 people only, as a second theme: a group of 25 comments shows that 3 (within the
    # noise), and the reader's integer program over everything shown proves neither who raised it nor how many.
    teamwork = near(made_release, f"th:{Q}:teamwork:mentions@all", 3)
    found = attack_themes(session, run, [made_release], Q)
    assert found.pinned_people() == []
    raising = [p for p in found.people if "teamwork:mentions" in found.also.get(p, [])]
    assert len(raising) == 3 and "teamwork:mentions" not in found.pinned_set(raising)
    assert f"th:{Q}:pay:second@all" not in cells, "second-theme counts themselves are never released"

    sign_in(client, factories.user(session, made, Role.ADMIN))
    page = client.get(f"/manage/runs/{run.id}/themes/{Q}")
    table = themes_table(page)
    assert table["Pay"][:2] == [f"{pay} ({percent(pay, 25)}%)", str(pay_mentions)]
    assert table["Teamwork"][1] == str(teamwork)
    assert "Comments raising it: those about this theme at all, as their main theme or a second one." in page.text()
    export = client.get(f"/manage/runs/{run.id}/themes/{Q}?format=csv")
    assert "Comments raising it (main or second theme)" in export.response.get_data(as_text=True)


def test_moving_a_few_comments_after_a_release_hides_the_themes_they_moved_between(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    analysed(session, run, [(north, "pay")] * 12 + [(north, "systems")] * 10 + [(north, "teamwork")] * 10)
    first = factories.release(session, run).content["cells"]
    near(first, f"th:{Q}:pay@all", 12)
    near(first, f"th:{Q}:systems@all", 10)
    sign_in(client, factories.user(session, made, Role.ADMIN))
    for i in (0, 1):  # two of pay's comments are about systems
        url = f"/manage/runs/{run.id}/themes/{Q}/corrections/comments/{key(i, 'pay')}"
        assert client.submit(url, {"main": "systems"}).status == 302
    second = factories.release(session, run).content["cells"]
    # 10 and 12 shown before, 12 and 10 now would tell which theme two people's comments went to.
    assert second[f"th:{Q}:pay@all"] is None and second[f"th:{Q}:systems@all"] is None
    # Teamwork's ten are the same people: the same figure as before (the same noise).
    assert second[f"th:{Q}:teamwork@all"] == near(first, f"th:{Q}:teamwork@all", 10)


def test_adding_a_second_theme_to_a_few_comments_after_a_release_hides_that_themes_mentions(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    analysed(session, run, [(north, "pay")] * 12 + [(north, ["systems", "pay"])] * 10 + [(north, "teamwork")] * 10)
    first = factories.release(session, run).content["cells"]
    near(first, f"th:{Q}:teamwork:mentions@all", 10)
    near(first, f"th:{Q}:pay:mentions@all", 22)
    sign_in(client, factories.user(session, made, Role.ADMIN))
    for i in (0, 1):  # two pay comments are about teamwork too: their main theme stays pay
        url = f"/manage/runs/{run.id}/themes/{Q}/corrections/comments/{key(i, 'pay')}"
        assert client.submit(url, {"main": "pay", "also": ["teamwork"]}).status == 302
    second = factories.release(session, run).content["cells"]
    assert second[f"th:{Q}:teamwork:mentions@all"] is None, "12 now and 10 before would point at two people"
    # The same people as before: the same figures (the same noise).
    assert second[f"th:{Q}:teamwork@all"] == near(first, f"th:{Q}:teamwork@all", 10)
    assert second[f"th:{Q}:pay@all"] == near(first, f"th:{Q}:pay@all", 12)
    assert second[f"th:{Q}:pay:mentions@all"] == first[f"th:{Q}:pay:mentions@all"]


def test_themes_without_second_themes_show_no_mentions_column(client, session):
    made = factories.council(session)
    run = factories.run(session, made)
    north = factories.team(session, made, "Assessment North")
    analysed(session, run, [(north, ["pay"])] * 6 + [(north, ["systems"])] * 6)
    factories.release(session, run)
    assert not [k for k in factories.release(session, run).content["cells"] if ":mentions" in k]
    sign_in(client, factories.user(session, made, Role.ADMIN))
    assert head(client.get(f"/manage/runs/{run.id}/themes/{Q}")) == [
        "Theme", "Comments", "Change", "Sentiment", "Key words"]


# The council's own words, which the engine cannot know: its case-recording system ("Eclipse"), its name for
# supervision ("Brightside") and its office ("the Hub"), as tests/analysis/test_multi_and_corrections.py.
RUN_1 = [("Eclipse ate my notes again.", "systems_admin"),
         ("Eclipse needs rebuilding from scratch.", "systems_admin"),
         ("Eclipse has a mind of its own.", "systems_admin"),
         ("Eclipse froze twice during my write-up today.", "systems_admin"),
         ("Brightside got cancelled again.", "supervision"),
         ("Brightside is a box-ticking exercise.", "supervision"),
         ("My Brightside with the TM was all about overdue visits.", "supervision"),
         ("Brightside every four weeks keeps me grounded.", "supervision"),
         ("Can't concentrate at the Hub.", "office_environment"),
         ("The Hub is packed on Fridays.", "office_environment"),
         ("The Hub's kitchen has been shut since May.", "office_environment"),
         ("Nowhere quiet in the Hub to phone a parent.", "office_environment")]
# Different comments of the next year's run, in the same words.
RUN_2 = [("Eclipse is down again.", "systems_admin"),
         ("Eclipse lost my chronology.", "systems_admin"),
         ("I spend hours in Eclipse every night.", "systems_admin"),
         ("Brightside was moved again this week.", "supervision"),
         ("Brightside feels like a checklist.", "supervision"),
         ("Haven't had Brightside since June.", "supervision"),
         ("The Hub is freezing.", "office_environment"),
         ("Parking at the Hub is a joke.", "office_environment"),
         ("The Hub has no lift that works.", "office_environment")]


def analyse(client, session, run) -> ThemeJob:
    """Find themes through the app (the queue runs the job at once in tests) and return the finished job."""
    assert client.submit(f"/manage/runs/{run.id}/themes/{Q}").status == 302
    deadline = time.monotonic() + 300
    while (job := session.scalar(select(ThemeJob).where(ThemeJob.run_id == run.id)
                                 .order_by(ThemeJob.id.desc()))).status not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(1)
    assert job.status == "done", job.stage
    return job


def accuracy(rows: list[dict], truth: list[str]) -> float:
    return sum(r["theme"] == t for r, t in zip(rows, truth)) / len(truth)


def test_corrections_on_one_run_raise_accuracy_on_a_later_run_of_different_comments(client, session):
    made = factories.council(session)
    north = factories.team(session, made, "Assessment North")
    first, later = factories.run(session, made), factories.run(session, made)
    for run, comments in ((first, RUN_1), (later, RUN_2)):
        for text, _ in comments:
            respond(session, run, north, **{Q: text})
    sign_in(client, factories.user(session, made, Role.ADMIN))
    truth = [theme for _, theme in RUN_2]

    def engine_rows(job: ThemeJob) -> list[dict]:  # responses' random ids order the rows: back to RUN_2's order
        order = releases.corrections.row_keys(session, Q, job.result)
        by_key = dict(zip(order, job.result["rows"]))
        return [by_key[quote_key(Q, text)] for text, _ in RUN_2]

    before = accuracy(engine_rows(analyse(client, session, later)), truth)  # no corrections yet

    # The PSW corrects the first run: every comment the engine put in the wrong theme is moved.
    job = analyse(client, session, first)
    keys = releases.corrections.row_keys(session, Q, job.result)
    found = dict(zip(keys, job.result["rows"]))
    moved = 0
    for text, theme in RUN_1:
        row = found[quote_key(Q, text)]
        if row["theme"] != theme:
            url = f"/manage/runs/{first.id}/themes/{Q}/corrections/comments/{quote_key(Q, text)}"
            assert client.submit(url, {"main": theme}).status == 302
            moved += 1
    assert moved >= 3, "the engine alone gets some of the council's own words wrong"
    # A re-run of the first run keeps the corrections: every comment is where the PSW put it.
    assert analyse(client, session, first).id != job.id
    corrected = releases.analyses_of(session, first)[Q]
    keys = releases.corrections.row_keys(session, Q, corrected)
    by_key = dict(zip(keys, corrected["rows"]))
    assert [by_key[quote_key(Q, t)]["theme"] for t, _ in RUN_1] == [theme for _, theme in RUN_1]

    after = accuracy(engine_rows(analyse(client, session, later)), truth)  # learned, not corrected: new comments
    print(f"accuracy on the later run: {before:.2f} without corrections, {after:.2f} with {moved} corrections")
    assert before <= 0.6, before
    assert after >= 0.85 and after > before, (before, after)


def test_a_theme_split_off_is_learned_as_a_theme_of_the_councils_own(tmp_path):
    """The engine's taxonomy for the council's next analysis has the split-off theme, learned from its comments."""
    from types import SimpleNamespace

    from analysis import analyse_themes
    from surveyapp.disclosure import corrections
    from surveyapp.themes.jobs import taxonomy_for

    moved = ["Parking at the Hub is a nightmare.", "No parking spaces left after 9am.",
             "I pay eight pounds a day to park near the office.", "The car park is always full."]
    made = [SimpleNamespace(id=1, kind="split", theme="office_environment", themes=["own_car_parking"],
                            label="Car parking", key=None, text=None)]
    made += [SimpleNamespace(id=i + 2, kind="move", theme="office_environment", themes=["own_car_parking"],
                             label=None, key=f"{i:064x}", text=text) for i, text in enumerate(moved)]
    found = corrections.fold(made)
    taxonomy = taxonomy_for("health_check", found)
    assert taxonomy.theme_ids[-1] == "own_car_parking" and taxonomy.theme("own_car_parking").name == "Car parking"
    # The split carves parking out of the office theme: its parking words and examples go to the new theme,
    # the rest (a word only one moved comment uses, like "office") stays.
    office, parking = taxonomy.theme("office_environment"), taxonomy.theme("own_car_parking")
    assert {"parking", "car park"} <= set(parking.keywords) and not {"parking", "car park"} & set(office.keywords)
    assert "office" in office.keywords and "office" not in parking.keywords
    assert not [e for e in office.examples if "parking" in e.lower()]
    assert set(moved) < set(parking.examples) and len(parking.examples) > len(moved)
    later = ["Couldn't find a parking space again this morning.", "Parking permits cost far too much.",
             "I circle the car park for twenty minutes every day.", "My caseload is far too high."]
    plain = analyse_themes(later, taxonomy="health-check", cache_dir=tmp_path)
    learned = analyse_themes(later, taxonomy=taxonomy, cache_dir=tmp_path, labelled=corrections.labelled(found))
    assert "own_car_parking" not in plain.assignments
    assert learned.assignments == ["own_car_parking"] * 3 + ["caseload_workload"]
    assert taxonomy_for("health_check", corrections.Corrections()).theme_ids == plain_ids()


def plain_ids() -> list[str]:
    from analysis import load_taxonomy

    return load_taxonomy("health-check").theme_ids
