"""Service areas and teams: add, rename, move, merge, retire, and load from a CSV. No Flask.

A team keeps its id through every change, and results line up year on year by that id: a renamed or
moved team is the same team. Merging retires the merged teams into the one that continues (their
old names then map to it in staff lists); a retired team stays in the runs it was part of and is
left out of runs that open after it retired. Old releases keep the names and areas they were made with.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import csvfile
from ..models import Council, ServiceArea, Team


class OrganisationError(ValueError):
    """A change that cannot be made, in words for the admin."""


def areas(db: Session, council_id: int) -> list[ServiceArea]:
    return list(db.scalars(select(ServiceArea).where(ServiceArea.council_id == council_id).order_by(ServiceArea.name)))


def teams(db: Session, council_id: int) -> list[Team]:
    return list(db.scalars(select(Team).join(ServiceArea).where(ServiceArea.council_id == council_id)
                           .order_by(ServiceArea.name, Team.name)))


def current(db: Session, council_id: int) -> list[Team]:
    return [t for t in teams(db, council_id) if t.retired_on is None]


def _clean(name: str, what: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise OrganisationError(f"Enter the {what}'s name")
    if len(name) > 200:
        raise OrganisationError(f"The {what}'s name must be 200 characters or fewer")
    return name


def _area_named(db: Session, council_id: int, name: str) -> ServiceArea | None:
    return next((a for a in areas(db, council_id) if a.name.lower() == name.lower()), None)


def _team_named(area: ServiceArea, name: str, but: Team | None = None) -> Team | None:
    return next((t for t in area.teams if t.name.lower() == name.lower() and t is not but), None)


def add_area(db: Session, council: Council, name: str) -> ServiceArea:
    name = _clean(name, "service area")
    if _area_named(db, council.id, name):
        raise OrganisationError(f"There is already a service area called ‘{name}’")
    area = ServiceArea(council_id=council.id, name=name)
    db.add(area)
    db.flush()
    return area


def rename_area(db: Session, area: ServiceArea, name: str) -> None:
    name = _clean(name, "service area")
    found = _area_named(db, area.council_id, name)
    if found is not None and found is not area:
        raise OrganisationError(f"There is already a service area called ‘{name}’")
    area.name = name
    db.flush()


def add_team(db: Session, area: ServiceArea, name: str) -> Team:
    name = _clean(name, "team")
    if _team_named(area, name):
        raise OrganisationError(f"{area.name} already has a team called ‘{name}’")
    team = Team(service_area=area, name=name)
    db.add(team)
    db.flush()
    return team


def change_team(db: Session, team: Team, name: str, area: ServiceArea) -> dict[str, str]:
    """Rename and/or move a team; it stays the same team. Returns what changed, for the audit log."""
    name = _clean(name, "team")
    if _team_named(area, name, but=team):
        raise OrganisationError(f"{area.name} already has a team called ‘{name}’")
    changed = {}
    if team.name != name:
        changed["name"] = f"{team.name} to {name}"
    if team.service_area_id != area.id:
        changed["service_area"] = f"{team.service_area.name} to {area.name}"
    team.name, team.service_area = name, area
    db.flush()
    return changed


def retire(db: Session, team: Team, today: dt.date, into: Team | None = None) -> None:
    if team.retired_on is not None:
        raise OrganisationError(f"{team.name} was already retired on {team.retired_on:%-d %B %Y}")
    team.retired_on, team.merged_into = today, into
    db.flush()


def merge(db: Session, merged: list[Team], into: Team, today: dt.date) -> None:
    """Retire `merged` into `into`, which continues (and keeps its own results history)."""
    if into.retired_on is not None:
        raise OrganisationError(f"{into.name} is retired: choose a current team to continue")
    others = [t for t in merged if t is not into]
    if not others:
        raise OrganisationError("Select at least one other team to merge into it")
    for team in others:
        retire(db, team, today, into)
        for earlier in db.scalars(select(Team).where(Team.merged_into_id == team.id)):
            earlier.merged_into = into  # staff lists that still use an older name find the team that continues
    db.flush()


def staff_list_names(db: Session, council_id: int) -> dict[str, Team]:
    """Team names a staff list may use: current teams, and merged teams' old names (mapped to the team
    that continues them). Retired teams that were not merged are not there: nobody new joins them."""
    found: dict[str, Team] = {}
    everything = teams(db, council_id)
    for team in everything:
        if team.retired_on is not None and team.merged_into is not None:
            successor = team.merged_into
            while successor.retired_on is not None and successor.merged_into is not None:
                successor = successor.merged_into
            if successor.retired_on is None:
                found.setdefault(team.name.strip().lower(), successor)
    for team in everything:
        if team.retired_on is None:
            found[team.name.strip().lower()] = team
    return found


@dataclass(frozen=True)
class Loaded:
    areas: int
    teams: int
    unchanged: int


def load_csv(db: Session, council: Council, data: bytes) -> Loaded:
    """Service areas and teams from a CSV with the columns service_area,team; adds what is missing.

    A file with any problem adds nothing; each problem is reported with its line number."""
    try:
        text = csvfile.text_of(data)  # a NUL in a team's name was a 500 on PostgreSQL
        reader, header = csvfile.reader(text)
    except csvfile.UnreadableFile as exc:
        raise OrganisationError("; ".join(exc.problems)) from None
    if "service_area" not in header or "team" not in header:
        raise OrganisationError("The first row must name the columns service_area and team")
    rows, problems = [], []
    try:
        for record in reader:
            area, team = (record.get("service_area") or "").strip(), (record.get("team") or "").strip()
            if not (area or team):
                continue
            if not area or not team:
                problems.append(f"Line {reader.line_num}: enter both the service area and the team")
            elif len(area) > 200 or len(team) > 200:
                problems.append(f"Line {reader.line_num}: names must be 200 characters or fewer")
            else:
                rows.append((" ".join(area.split()), " ".join(team.split())))
    except csv.Error as exc:
        problems.append(f"Line {reader.line_num}: this row cannot be read ({exc})")
    if problems:
        raise OrganisationError("; ".join(problems))
    if not rows:
        raise OrganisationError("The file has a header row but no teams in it")
    made_areas = made_teams = unchanged = 0
    for area_name, team_name in rows:
        area = _area_named(db, council.id, area_name)
        if area is None:
            area, made_areas = add_area(db, council, area_name), made_areas + 1
        if _team_named(area, team_name):
            unchanged += 1
            continue
        add_team(db, area, team_name)
        made_teams += 1
    return Loaded(made_areas, made_teams, unchanged)
