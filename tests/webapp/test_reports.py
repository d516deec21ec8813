"""The committee report: built from releases, written as Word, PDF/UA and a web page, and true to the pages.

A small council built by the test factories (`report_council`): two released
years of health checks, exit interviews, last year's published plan and this
year's draft, and workforce figures. Every test opens what it made and reads it
back the way a person's software would.
"""

from __future__ import annotations

import io
import re

import html5lib
import pikepdf
import pypdfium2
import pytest
from bs4 import BeautifulSoup
from docx import Document
from pypdf import PdfReader

from surveyapp.disclosure import cells as c
from surveyapp.disclosure.reader import HIDDEN
from surveyapp.models import ReportJob, Role, ServiceArea, WorkforceFigures
from surveyapp.reports import build, charts, jobs, workforce
from surveyapp.reports.document import Chart, Heading, Report, Table

from . import factories, report_council
from .figures import near
from .test_leavers import tables as page_tables


@pytest.fixture
def made(session):
    return report_council.build(session)


def written(app, session, run, fmt: str) -> bytes:
    """The report in one format, through the same start_render the button uses (rendered at once)."""
    make_session = app.extensions["surveyapp.sessionmaker"]
    job = jobs.start_render(session, run, fmt, "PSW", lambda job_id: jobs.render(make_session, job_id))
    session.expire_all()
    job = session.get(ReportJob, job.id)
    assert job.status == "done", job.stage
    return job.content


def all_tables(report: Report) -> list[Table]:
    return [b.table if isinstance(b, Chart) else b for b in report.blocks if isinstance(b, (Table, Chart))]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_word_pdf_and_web_page_have_the_reports_headings_tables_and_charts(app, session, made):
    report = build.build(session, made.this)
    tables, charts_made = all_tables(report), [b for b in report.blocks if isinstance(b, Chart)]
    assert {"Who took part", "Headline scores", "What staff said in their comments", "The action plan",
            "You said, we did: last year’s plan", "Leavers", "What would have kept them", "Workforce",
            "Every statement"} <= set(report.headings())
    assert len(charts_made) >= 3

    # Word: headings are Word headings, tables are tables with the same cells, charts carry their alt text.
    document = Document(io.BytesIO(written(app, session, made.this, "docx")))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [report.title] + report.headings()
    assert len(document.tables) == len(tables)
    for made_table, table in zip(document.tables, tables):
        assert [[cell.text for cell in row.cells] for row in made_table.rows] == [table.head, *table.rows]
    described = [shape._inline.docPr.get("descr") for shape in document.inline_shapes]
    assert described == [chart.alt for chart in charts_made]
    assert document.core_properties.language == "en-GB"

    # PDF: the same figures in its text, and tagged for screen readers.
    pdf = written(app, session, made.this, "pdf")
    text = flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    for table in (report.tables()["Response rate by service area"], report.tables()["Share agreeing, by section"]):
        for row in table.rows:
            assert " ".join(row) in text, row
    assert flat(report_council.QUOTE) in text
    structure = tagged(pdf)
    assert structure["alts"] == [chart.alt for chart in charts_made]
    # (A table that runs over a page break is tagged as one table per page.)
    assert structure["kinds"]["/Table"] >= len(tables) and structure["kinds"]["/H1"] == 1
    assert structure["kinds"]["/H2"] == sum(1 for b in report.blocks if isinstance(b, Heading) and b.level == 2)

    # Web page: valid HTML, every table by its caption with the same cells, every chart an image with its alt.
    page = written(app, session, made.this, "html").decode()
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    soup = BeautifulSoup(page, "html.parser")
    assert soup.html["lang"] == "en-GB" and soup.title.get_text() == report.title
    shown = [[[cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])] for tr in t.find_all("tr")]
             for t in soup.find_all("table")]
    assert shown == [[t.head, *t.rows] for t in tables]
    assert [img["alt"] for img in soup.find_all("img")] == [chart.alt for chart in charts_made]


def tagged(pdf: bytes) -> dict:
    """What a screen reader gets: the structure tree's element kinds and the figures' alternative text."""
    document = pikepdf.open(io.BytesIO(pdf))
    root = document.Root
    assert "/StructTreeRoot" in root, "the PDF is not tagged"
    assert str(root.Lang) == "en-GB"
    assert bool(root.MarkInfo.Marked) is True
    kinds: dict[str, int] = {}
    alts: list[str] = []

    def walk(element: object) -> None:
        if isinstance(element, pikepdf.Array):
            for child in element:
                walk(child)
        elif isinstance(element, pikepdf.Dictionary):
            if (kind := element.get("/S")) is not None:
                kinds[str(kind)] = kinds.get(str(kind), 0) + 1
                if "/Alt" in element:
                    alts.append(str(element.Alt))
            if "/K" in element:
                walk(element.K)

    walk(root.StructTreeRoot)
    return {"kinds": kinds, "alts": alts}


def _unit_sentence(page) -> tuple[str, str]:
    found = re.search(r"(\S+) people responded, of (\d+) invited", page.text())
    assert found, page.text()
    return found.group(1), found.group(2)


def test_each_figure_in_the_report_is_the_same_figure_on_the_results_pages(client, session, made):
    report = build.build(session, made.this)
    found = report.tables()
    assert factories.sign_in(client, made.admin).status == 302
    compared: list[str] = []

    rates = {row[0]: row for row in found["Response rate by service area"].rows}
    areas = {a.name: a.id for a in session.query(ServiceArea).filter_by(council_id=made.council.id)}
    for label, unit in [("Council", c.ALL)] + [(name, c.area(i)) for name, i in areas.items()]:
        responded, invited = _unit_sentence(client.get(f"/manage/runs/{made.this.id}/results?unit={unit}"))
        assert (rates[label][2], rates[label][1]) == (responded, invited), label
        compared.append(responded)

    overview = page_tables(client.get(f"/manage/runs/{made.this.id}/results"))["Share agreeing, by section"]
    for row in found["Share agreeing, by section"].rows:
        agreeing, agree, answered, moved = overview[row[0]]
        assert [row[1], row[2], row[3], row[5]] == [agreeing, agree, answered, moved], row[0]
        compared += row[1:4]

    themes = page_tables(client.get(f"/manage/runs/{made.this.id}/themes/biggest_difference"))["Themes"]
    for row in found["Themes: What one thing would make the biggest difference to you?"].rows:
        assert row[1:] == themes[row[0]], row[0]
        compared.append(row[1])

    question = client.get(f"/manage/runs/{made.this.id}/results/caseload_manageable")
    everyone = page_tables(question)[question.soup.select_one("table caption").get_text(" ", strip=True)]
    statements = found["Workload and caseload: answers to each statement"]
    mine = dict(zip(statements.head[1:7], statements.column("Statement") and statements.rows[0][1:7]))
    for label, count in mine.items():
        assert everyone[label][0] == count, label
        compared.append(count)

    leavers = client.get(f"/manage/runs/{made.exit_run.id}/leavers/")
    on_page = page_tables(leavers)
    for caption in ("Main reasons for leaving (each leaver gave up to 3)", "Where leavers went, by service area"):
        assert {row[0]: row[1:] for row in found[caption].rows} == on_page[caption], caption
        compared += [cell for row in found[caption].rows for cell in row[1:]]
    assert re.search(r"(\S+) exit interviews\.", leavers.text()).group(1) in " ".join(
        b.text for b in report.blocks if getattr(b, "text", "").endswith(f"({made.exit_run.title}).")).split()[:1]

    # Both kinds were compared: figures shown, and figures hidden on the pages and so in the report.
    assert HIDDEN in compared and any(v.rstrip("%").isdigit() for v in compared)
    assert rates["Council"][2] == "36"  # 12 + 9 + 10 + 5 responses, as the council built them


def test_the_workforce_rates_are_the_department_for_educations(session, made):
    rows = {r[0]: r for r in build.build(session, made.this).tables()[
        f"Turnover, vacancy and agency rates, {made.this.year}"].rows}
    in_post = 40 - 6  # each area: 40 posts, 6 vacant, 4.5 agency, 7 leavers this year and 9 last
    assert rows["Fostering"][1:] == [f"{100 * 7 / in_post:.1f}%", f"{100 * 6 / 40:.1f}%",
                                     f"{100 * 4.5 / (4.5 + in_post):.1f}%"]
    assert rows["Council"][1] == f"{100 * 21 / (3 * in_post):.1f}%"
    assert rows[f"Council, {made.this.year - 1}"][1] == f"{100 * 27 / (3 * in_post):.1f}%"
    figures = {r[0]: r for r in build.build(session, made.this).tables()[
        f"Workforce by service area, {made.this.year}"].rows}
    assert figures["Referral and Assessment"][8:] == ["17.5", "Within"]  # the council's policy is 20
    assert figures["Looked After Children"][8:] == ["21.0", "Above"]
    assert figures["Council"][8] == f"{(17.5 + 21 + 21) / 3:.1f}"  # weighted by social workers in post (equal here)
    empty = workforce.council_totals([])
    assert (empty.turnover, empty.vacancy, empty.agency_rate, empty.caseload) == (None, None, None, None)


def test_a_workforce_csv_is_checked_whole_and_each_bad_line_named(client, session, made):
    assert factories.sign_in(client, made.admin).status == 302
    url = f"/manage/runs/{made.this.id}/report/workforce"
    before = {(f.service_area_id, f.posts_fte) for f in session.query(WorkforceFigures)}
    bad = ("service_area,posts_fte,vacancies_fte,agency_fte,starters_fte,leavers_fte,asye,average_caseload\n"
           "Fostering,12,2,1,1,1,0,15\n"
           "Adoption,10,1,0,0,0,0,\n"
           "Looked After Children,ten,1,0,0,0,1.5,\n"
           "Fostering,12,14,0,0,0,0,\n")
    page = client.submit(url, {"workforce_file": (io.BytesIO(bad.encode()), "hr.csv")},
                         content_type="multipart/form-data")
    assert page.status == 200 and page.title.startswith("Error:")
    assert page.errors() == ["The file has 5 problems: nothing has been imported. Fix the file and upload it again."]
    assert [li.get_text(" ", strip=True) for li in page.soup.select("#problems li")] == [
        "Line 3: there is no service area called ‘Adoption’",
        "Line 4, posts_fte: Posts (FTE) must be a number, like 12.5",
        "Line 4, asye: ASYE social workers must be a whole number, like 3",
        "Line 5: Fostering is already on line 2",
        "Line 5, vacancies_fte: Vacancies cannot be more than posts"]
    session.expire_all()
    assert {(f.service_area_id, f.posts_fte) for f in session.query(WorkforceFigures)} == before

    good = "\ufeffService_Area,posts_fte,vacancies_fte,agency_fte,starters_fte,leavers_fte,asye\nFostering,12.5,2,1,1,3,1\n"
    done = client.submit(url, {"workforce_file": (io.BytesIO(good.encode()), "hr.csv")},
                         content_type="multipart/form-data")
    assert done.status == 302
    imported = client.follow(done)
    assert "Workforce figures for 1 service area imported" in imported.text()
    assert imported.soup.select_one(".govuk-notification-banner p").get_text().startswith("Workforce figures")
    rates = build.build(session, made.this).tables()[f"Turnover, vacancy and agency rates, {made.this.year}"]
    assert rates.column("Turnover rate")["Fostering"] == f"{100 * 3 / 10.5:.1f}%"


def test_the_admin_enters_an_areas_figures_and_a_mistake_keeps_what_was_typed(client, session, made):
    assert factories.sign_in(client, made.admin).status == 302
    area = session.query(ServiceArea).filter_by(council_id=made.council.id, name="Fostering").one()
    url = f"/manage/runs/{made.this.id}/report/workforce/{area.id}"
    assert client.get(url).soup.select_one("input[name=posts_fte]")["value"] == "40"  # what was saved
    page = client.submit(url, {"posts_fte": "8", "vacancies_fte": "9", "asye": "-1", "leavers_fte": ""})
    assert page.status == 200
    assert page.errors() == ["Vacancies cannot be more than posts",
                             "Enter the leavers in the year, as full-time equivalents",
                             "ASYE social workers must be 0 or more"]
    assert page.soup.select_one("input[name=vacancies_fte]")["value"] == "9"
    assert client.submit(url, {"posts_fte": "8", "vacancies_fte": "1", "asye": "2", "leavers_fte": "2",
                               "average_caseload": ""}).status == 302
    session.expire_all()
    saved = session.query(WorkforceFigures).filter_by(service_area_id=area.id, year=made.this.year).one()
    assert (saved.posts_fte, saved.asye, saved.average_caseload) == (8.0, 2, None)


def test_the_admin_writes_the_report_from_the_run_page_and_downloads_it(client, session, made, monkeypatch):
    assert factories.sign_in(client, made.admin).status == 302
    run_page = client.get(f"/manage/runs/{made.this.id}")
    link = run_page.soup.find("a", string=re.compile("Committee report"))
    report_page = client.get(link["href"])
    assert report_page.h1 == "Committee report"
    refused = client.post(link["href"], report_page.form_data())
    assert refused.errors() == ["Select a format for the report"]
    for fmt in ("docx", "html"):
        assert client.post(link["href"], {**report_page.form_data(), "format": fmt}).status == 302
    listed = client.get(link["href"])
    files = {a.get_text(): a["href"] for a in listed.soup.select("table a")}
    assert set(files) == {build.filename(made.this, "docx"), build.filename(made.this, "html")}
    word = client.get(files[build.filename(made.this, "docx")])
    assert "attachment" in word.response.headers["Content-Disposition"]
    assert Document(io.BytesIO(word.response.data)).paragraphs[0].text == build.build(session, made.this).title
    web = client.get(files[build.filename(made.this, "html")])  # checked as every page is: valid, titled
    assert web.h1 == build.build(session, made.this).title and "Hidden" in web.text()

    # A report that fails says so on the page; nothing half-written is offered.
    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "make", broken)
    assert client.post(link["href"], {**report_page.form_data(), "format": "pdf"}).status == 302
    after = client.get(link["href"])
    assert jobs.FAILED in after.text() and len(after.soup.select("table a")) == 2


def test_the_command_writes_the_latest_released_health_check(app, session, made, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "report.pdf"
    done = runner.invoke(args=["committee-report", "--format", "pdf", "--output", str(out)])
    assert done.exit_code == 0, done.output
    assert "100%" not in done.output and "Writing the PDF" in done.output
    assert str(made.this.title) in done.output
    text = flat(" ".join(p.extract_text() for p in PdfReader(str(out)).pages))
    assert build.build(session, made.this).title in text
    refused = runner.invoke(args=["committee-report", "--run", str(made.exit_run.id), "--format", "docx",
                                  "--output", str(tmp_path / "x.docx")])
    assert refused.exit_code != 0 and "is not a health check" in refused.output
    unreleased = factories.run(session, made.council)
    refused = runner.invoke(args=["committee-report", "--run", str(unreleased.id), "--format", "html",
                                  "--output", str(tmp_path / "x.html")])
    assert refused.exit_code != 0 and "no released results yet" in refused.output
    assert not (tmp_path / "x.html").exists()


def test_a_page_of_the_pdf_draws_the_charts(app, session, made, tmp_path):
    """Rendered to pixels: the agreement charts' colours are on the page that has them."""
    pdf = pypdfium2.PdfDocument(written(app, session, made.this, "pdf"))
    pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    where = next(i for i, text in enumerate(pages) if "Every statement" in text)
    image = pdf[where].render(scale=1).to_pil().convert("RGB")
    image.save(tmp_path / "page.png")
    colours = {f"#{r:02x}{g:02x}{b:02x}" for _, (r, g, b) in image.getcolors(maxcolors=1 << 24)}
    assert {colour for _, _, colour in charts.SCALE} <= colours  # the legend, at least
    # and the bars: pixels of the colours of answers the council gave, more than a legend's swatch has
    counts = {f"#{r:02x}{g:02x}{b:02x}": n for n, (r, g, b) in image.getcolors(maxcolors=1 << 24)}
    assert counts["#998ec3"] > 5 * counts["#b35806"]  # "agree" was given, "strongly disagree" never
    first = pdf[0].render(scale=1).to_pil().convert("L")
    assert first.getextrema()[0] < 60  # text on the first page, not a blank one


def test_a_diverging_bar_sits_either_side_of_the_centre_by_its_shares():
    shares = {"strongly_disagree": 0.1, "disagree": 0.2, "neither": 0.2, "agree": 0.4, "strongly_agree": 0.1}
    drawing = charts.diverging(charts.Diverging([charts.DivergingBar("Shown", shares),
                                                 charts.DivergingBar("Kept back", None)]))
    bars = [s for s in drawing.shapes if isinstance(s, charts.Rect) and s.y > 40]
    centre = charts.LABEL_W + charts.HALF
    fills = {s.fill: s for s in bars}
    assert fills["#f1a340"].x + fills["#f1a340"].w == pytest.approx(centre - charts.HALF * 0.1)  # disagree ends where neither starts
    assert fills["#998ec3"].x == pytest.approx(centre + charts.HALF * 0.1)  # agree starts after half of neither
    assert fills["#998ec3"].w == pytest.approx(charts.HALF * 0.4)
    assert len(bars) == 5  # the hidden bar draws nothing but its word
    assert any(isinstance(s, charts.Text) and s.text == "Hidden" for s in drawing.shapes)
    assert charts.png(drawing).startswith(b"\x89PNG") and charts.svg(drawing).count("<rect") == 1 + 5 + 5


def test_the_word_file_opens_in_libreoffice_and_a_page_of_it_draws_the_charts(app, session, made, tmp_path):
    """The Word file as a committee clerk opens it: LibreOffice (headless, Debian's package) converts it,
    poppler draws its pages, and the page with the agreement chart has the chart's colours."""
    import subprocess

    from PIL import Image

    (tmp_path / "report.docx").write_bytes(written(app, session, made.this, "docx"))
    profile = (tmp_path / "profile").as_uri()  # a profile of its own: no clash with another soffice
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(tmp_path / "report.docx")], check=True, timeout=240,
                   capture_output=True)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = text.split("\f")
    assert "Reporting Council" in flat(pages[0])
    # The wide tables (workforce: ten columns) keep each word whole: no "Assessme" / "nt" in a squeezed column.
    words = set(re.findall(r"[A-Za-z]+", text))
    assert {"Referral", "Assessment", "Vacancies", "caseload"} <= words
    assert not words & {"Assessme", "Assessm", "Vacanci", "caseloa", "nt", "es"}, words & {"Assessme", "nt", "es"}
    where = next(i for i, page in enumerate(pages) if "Every statement" in page)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(where + 1), "-l", str(where + 1),
                    str(tmp_path / "report.pdf"), str(tmp_path / "page")], check=True, timeout=120)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    colours = {f"#{r:02x}{g:02x}{b:02x}" for _, (r, g, b) in image.getcolors(maxcolors=1 << 24)}
    assert {colour for _, _, colour in charts.SCALE} <= colours  # the chart's key, drawn from the Word file


def test_themes_with_mentions_and_a_hidden_number_of_comments_as_the_themes_page_shows_them(app, client, session,
                                                                                           monkeypatch):
    """The report's themes are the themes page's: the sizes released though the total is hidden, and the
    comments raising each theme, in every format (the Word table read back)."""
    from .test_attacks import hidden_total_council
    made, run, made_release = hidden_total_council(session, monkeypatch)
    report = build.build(session, run)
    caption = "Themes: What one thing would make the biggest difference to you?"
    table = report.tables()[caption]
    assert table.head[:3] == ["Theme", "Comments", "Comments raising it"]
    said = next(b.text for b in report.blocks if getattr(b, "text", "").startswith("The number of comments is hidden"))
    assert "Comments raising it: those about the theme at all" in said and "Hidden comments" not in said
    assert factories.sign_in(client, factories.user(session, made, Role.ADMIN)).status == 302
    page = page_tables(client.get(f"/manage/runs/{run.id}/themes/biggest_difference"))["Themes"]
    assert {row[0]: row[1:] for row in table.rows} == page
    cells = made_release.content["cells"]
    labels = {t["label"]: t["id"] for t in made_release.content["themes"]["biggest_difference"]["themes"]}
    for label, theme in labels.items():
        size, mentions = (cells[f"th:biggest_difference:{theme}{m}@all"] for m in ("", ":mentions"))
        assert table.column("Comments")[label] == (HIDDEN if size is None else str(size)), label
        assert table.column("Comments raising it")[label] == (HIDDEN if mentions is None else str(mentions)), label
    near(made_release, "th:biggest_difference:pay@all", 12)
    near(made_release, "th:biggest_difference:pay:mentions@all", 18)
    document = Document(io.BytesIO(written(app, session, run, "docx")))
    words = next(t for t in document.tables if t.rows[0].cells[2].text == "Comments raising it")
    assert [[cell.text for cell in row.cells] for row in words.rows] == [table.head, *table.rows]
