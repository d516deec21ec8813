"""The moderation queue: only quotes the principal social worker approves are released, edits replace the
original, keywords come from released words; safeguarding flags are routed to the PSW; named leavers are
listed to the admin alone. Managers never see any of it."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
from sqlalchemy import select

from surveyapp.disclosure.themes import quote_key
from surveyapp.models import AuditEvent, ConcernReview, QuoteDecision, Role, ThemeJob, User, UserScope

from . import factories
from .attacker import respond
from .figures import near

Q = "biggest_difference"
PAY = ["Pay us what agency staff get.", "Overtime is never paid, call me on 07700 900123.",
       "Pay is fine but the rota is cruel."]
CASELOAD = ["Caseloads are too high to visit children.", "Caseload weighting would help."]


def analysed(session, run, teams, plan: dict[str, list[str]], keywords: dict[str, list[str]],
             flagged: set[int] = frozenset(), order: list[int] | None = None) -> ThemeJob:
    """A finished analysis in miniature: each theme's comments (the first ones are its quotes), spread over
    `teams` in turn. `order` lists the rows in another order, as a re-analysis of the same comments may."""
    comments = [(theme, text) for theme, texts in plan.items() for text in texts]
    responses = [respond(session, run, teams[i % len(teams)], **{Q: text}) for i, (_, text) in enumerate(comments)]
    order = order or list(range(len(comments)))
    rows = [{"row": j, "theme": comments[i][0], "confidence": 0.9, "sentiment": None,
             "flag": "child_at_risk" if i in flagged else None} for j, i in enumerate(order)]
    themes = [{"id": t, "label": t.capitalize(), "keywords": keywords[t], "description": None,
               "quotes": [{"row": order.index(i), "text": comments[i][1]} for i in range(len(comments))
                          if comments[i][0] == t][:3]} for t in plan]
    job = ThemeJob(run_id=run.id, question_id=Q, status="done", progress=100, stage="Done",
                   result={"mode": "taxonomy", "rows": rows, "notes": [], "emerging_themes": [], "themes": themes,
                           "row_teams": [teams[i % len(teams)].id for i in order],
                           "row_responses": [responses[i].id for i in order]})
    session.add(job)
    session.commit()
    return job


def plan_of(extra_pay: int = 9, extra_caseload: int = 9) -> dict[str, list[str]]:
    return {"pay": PAY + [f"Pay comment {i}." for i in range(extra_pay)],
            "caseload": CASELOAD + [f"Caseload comment {i}." for i in range(extra_caseload)]}


def moderated_council(session, plan=None, **options):
    made = factories.council(session)
    run = factories.run(session, made)
    teams = [factories.team(session, made, "Assessment North"), factories.team(session, made, "Assessment South")]
    job = analysed(session, run, teams, plan or plan_of(),
                   {"pay": ["pay", "agency", "cruel", "rota", "overtime"], "caseload": ["caseload", "visit"]}, **options)
    return made, run, teams, job


def sign_in(client, email: str) -> None:
    assert factories.sign_in(client, email).status == 302


def manager(session, made, team, email="manager@northshire.example") -> str:
    factories.user(session, made, Role.MANAGER, email=email)
    user = session.scalar(select(User).where(User.email == email))
    user.scopes.append(UserScope(service_area_id=team.service_area_id))
    session.commit()
    return email


def quote_section(page, text: str):
    return next(s for s in page.soup.select("section.app-moderation-quote") if text in s.get_text())


def decide(client, run, page, text: str, decision: str):
    form = quote_section(page, text).select_one("form")
    return client.post(form["action"], {"csrf_token": factories.csrf_token(page), "decision": decision})


def everything_a_manager_reads(client, run) -> str:
    """Every page and export of the run's themes and results, as one text."""
    base = f"/manage/runs/{run.id}"
    found = []
    for url in (f"{base}", f"{base}/results", f"{base}/themes/", f"{base}/themes/{Q}",
                f"{base}/themes/{Q}?format=csv", f"{base}/themes/{Q}?format=json"):
        page = client.get(url)
        assert page.status == 200, url
        found.append(page.html)
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"{base}/themes/{Q}?format=xlsx").response.get_data()))
    found += [str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row]
    return "\n".join(found)


def test_only_approved_quotes_are_released_and_an_edit_replaces_the_original(client, session):
    made, run, teams, _ = moderated_council(session)
    factories.invitation(session, run, teams[0], name="Jo Bloggs")  # the staff list's names are redacted from edits
    sign_in(client, factories.user(session, made, Role.ADMIN))
    queue = client.get(f"/manage/runs/{run.id}/moderation/")
    assert queue.status == 200 and queue.h1 == "Moderation"
    # Both themes have at least 10 comments: each one's three quotes wait for a decision, with the reason.
    assert len(queue.soup.select("section.app-moderation-quote")) == 6
    section = quote_section(queue, PAY[0]).get_text(" ", strip=True)
    assert "In the theme “Pay” (12 comments)" in section and "this is number 1 of them" in section
    assert "Not decided" in section

    assert decide(client, run, queue, PAY[0], "approve").status == 302
    edit_url = quote_section(queue, PAY[1]).select_one("a[href$='/edit']")["href"]
    # An empty edit is refused with a message, and nothing is recorded.
    refused = client.submit(edit_url, {"text": "  "})
    assert refused.status == 200 and refused.errors() == ["Enter the text to release"]
    assert refused.title.startswith("Error: ")
    saved = client.submit(edit_url, {"text": "Overtime is never paid. Ring Jo Bloggs on 07700 900456."})
    assert saved.status == 302
    assert decide(client, run, client.get(f"/manage/runs/{run.id}/moderation/"), PAY[2], "withhold").status == 302
    assert decide(client, run, client.get(f"/manage/runs/{run.id}/moderation/"), CASELOAD[0], "withhold").status == 302
    # CASELOAD[1] is left undecided: not released either.

    edited = session.scalar(select(QuoteDecision).where(QuoteDecision.status == "edited"))
    assert edited.original == PAY[1]  # kept, privately
    assert "07700" not in edited.text and "[PHONE]" in edited.text and "Bloggs" not in edited.text
    queue = client.get(f"/manage/runs/{run.id}/moderation/")
    assert "3 quotes" not in queue.text() and "6 quotes: 1 approved, 1 edited, 2 withheld, 2 not yet decided" in queue.text()
    assert f"Released as: “{edited.text}”" in quote_section(queue, PAY[1]).get_text(" ", strip=True)

    made_release = factories.release(session, run)
    email = manager(session, made, teams[0])
    other = client.another()
    sign_in(other, email)
    for reader in (client, other):
        seen = everything_a_manager_reads(reader, run)
        assert PAY[0] in seen and edited.text in seen
        for never in (PAY[1], "07700", "Bloggs", PAY[2], CASELOAD[0], CASELOAD[1], "cruel", "rota"):
            assert never not in seen, never
    page = client.get(f"/manage/runs/{run.id}/themes/{Q}")
    assert [q.get_text(strip=True) for q in page.soup.select("blockquote")] == [PAY[0], edited.text]
    table = next(t for t in page.soup.select("table") if t.caption.get_text(strip=True) == "Themes")
    rows = {r.th.get_text(strip=True): [td.get_text(strip=True) for td in r.select("td")] for r in table.select("tbody tr")}
    # Keywords only from released words: "cruel" and "rota" were only in the withheld comment; caseload released none.
    assert rows["Pay"][3] == "pay, agency, overtime"
    caseload = near(made_release, f"th:{Q}:caseload@all", 11)
    assert rows["Caseload"][0].startswith(f"{caseload} (") and rows["Caseload"][3] == ""


def test_each_quote_decision_is_in_the_audit_log_without_the_comment(client, session):
    made, run, teams, _ = moderated_council(session)
    admin = factories.user(session, made, Role.ADMIN)
    sign_in(client, admin)
    queue = client.get(f"/manage/runs/{run.id}/moderation/")
    assert decide(client, run, queue, PAY[0], "approve").status == 302
    edit_url = quote_section(queue, PAY[1]).select_one("a[href$='/edit']")["href"]
    assert client.submit(edit_url, {"text": "  "}).status == 200  # refused: nothing decided, nothing logged
    assert client.submit(edit_url, {"text": "Overtime is never paid, however late we stay."}).status == 302
    assert decide(client, run, client.get(f"/manage/runs/{run.id}/moderation/"), CASELOAD[0], "withhold").status == 302
    # A manager's attempt is refused and logged as nothing.
    other = client.another()
    sign_in(other, manager(session, made, teams[0]))
    assert other.post(f"/manage/runs/{run.id}/moderation/quotes/{quote_key(Q, CASELOAD[1])}",
                      {"csrf_token": factories.csrf_token(other.get("/manage/")), "decision": "approve"}).status == 403

    decisions = session.scalars(select(QuoteDecision).order_by(QuoteDecision.id)).all()
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "moderation_decision")
                             .order_by(AuditEvent.id)).all()
    assert [(e.actor, e.run_id, e.council_id) for e in events] == [(admin, run.id, made.id)] * 3
    assert [e.detail for e in events] == [
        {"decision": d.status, "question": Q, "theme": theme, "decision_id": d.id}
        for d, theme in zip(decisions, ["Pay", "Pay", "Caseload"])]
    stored = " ".join(str(e.detail) for e in events)
    for words in (*PAY, *CASELOAD, decisions[1].text, "Overtime", "Caseloads are", quote_key(Q, PAY[0])[:12]):
        assert words not in stored, words

    # The admin's audit log says it in words, on the page and in the download.
    page = client.get("/manage/audit-log", query_string={"kind": "moderation_decision"})
    rows = [[td.get_text(" ", strip=True) for td in tr.select("td")] for tr in page.soup.select("tbody tr")]
    assert [r[2] for r in rows] == ["Quote approved, edited or withheld"] * 3
    assert [r[5] for r in rows] == [  # newest first
        f"Withheld a quote: no release shows it (theme “Caseload” of question {Q}; decision {decisions[2].id})",
        (f"Edited a quote: the next release shows the edit instead (theme “Pay” of question {Q}; "
        f"decision {decisions[1].id})"),
        f"Approved a quote for the next release (theme “Pay” of question {Q}; decision {decisions[0].id})"]
    for words in (*PAY, "Overtime"):
        assert words not in page.text()
    download = client.get("/manage/audit-log", query_string={"kind": "moderation_decision", "format": "csv"})
    assert f"Approved a quote for the next release (theme “Pay” of question {Q}; decision {decisions[0].id})" \
        in download.response.get_data(as_text=True)


def test_a_decision_holds_when_a_reanalysis_chooses_the_same_comment(client, session):
    made, run, _, first = moderated_council(session)
    factories.approve_quotes(session, run)
    assert session.scalar(select(QuoteDecision).where(QuoteDecision.key == quote_key(Q, PAY[1]))) is not None
    # The same comments analysed again, in another order: other rows, other responses' positions.
    result = dict(first.result)
    order = list(reversed(range(len(result["rows"]))))
    result["rows"] = [{**first.result["rows"][i], "row": j} for j, i in enumerate(order)]
    result["row_teams"] = [first.result["row_teams"][i] for i in order]
    result["row_responses"] = [first.result["row_responses"][i] for i in order]
    result["themes"] = [{**t, "quotes": [{"row": order.index(q["row"]), "text": q["text"]} for q in t["quotes"]]}
                        for t in first.result["themes"]]
    session.add(ThemeJob(run_id=run.id, question_id=Q, status="done", progress=100, stage="Done", result=result))
    session.commit()
    sign_in(client, factories.user(session, made, Role.ADMIN))
    queue = client.get(f"/manage/runs/{run.id}/moderation/")
    assert "6 quotes: 6 approved" in queue.text()
    factories.release(session, run)
    page = client.get(f"/manage/runs/{run.id}/themes/{Q}")
    assert {q.get_text(strip=True) for q in page.soup.select("blockquote")} == set(PAY + CASELOAD + ["Caseload comment 0."])


def test_managers_and_viewers_never_see_the_queue(client, session):
    made, run, teams, _ = moderated_council(session, flagged={3})
    exit_run = factories.run(session, made, "exit-interview")
    sign_in(client, factories.user(session, made, Role.ADMIN))
    queue = client.get(f"/manage/runs/{run.id}/moderation/")
    key = quote_key(Q, PAY[0])
    concern = queue.soup.select_one("a[href*='/moderation/concerns/']")["href"]
    assert client.get(f"/manage/runs/{run.id}").soup.find("a", href=f"/manage/runs/{run.id}/moderation/")
    token = factories.csrf_token(queue)
    viewer = factories.user(session, made, Role.VIEWER)
    for email in (manager(session, made, teams[0]), viewer):
        other = client.another()
        sign_in(other, email)
        own = factories.csrf_token(other.get("/manage/"))
        for url in (f"/manage/runs/{run.id}/moderation/", f"/manage/runs/{run.id}/moderation/quotes/{key}/edit",
                    concern, f"/manage/runs/{exit_run.id}/moderation/named-leavers"):
            page = other.get(url)
            assert page.status == 403 and PAY[0] not in page.html, url
        for url, data in ((f"/manage/runs/{run.id}/moderation/quotes/{key}", {"decision": "approve"}),
                          (f"/manage/runs/{run.id}/moderation/quotes/{key}/edit", {"text": "Managers' words"}),
                          (concern, {"note": "Nothing to see"})):
            assert other.post(url, {"csrf_token": own, **data}).status == 403, url
        assert not other.get(f"/manage/runs/{run.id}").soup.select("a[href*='/moderation']")
    assert session.scalar(select(QuoteDecision)) is None and session.scalar(select(ConcernReview)) is None
    # And an admin's decision needs the form's token.
    assert client.post(f"/manage/runs/{run.id}/moderation/quotes/{key}", {"decision": "approve"}).status == 400
    assert client.post(f"/manage/runs/{run.id}/moderation/quotes/{key}",
                       {"csrf_token": token, "decision": "publish"}).status == 400
    assert client.get(f"/manage/runs/{run.id}/moderation/quotes/{'0' * 64}/edit").status == 404


def test_safeguarding_flags_are_routed_to_the_psw_and_never_quoted(client, session):
    made = factories.council(session, teams={"Referral and Assessment": ["Big Team", "Small Team"],
                                             "Fostering": ["Lone Team"]})
    run = factories.run(session, made)
    big, small, lone = (factories.team(session, made, n) for n in ("Big Team", "Small Team", "Lone Team"))
    for _ in range(5):
        respond(session, run, small, caseload_manageable="agree")  # Small Team: 5, and 1 who commented
    plan = {"pay": ["A parent threatened to hurt the child again, ring 07700 900123."] + PAY
            + [f"Pay comment {i}." for i in range(8)] + ["Someone said they would stab me."]}
    comments = [(t, text) for t, texts in plan.items() for text in texts]
    teams_of = [small] + [big] * 11 + [lone]
    responses = [respond(session, run, team, **{Q: text}) for team, (_, text) in zip(teams_of, comments)]
    rows = [{"row": i, "theme": t, "sentiment": None,
             "flag": "child_at_risk" if i == 0 else ("threat_to_staff" if i == 12 else None)}
            for i, (t, _) in enumerate(comments)]
    themes = [{"id": "pay", "label": "Pay", "keywords": ["pay", "parent", "child"], "description": None,
               "quotes": [{"row": 0, "text": comments[0][1]}, {"row": 1, "text": PAY[0]}]},
]
    session.add(ThemeJob(run_id=run.id, question_id=Q, status="done", progress=100, stage="Done",
                         result={"mode": "taxonomy", "rows": rows, "notes": [], "themes": themes,
                                 "row_teams": [t.id for t in teams_of], "row_responses": [r.id for r in responses]}))
    session.commit()
    email = factories.user(session, made, Role.ADMIN)
    sign_in(client, email)
    queue = client.get(f"/manage/runs/{run.id}/moderation/")
    # The flagged comment is not in the quotes part; it is in the concerns part, redacted, with where it came from.
    assert [s.blockquote.get_text(strip=True) for s in queue.soup.select("section.app-moderation-quote")] == [PAY[0]]
    cards = {card.select_one(".govuk-summary-card__title").get_text(strip=True):
             {r.dt.get_text(strip=True): r.dd.get_text(" ", strip=True) for r in card.select(".govuk-summary-list__row")}
             for card in queue.soup.select(".govuk-summary-card")}
    child, threat = cards["A child may be at risk"], cards["Violence or threats towards staff"]
    assert child["Comment"] == "A parent threatened to hurt the child again, ring [PHONE]."
    # Nothing is released yet, so no unit is named (test_side_channels: labels at units the release shows).
    assert child["From"] == "Northshire Council"
    assert threat["From"] == "Northshire Council"
    assert child["Status"] == "Not seen yet"

    link = queue.soup.select_one("a[href*='/moderation/concerns/']")["href"]
    refused = client.submit(link, {"note": ""})
    assert refused.errors() == ["Enter what you have done about this comment"]
    assert client.submit(link, {"note": "Referred to the LADO under the safeguarding procedure."}).status == 302
    review = session.scalar(select(ConcernReview))
    assert review.reviewed_by.email == email and review.note.startswith("Referred to the LADO")
    queue = client.get(f"/manage/runs/{run.id}/moderation/")
    assert "Seen / action taken" in queue.text() and "Referred to the LADO" in queue.text()



def test_a_flagged_comment_is_never_quoted_even_with_an_approval(client, session):
    made, run, _, _ = moderated_council(session, flagged={0})
    email = factories.user(session, made, Role.ADMIN)
    admin = session.scalar(select(User).where(User.email == email))
    # An approval recorded before the comment was flagged (an earlier analysis did not flag it).
    session.add(QuoteDecision(run_id=run.id, question_id=Q, key=quote_key(Q, PAY[0]), status="approved",
                              original=PAY[0], decided_by_id=admin.id, decided_at=dt.datetime(2026, 1, 1)))
    session.commit()
    assert factories.approve_quotes(session, run) == 5  # the flagged one is not in the queue's quotes
    factories.release(session, run)
    sign_in(client, email)
    page = client.get(f"/manage/runs/{run.id}/themes/{Q}")
    shown = [q.get_text(strip=True) for q in page.soup.select("blockquote")]
    assert shown[:2] == PAY[1:] and PAY[0] not in page.html and len(shown) == 5
    assert "agency" not in page.html  # its words give no keyword either


def test_named_leavers_are_listed_to_the_admin_alone_and_in_no_figure_or_export(client, session):
    made = factories.council(session)
    exit_run = factories.run(session, made, "exit-interview")
    north = factories.team(session, made, "Assessment North")
    for i in range(6):
        response = respond(session, exit_run, north, main_reasons=["pay"], destination="agency",
                           would_have_kept_you=f"Better pay {i}.", attach_name="yes" if i < 2 else "no")
        response.named_as = ("Sam Leaver", "Priya Quit")[i] if i < 2 else None
    session.commit()
    factories.release(session, exit_run)
    sign_in(client, factories.user(session, made, Role.ADMIN))
    page = client.get(f"/manage/runs/{exit_run.id}/moderation/named-leavers")
    assert page.status == 200
    cards = {c.select_one(".govuk-summary-card__title").get_text(strip=True):
             {r.dt.get_text(strip=True): r.dd.get_text(" ", strip=True) for r in c.select(".govuk-summary-list__row")}
             for c in page.soup.select(".govuk-summary-card")}
    assert set(cards) == {"Priya Quit", "Sam Leaver"}
    assert cards["Sam Leaver"]["Team"] == "Assessment North"
    assert cards["Sam Leaver"]["What would have kept you?"] == "Better pay 0."
    assert cards["Sam Leaver"]["Where are you going next?"] == "Agency work"
    assert "Better pay 2." not in page.html  # a leaver who did not give their name is not listed
    # No download of the list: asking for one gives the page.
    assert client.get(f"/manage/runs/{exit_run.id}/moderation/named-leavers?format=csv").response.mimetype == "text/html"
    assert client.get(f"/manage/runs/{run_of(session, made).id}/moderation/named-leavers").status == 404

    other = client.another()
    sign_in(other, manager(session, made, north))
    assert other.get(f"/manage/runs/{exit_run.id}/moderation/named-leavers").status == 403
    for reader in (client, other):
        base = f"/manage/runs/{exit_run.id}"
        for url in (base, f"{base}/leavers/", f"{base}/leavers/?format=csv", f"{base}/leavers/?format=json",
                    f"{base}/results", f"{base}/themes/"):
            found = reader.get(url)
            assert found.status == 200 and "Sam Leaver" not in found.html and "Priya" not in found.html, url
        book = reader.get(f"{base}/leavers/?format=xlsx").response.get_data()
        assert b"Sam Leaver" not in book
        cells = openpyxl.load_workbook(io.BytesIO(book))
        assert not any("Leaver" in str(c.value) and "Sam" in str(c.value) for s in cells for r in s.iter_rows() for c in r)


def run_of(session, made):
    return factories.run(session, made)
