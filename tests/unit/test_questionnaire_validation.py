from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaires.validation import validate_file, validate_text

DATA = Path(__file__).resolve().parents[1] / "data" / "questionnaires"
BROKEN = DATA / "broken"


BROKEN_CASES = [
    ("malformed_yaml.yaml", 10, 7, "", "the YAML cannot be read"),
    ("tab_indentation.yaml", 31, 1, "", "tab character"),
    ("duplicate_key.yaml", 35, 9, "sections[1].questions[1].type", "duplicate key 'type' (first at line 33)"),
    (
        "duplicate_id.yaml",
        32,
        13,
        "sections[1].questions[1].id",
        "duplicate id 'demo.ops.alerts': already used at line 29",
    ),
    ("unknown_condition_id.yaml", 35, 16, "sections[1].questions[1].when", "did you mean 'demo.ops.alerts'?"),
    ("forward_reference.yaml", 20, 16, "sections[0].questions[0].when", "comes later in the file"),
    (
        "cycle.yaml",
        32,
        15,
        "sections[1].questions[0].when",
        "cycle in conditions: demo.ops.alerts → demo.ops.oncall",
    ),
    ("option_without_points.yaml", 25, 13, "sections[0].questions[1].options[1]", "option 'yearly' has no points"),
    (
        "unreachable_section.yaml",
        28,
        11,
        "sections[1].when",
        "section 'demo.ops' can never be shown: 'demo.docs.frequency' == 'weekly' never holds: "
        "its possible answers are 'never', 'yearly'",
    ),
    ("overlapping_band.yaml", 11, 48, "scoring.levels[3].min_score_pct", "bands must not overlap"),
    ("bad_levels.yaml", 12, 15, "scoring.levels[4].level", "must be at most 4, not 5"),
    ("missing_required_field.yaml", 29, 9, "sections[1].questions[0]", "missing required field 'text'"),
    ("wrong_type.yaml", 2, 10, "version", "must be text, not a number (put it in quotes)"),
    ("condition_syntax.yaml", 35, 32, "sections[1].questions[1].when", "write '==' to compare"),
    ("reserved_id.yaml", 32, 13, "sections[1].questions[1].id", "must not start with 'project.'"),
    ("tier_gap.yaml", 23, 33, "scoring.tiers[3].min_residual", "gap in tiers"),
    (
        "evidence_binding_both_forms.yaml",
        32,
        19,
        "sections[1].questions[0].evidence",
        "names either one `check` or several `any_of` checks, not both",
    ),
    (
        "risk_question_wrong_type.yaml",
        17,
        17,
        "scoring.risks[1].severity",
        "is a yes_no question; severity must be single_choice",
    ),
]


@pytest.mark.parametrize(("name", "line", "column", "path", "words"), BROKEN_CASES)
def test_each_broken_file_gives_one_located_error_in_words(name, line, column, path, words):
    report = validate_file(BROKEN / name)
    assert len(report.problems) == 1, report.problems
    problem = report.problems[0]
    assert (problem.file, problem.line, problem.column, problem.path) == (str(BROKEN / name), line, column, path)
    assert words in problem.message


def test_every_broken_file_is_covered_by_a_test():
    assert {p.name for p in BROKEN.glob("*.yaml")} == {case[0] for case in BROKEN_CASES}


@pytest.mark.parametrize("name", ["maturity_small.yaml", "risk_small.yaml", "impact_small.yaml"])
def test_fixture_definitions_are_valid(name):
    report = validate_file(DATA / name)
    assert report.ok, report.problems
    assert report.definition["slug"].startswith("test-")


def test_problem_prints_as_file_line_column_path_message():
    problem = validate_file(BROKEN / "wrong_type.yaml").problems[0]
    assert str(problem) == f"{BROKEN / 'wrong_type.yaml'}:2:10: version: must be text, not a number (put it in quotes)"


def test_an_empty_file_is_an_error_not_a_traceback():
    assert "empty" in validate_text("", "empty.yaml").problems[0].message


def test_a_list_at_the_top_is_an_error():
    assert "must be a mapping" in validate_text("- a\n- b\n").problems[0].message


def test_unknown_field_suggests_the_right_spelling():
    text = (BROKEN.parent / "impact_small.yaml").read_text().replace("criticality: must\n", "criticalty: must\n", 1)
    problem = validate_text(text).problems[0]
    assert "unknown field 'criticalty': did you mean 'criticality'?" in problem.message
    assert problem.column == 9


def test_a_section_depending_only_on_hidden_questions_is_unreachable():
    text = (DATA / "maturity_small.yaml").read_text()
    text = text.replace(
        "        when: \"mat.rag.chunking == 'yes'\"\n", "        when: \"mat.rag.chunking == 'maybe'\"\n"
    )
    text += "  - id: mat.late\n    title: Late\n    when: \"mat.rag.freshness == 'yes'\"\n"
    text += "    questions:\n      - {id: mat.late.q, type: yes_no, text: Q}\n"
    messages = [p.message for p in validate_text(text).problems]
    assert any("question 'mat.rag.freshness' can never be shown" in m for m in messages)
    assert "section 'mat.late' can never be shown: 'mat.rag.freshness' is always hidden, so it reads null" in messages


def test_unknown_project_attribute_is_reported():
    text = (DATA / "maturity_small.yaml").read_text().replace('when: "project.uses_rag"', 'when: "project.uses_rags"')
    assert "unknown project attribute 'project.uses_rags'" in validate_text(text).problems[0].message


def test_result_names_only_in_scoring_rules():
    text = (DATA / "impact_small.yaml").read_text()
    text = text.replace(
        "        text: A business owner is named.\n", '        text: Owner?\n        when: "result.score_pct > 1"\n'
    )
    assert "can only be used in scoring rules" in validate_text(text).problems[0].message


def test_yes_and_no_stay_strings():
    text = (DATA / "maturity_small.yaml").read_text().replace("level: 1\n", "level: 1\n        justify: [no, na]\n", 1)
    report = validate_text(text)
    assert report.ok
    assert report.definition["sections"][0]["questions"][0]["justify"] == ["no", "na"]


FIXTURE_LINES = [
    line
    for name in ("maturity_small.yaml", "risk_small.yaml", "impact_small.yaml")
    for line in (DATA / name).read_text().splitlines()
]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_validation_never_raises_on_a_damaged_file(data):
    name = data.draw(st.sampled_from(["maturity_small.yaml", "risk_small.yaml", "impact_small.yaml"]))
    lines = (DATA / name).read_text().splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "duplicate", "swap_in", "garble", "swap_value"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "swap_in":
            lines[index] = data.draw(st.sampled_from(FIXTURE_LINES))
        elif action == "swap_value" and ": " in lines[index]:
            key = lines[index].split(": ", 1)[0]
            same_key = [line for line in FIXTURE_LINES if line.split(": ", 1)[0].strip() == key.strip()]
            lines[index] = key + ": " + data.draw(st.sampled_from(same_key)).split(": ", 1)[1]
        else:
            lines[index] = lines[index][: data.draw(st.integers(0, len(lines[index])))] + data.draw(st.text(max_size=6))
    report = validate_text("\n".join(lines) + "\n", name)
    for problem in report.problems:
        assert problem.line >= 1 and problem.column >= 1 and problem.message


def test_a_kind_that_does_not_match_the_scoring_model_is_an_error_not_a_crash():
    text = (DATA / "maturity_small.yaml").read_text().replace("kind: maturity", "kind: risk")
    problems = validate_text(text).problems
    assert problems[0].path == "scoring.model"
    assert problems[0].message == "the scoring model must match kind 'risk'"
