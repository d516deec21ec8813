"""Protect people, not cells: what a group of 5 or more shows, and what nobody can work out from it.

Each attack is the reader's integer program (ip_attacker.py) over everything they see and know: every
figure of the release (and of earlier ones), who is in every group, and answers they know. Written
against the cell-suppression release first, where each of these attacks pinned someone or where
figures a 5-person rule shows were hidden.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from surveyapp.disclosure import cells as c
from surveyapp.disclosure import release as releases
from surveyapp.manage import runs
from surveyapp.models import Invitation, Release

from . import factories
from .attacker import respond
from .ip_attacker import attack

Q = "caseload_manageable"
STAY = "intend_to_stay"


def council(session, teams):
    made = factories.council(session, teams=teams)
    run = factories.run(session, made)
    return made, run, {t.name: t for a in made.service_areas for t in a.teams}


def everyone_else(session, run, teams, **counts):
    """Enough people elsewhere for a council that can be shown: `counts` maps a team to its number."""
    for name, n in counts.items():
        for i in range(n):
            respond(session, run, teams[name], **{Q: ("agree", "disagree", "neither")[i % 3]})


def test_a_team_where_everyone_gave_one_answer_gives_nobody_away(session):
    """'5 of 5 agreed' would tell each of the five: the count may be 3 to 5 for all the reader can prove."""
    _, run, teams = council(session, {"Referral and Assessment": ["North", "South"], "Looked After Children": ["Care"]})
    for _ in range(5):
        respond(session, run, teams["North"], **{Q: "strongly_agree"})
    everyone_else(session, run, teams, South=7, Care=8)
    made = factories.release(session, run)
    north = c.team(teams["North"].id)
    assert made.content["cells"][c.cell(c.RESPONDENTS, north)] == 5, "the team is shown"
    found = attack(session, run, [made], Q)
    assert found.pinned_people() == []
    assert found.count_range([p for p in found.people if found.truth[p] == "strongly_agree"], "strongly_agree")[0] < 5


def test_a_reader_who_knows_their_own_answer_cannot_work_out_the_others(session):
    """The team manager answered 'disagree'; the other four all 'agree'. Knowing their own answer, the
    reader must still not be able to say that the other four agreed."""
    _, run, teams = council(session, {"Referral and Assessment": ["North", "South"], "Looked After Children": ["Care"]})
    me = respond(session, run, teams["North"], **{Q: "disagree"})
    for _ in range(4):
        respond(session, run, teams["North"], **{Q: "agree"})
    everyone_else(session, run, teams, South=6, Care=9)
    made = factories.release(session, run)
    found = attack(session, run, [made], Q, known={me.id: "disagree"})
    assert found.pinned_people() == []
    others = [p for p in found.people if p != me.id and p in _members(session, run, made, c.team(teams["North"].id))]
    assert "agree" not in found.pinned_set(others)


def test_an_area_less_its_shown_teams_gives_no_one_away(session):
    """Teams of 8 and 7 and one person in a third: the area less the two shown teams would be that
    person. A second team is hidden with the small one (group-level suppression), or the area."""
    _, run, teams = council(session, {"Referral and Assessment": ["North", "South", "Tiny"],
                                      "Looked After Children": ["Care"]})
    alone = respond(session, run, teams["Tiny"], **{Q: "strongly_disagree"})
    everyone_else(session, run, teams, North=8, South=7, Care=9)
    made = factories.release(session, run)
    found = attack(session, run, [made], Q)
    assert alone.id not in found.pinned_people()
    assert found.pinned_people() == []
    area = c.area(teams["Tiny"].service_area_id)
    shown = [g for g in (area, c.team(teams["North"].id), c.team(teams["South"].id))
             if made.content["cells"][c.cell(c.RESPONDENTS, g)] is not None]
    assert len(shown) == 2, "one group is hidden so that no combination leaves the one person, and no more"


def test_a_breakdown_that_is_a_team_and_one_more_person_gives_no_one_away(session):
    _, run, teams = council(session, {"Referral and Assessment": ["Seniors", "Mixed"]})
    for _ in range(6):
        respond(session, run, teams["Seniors"], role="senior_practitioner", **{Q: "agree"})
    one = respond(session, run, teams["Mixed"], role="senior_practitioner", **{Q: "strongly_disagree"})
    for _ in range(7):
        respond(session, run, teams["Mixed"], role="social_worker", **{Q: "agree"})
    made = factories.release(session, run)
    found = attack(session, run, [made], Q)
    assert one.id not in found.pinned_people()


def test_newcomers_between_two_releases_give_nobody_away(session):
    _, run, teams = council(session, {"Referral and Assessment": ["North", "South"], "Looked After Children": ["Care"]})
    everyone_else(session, run, teams, North=6, South=6, Care=6)
    first = factories.release(session, run, "interim")
    late = [respond(session, run, teams["North"], **{Q: "strongly_disagree"})]
    late += [respond(session, run, teams["Care"], **{Q: "agree"}) for _ in range(4)]
    second = factories.release(session, run)
    found = attack(session, run, [first, second], Q)
    assert found.pinned_people() == []
    assert "strongly_disagree" not in found.pinned_set([late[0].id])


def test_a_group_of_five_shows_its_small_counts(session):
    """Utility: a team of 6 where one person disagreed shows that one, as every staff survey product
    does; so do the council's section scores of an 18-person council."""
    _, run, teams = council(session, {"Referral and Assessment": ["North", "South"], "Looked After Children": ["Care"]})
    respond(session, run, teams["North"], **{Q: "disagree"})
    for _ in range(5):
        respond(session, run, teams["North"], **{Q: "agree"})
    everyone_else(session, run, teams, South=6, Care=6)
    made = factories.release(session, run)
    cells = made.content["cells"]
    north = c.team(teams["North"].id)
    assert cells[c.cell(f"{Q}:disagree", north)] is not None
    assert cells[c.cell(f"{Q}:=", north)] == 6
    sections = [k for k in cells if k.startswith("sec:") and k.endswith("@all")]
    assert sections and all(cells[k] is not None for k in sections)


def test_shown_counts_are_near_the_truth_and_the_same_on_every_release(session):
    """The noise is at most 2, and the same people get the same figure in a later release."""
    _, run, teams = council(session, {"Referral and Assessment": ["North", "South"], "Looked After Children": ["Care"]})
    everyone_else(session, run, teams, North=9, South=8, Care=7)
    first = factories.release(session, run, "interim")
    second = factories.release(session, run)
    truth = _truth(session, run)
    for key, value in first.content["cells"].items():
        if value is not None and key in truth:
            assert abs(value - truth[key]) <= 2, key
            if releases.exact(key):
                assert value == truth[key], key
    assert first.content["cells"] == second.content["cells"]
    moved = [k for k, v in first.content["cells"].items() if v is not None and k in truth and v != truth[k]]
    assert moved, "some counts carry noise"


def test_an_open_link_cannot_be_added_beside_a_staff_list(session):
    """An admin who could answer through an open link on a run with a staff list could plant answers and
    subtract them: a run has one or the other."""
    made, run, teams = council(session, {"Referral and Assessment": ["North"]})
    factories.invitation(session, run, teams["North"])
    with pytest.raises(runs.Refused):
        runs.create_open_link(session, run)
    other = factories.run(session, made)
    runs.create_open_link(session, other)
    with pytest.raises(runs.Refused):
        runs.check_staff_list_allowed(session, other)
    assert session.scalar(select(Invitation).where(Invitation.run_id == other.id)) is None


def _members(session, run, made: Release, group: str) -> frozenset[str]:
    from .ip_attacker import members_by_release

    return members_by_release(session, run, made)[group]


def _truth(session, run) -> dict[str, int]:
    from surveyapp.disclosure.build import Policy, build
    from surveyapp.questionnaires import questionnaire_for

    built = build(releases.structure(session, run), questionnaire_for(run), Policy(None, None),
                  releases.tally_rows(session, run), True)
    return built.values
