"""The admin sets up service areas and teams; teams keep their identity through renames, moves and merges."""

from __future__ import annotations

import io

from sqlalchemy import select

from surveyapp.disclosure.release import structure
from surveyapp.models import Invitation, ServiceArea, Team
from surveyapp.respond.journey import team_choices

from . import factories


def admin(client, session, made):
    assert factories.sign_in(client, factories.user(session, made)).status == 302


def upload(client, url: str, field: str, body: str, extra: dict | None = None):
    form = client.get(url).form_data()
    form.update(extra or {})
    form[field] = (io.BytesIO(body.encode()), "list.csv")
    return client.post(url, form, content_type="multipart/form-data")


def test_add_rename_move_and_retire_keep_the_team(client, session):
    made = factories.council(session)
    admin(client, session, made)
    assert client.submit("/manage/organisation/areas/new", {"name": "Fostering"}).status == 302
    duplicate = client.submit("/manage/organisation/areas/new", {"name": "fostering"})
    assert "There is already a service area called ‘fostering’" in duplicate.errors()
    fostering = session.scalar(select(ServiceArea).where(ServiceArea.name == "Fostering"))
    north = factories.team(session, made, "Assessment North")
    team_id = north.id
    moved = client.submit(f"/manage/organisation/teams/{team_id}", {"name": "Fostering North", "area": fostering.id})
    assert moved.status == 302
    session.expire_all()
    north = session.get(Team, team_id)
    assert (north.name, north.service_area.name) == ("Fostering North", "Fostering"), "the same team, renamed and moved"
    page = client.get("/manage/organisation")
    assert "Fostering North" in page.text()
    links = {a.get_text(" ", strip=True): a["href"] for a in page.soup.select("main table a")}  # links, not markup as text
    assert links["Rename or move Fostering North"] == f"/manage/organisation/teams/{team_id}"
    assert links["Retire Fostering North"] == f"/manage/organisation/teams/{team_id}/retire"

    run = factories.run(session, made)  # opened a week ago: a team retired today stays in it
    assert client.submit(f"/manage/organisation/teams/{team_id}/retire").status == 302
    session.expire_all()
    assert str(team_id) in dict(team_choices(session, run)) and team_id in structure(session, run).teams
    later = factories.run(session, made)
    later.opens_on = session.get(Team, team_id).retired_on
    session.commit()
    assert str(team_id) not in dict(team_choices(session, later)) and team_id not in structure(session, later).teams
    assert "retired on" in client.get("/manage/organisation").text()


def test_merged_teams_old_names_map_to_the_team_that_continues(client, session):
    made = factories.council(session)
    admin(client, session, made)
    north, south = (factories.team(session, made, n) for n in ("Assessment North", "Assessment South"))
    ids = north.id, south.id
    nothing = client.submit("/manage/organisation/merge", {"merged": [str(ids[0])], "into": str(ids[0])})
    assert "Select at least one other team to merge into it" in nothing.errors()
    merged = client.submit("/manage/organisation/merge", {"merged": [str(ids[0]), str(ids[1])], "into": str(ids[0])})
    assert merged.status == 302
    run = factories.run(session, made)
    page = upload(client, f"/manage/runs/{run.id}/staff", "staff_list",
                  "name,email,team\nAl,al@example.org,Assessment South\nBo,bo@example.org,Assessment North\n")
    assert page.status == 200 and "al@example.org" in page.html, page.text()
    teams = set(session.scalars(select(Invitation.team_id).where(Invitation.run_id == run.id)))
    assert teams == {ids[0]}, "the old name lands in the team that continues"
    session.expire_all()
    assert session.get(Team, ids[1]).merged_into_id == ids[0] and session.get(Team, ids[1]).retired_on


def test_a_staff_list_creates_missing_teams_only_after_confirmation(client, session):
    made = factories.council(session)
    admin(client, session, made)
    run = factories.run(session, made)
    body = "name,email,team\nAl,al@example.org,Brand New Team\nBo,bo@example.org,Children in Care\n"
    page = upload(client, f"/manage/runs/{run.id}/staff", "staff_list", body)
    assert page.status == 200 and [li.get_text() for li in page.soup.select("#new-teams li")] == ["Brand New Team"]
    assert not session.scalars(select(Invitation)).all(), "nothing is imported before the admin confirms"
    form = page.form_data()
    empty = client.post(f"/manage/runs/{run.id}/staff/new-teams", form)
    assert "Enter the service area the new teams belong to" in empty.errors()
    done = client.post(f"/manage/runs/{run.id}/staff/new-teams", {**form, "service_area": "Early Help"})
    assert done.status == 200 and "al@example.org" in done.html
    created = session.scalar(select(Team).where(Team.name == "Brand New Team"))
    assert created.service_area.name == "Early Help"
    assert len(session.scalars(select(Invitation).where(Invitation.run_id == run.id)).all()) == 2


def test_areas_and_teams_from_a_csv(client, session):
    made = factories.council(session)
    admin(client, session, made)
    bad = upload(client, "/manage/organisation/import", "organisation", "service_area,team\nEarly Help,\n")
    assert "Line 2: enter both the service area and the team" in " ".join(bad.errors())
    good = upload(client, "/manage/organisation/import", "organisation",
                  "service_area,team\nEarly Help,Family Support\nEarly Help,Youth\nLooked After Children,Children in Care\n")
    assert good.status == 302
    names = {(t.service_area.name, t.name) for t in session.scalars(select(Team))}
    assert {("Early Help", "Family Support"), ("Early Help", "Youth")} <= names and len(names) == 5
