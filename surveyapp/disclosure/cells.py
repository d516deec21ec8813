"""Names for groups and cells, shared by the builders, the audit and the readers.

A group is a set of respondents: the council ("all"), a service area ("area:3"),
a team ("team:12"), or a breakdown of the council or an area by the answer to
one question ("area:3|role:senior_practitioner"). Responses without a team
count in "team:none" within "area:none". A breakdown's "~" option holds the
people who did not answer that question: it is never shown, but the audit
knows it exists.

A cell is one count for one group: `measure@group`. Measures:
- "n": respondents in the group;
- "q:v": answers v to question q; "q:=" people who answered q; "q:~" people
  who did not (never shown); "q:#lo-hi" numbers from lo to hi (never shown:
  they tie the bands to the caseload policy); "q:o!" people who did not tick
  option o of a multiple-choice question;
- "sec:s:agree", "sec:s:answered": agreement answers in section s;
- "pol:p:above", "pol:p:within": people above or within a caseload limit.
"""

from __future__ import annotations

ALL = "all"
NO_AREA = "area:none"
NO_TEAM = "team:none"
NOT_GIVEN = "~"
ANSWERED = "="
RESPONDENTS = "n"


def cell(measure: str, group: str) -> str:
    return f"{measure}@{group}"


def split(key: str) -> tuple[str, str]:
    measure, _, group = key.partition("@")
    return measure, group


def area(area_id: int | None) -> str:
    return NO_AREA if area_id is None else f"area:{area_id}"


def team(team_id: int | None) -> str:
    return NO_TEAM if team_id is None else f"team:{team_id}"


def units_of(team_id: int | None, teams: dict[int, tuple[str, int]], with_teams: bool) -> list[str]:
    """The units a response counts in: the council, its team's area and (when teams are shown) its
    team. A team the structure does not know (gone, or none given) counts in "no area" and "no team".
    The one rule for the tally (`build`), the themes' counts (`themes`) and who is in each group
    (`release.memberships`), so that sums over people and over figures agree."""
    if team_id is None or team_id not in teams:
        team_id = None
    units = [ALL, area(None if team_id is None else teams[team_id][1])]
    return units + ([team(team_id)] if with_teams else [])


def breakdown(unit: str, dimension: str, option: str) -> str:
    return f"{unit}|{dimension}:{option}"


def measure(question_id: str, value: str) -> str:
    return f"{question_id}:{value}"


def is_unit(group: str) -> bool:
    return "|" not in group


def dimension_of(group: str) -> tuple[str, str] | None:
    """(dimension, option) of a breakdown group, None for a unit."""
    if "|" not in group:
        return None
    dimension, _, option = group.split("|", 1)[1].partition(":")
    return dimension, option


def structural(group: str) -> bool:
    """Groups that are never shown: the people who did not answer a breakdown question."""
    found = dimension_of(group)
    return found is not None and found[1] == NOT_GIVEN


def rank(group: str) -> int:
    """Which group to keep when two differ by a handful of people: the council, then areas, teams, breakdowns."""
    if group == ALL:
        return 0
    if not is_unit(group):
        return 3
    return 1 if group.startswith("area:") else 2
