"""Questionnaire files: the built-in ones are complete, and a bad file says where and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveyapp.questionnaires import DefinitionError, builtin, load_file

MINIMAL = """key: test
version: 2026
kind: health_check
title: Test
summary: A test.
minutes: 5
sections:
  - id: about_you
    title: About you
    questions:
      - id: role
        type: single_choice
        text: What is your role?
        options:
          - {value: nqsw_asye, label: ASYE}
          - {value: social_worker, label: Social worker}
  - id: workload
    title: Workload
    questions:
      - id: children_allocated
        type: number
        text: How many children?
        min: 0
        max: 80
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "questionnaire.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_health_check_covers_the_themes_staff_are_asked_about():
    health = next(q for q in builtin() if q.key == "health-check")
    assert health.kind == "health_check" and health.version == 2026
    sections = {s.id for s in health.sections}
    assert {"about_you", "workload", "supervision", "management", "learning", "wellbeing", "pay", "systems",
            "environment", "communication", "team", "safeguarding", "staying", "your_comments"} <= sections
    assert health.sections[0].id == "about_you"
    types = {q.type for q in health.questions()}
    assert {"team", "agreement", "single_choice", "number", "free_text"} <= types
    for question_id in ("children_allocated", "hours_beyond_contract", "biggest_difference", "do_well",
                        "anything_else", "asye_caseload_protected", "role", "contract", "years_in_role"):
        assert health.question(question_id) is not None, question_id
    asye = health.question("asye_caseload_protected")
    assert asye.show_if and asye.show_if.values == ("nqsw_asye",)


def test_builtin_exit_interview_asks_why_where_and_what_would_have_kept_them():
    exit_interview = next(q for q in builtin() if q.key == "exit-interview")
    reasons = dict(exit_interview.question("main_reasons").options)
    assert {"caseload_workload", "pay", "management", "career_progression", "wellbeing", "relocation_family",
            "agency_work", "leaving_profession", "retirement", "role_elsewhere"} == set(reasons)
    destinations = dict(exit_interview.question("destination").options)
    assert {"another_council", "agency", "nhs_health", "voluntary_independent", "internal_move",
            "leaving_social_work", "retirement", "not_working", "other"} == set(destinations)
    assert exit_interview.question("would_have_kept_you").type == "free_text"
    assert exit_interview.question("attach_name").type == "attach_name"
    assert exit_interview.question("leaving_month").type == "month"


def test_a_minimal_file_loads(tmp_path):
    questionnaire = load_file(write(tmp_path, MINIMAL))
    assert [s.id for s in questionnaire.sections] == ["about_you", "workload"]
    assert questionnaire.question("children_allocated").max == 80


@pytest.mark.parametrize(("change", "expected"), [
    (("        type: number\n", "        type: numbr\n"), "sections[1].questions[0].type"),
    (("        max: 80\n", ""), "sections[1].questions[0]"),
    (("minutes: 5\n", "minutes: five\n"), "minutes"),
    (("      - id: children_allocated\n", "      - id: role\n"), "question id 'role' is used twice"),
    (("    title: Workload\n", "    title: Workload\n    colour: red\n"), "sections[1]"),
    (("        min: 0\n", "        min: 90\n"), "min is greater than max"),
])
def test_a_bad_file_names_the_file_the_place_and_the_problem(tmp_path, change, expected):
    path = write(tmp_path, MINIMAL.replace(*change))
    with pytest.raises(DefinitionError) as error:
        load_file(path)
    message = str(error.value)
    assert message.startswith(str(path)) and expected in message


def test_a_condition_must_point_back_to_an_earlier_question(tmp_path):
    forward = MINIMAL.replace("        text: What is your role?\n",
                              "        text: What is your role?\n        show_if: {question: children_allocated, in: [x]}\n")
    with pytest.raises(DefinitionError, match=r"sections\[0\].questions\[0\].show_if: 'children_allocated' must be a question in an earlier section"):
        load_file(write(tmp_path, forward))
    unknown_value = MINIMAL.replace("        min: 0\n", "        show_if: {question: role, in: [manager]}\n        min: 0\n")
    with pytest.raises(DefinitionError, match="'role' has no option manager"):
        load_file(write(tmp_path, unknown_value))


def test_broken_yaml_gives_line_and_column(tmp_path):
    with pytest.raises(DefinitionError, match=r"line \d+, column \d+: not valid YAML"):
        load_file(write(tmp_path, MINIMAL + "  - id: [unclosed\n"))
