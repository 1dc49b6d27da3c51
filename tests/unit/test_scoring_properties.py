"""Properties the scoring must keep for any answers (hypothesis)."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.scoring import score
from questionnaires.conditions import references
from questionnaires.definition import iter_questions
from questionnaires.validation import validate_file
from questionnaires.visibility import visible_question_ids

DATA = Path(__file__).resolve().parents[1] / "data/questionnaires"
SHIPPED = Path(__file__).resolve().parents[2] / "questionnaires/definitions/maturity.yaml"
MATURITY = validate_file(DATA / "maturity_small.yaml").definition
RISK = validate_file(DATA / "risk_small.yaml").definition
SHIPPED_MATURITY = validate_file(SHIPPED).definition if SHIPPED.exists() else None
SHIPPED_RISK_PATH = SHIPPED.with_name("risk.yaml")
SHIPPED_RISK = validate_file(SHIPPED_RISK_PATH).definition if SHIPPED_RISK_PATH.exists() else None
DEFINITIONS = [d for d in (MATURITY, SHIPPED_MATURITY) if d]
RISKS = [d for d in (RISK, SHIPPED_RISK) if d]
IMPACTS = [
    validate_file(p).definition for p in (DATA / "impact_small.yaml", SHIPPED.with_name("impact.yaml")) if p.exists()
]


def value_strategy(question):
    qtype = question["type"]
    if qtype == "yes_no":
        return st.sampled_from(["yes", "no", "na", "unknown"])
    if qtype == "single_choice":
        return st.sampled_from([o["value"] for o in question["options"]])
    if qtype == "multi_choice":
        return st.lists(st.sampled_from([o["value"] for o in question["options"]]), unique=True)
    if qtype == "scale":
        return st.integers(0, 4)
    if qtype in ("number", "money"):
        return st.integers(0, 10**6)
    return st.text(max_size=5)


def answers_for(definition):
    questions = [q for _, q in iter_questions(definition)]
    return st.fixed_dictionaries({}, optional={q["id"]: value_strategy(q) for q in questions})


def projects():
    return st.fixed_dictionaries(
        {
            "uses_rag": st.booleans(),
            "fine_tuned": st.booleans(),
            "customer_facing": st.booleans(),
            "handles_pii": st.booleans(),
            "has_component": st.fixed_dictionaries({"vector_store": st.booleans(), "model_endpoint": st.booleans()}),
        }
    ).map(lambda p: {"project": p})


def independent_musts(definition):
    """Must-have yes/no questions no condition depends on (answering those can only help)."""
    referenced = set()
    for section, question in iter_questions(definition):
        referenced |= references(section.get("when")) | references(question.get("when"))
    return [
        q["id"]
        for _, q in iter_questions(definition)
        if q["criticality"] == "must" and q["type"] == "yes_no" and q["id"] not in referenced
    ]


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_answering_a_must_have_yes_never_lowers_the_level(data):
    definition = data.draw(st.sampled_from(DEFINITIONS))
    answers = data.draw(answers_for(definition))
    context = data.draw(projects())
    must = data.draw(st.sampled_from(independent_musts(definition)))
    before = score(definition, answers, context).level
    after = score(definition, {**answers, must: "yes"}, context).level
    assert after >= before


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_hidden_questions_never_change_the_score(data):
    definition = data.draw(st.sampled_from(DEFINITIONS))
    answers = data.draw(answers_for(definition))
    context = data.draw(projects())
    visible = visible_question_ids(definition, answers, context)
    noise = data.draw(answers_for(definition))
    changed = {**answers, **{qid: v for qid, v in noise.items() if qid not in visible}}
    assert visible_question_ids(definition, changed, context) == visible
    assert score(definition, changed, context).to_dict() == score(definition, answers, context).to_dict()


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_scores_stay_within_bounds(data):
    definition = data.draw(st.sampled_from(DEFINITIONS))
    result = score(definition, data.draw(answers_for(definition)), data.draw(projects()))
    assert 0 <= result.score.points <= result.score.max + 1e-9
    assert 0 <= result.score.pct <= 100
    for section in result.sections:
        assert 0 <= section.points <= section.max + 1e-9 and 0 <= section.pct <= 100
    for contribution in result.contributions:
        assert contribution.fraction is None or 0 <= contribution.fraction <= 1
    assert 0 <= result.verified_level <= 4 and 0 <= result.level <= 4
    assert [lv.level for lv in result.levels if lv.reached] == list(range(result.level + 1))


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_risk_scores_stay_within_bounds_and_match_exactly_one_band(data):
    definition = data.draw(st.sampled_from(RISKS))
    result = score(definition, data.draw(answers_for(definition)), data.draw(projects()))
    tiers = definition["scoring"]["tiers"]
    for risk in result.risks:
        assert 1 <= risk.residual <= risk.inherent <= 25
    band = [
        t["tier"]
        for i, t in enumerate(tiers)
        if t["min_residual"] <= result.max_residual < ([26] + [x["min_residual"] for x in tiers])[i]
    ]
    assert len(band) == 1


def test_every_residual_score_falls_in_exactly_one_band():
    for definition in RISKS:
        tiers = definition["scoring"]["tiers"]
        upper = [26] + [t["min_residual"] for t in tiers[:-1]]
        for residual in range(26):
            assert sum(t["min_residual"] <= residual < up for t, up in zip(tiers, upper, strict=True)) == 1


def test_level_band_edge_is_inclusive():
    levels = MATURITY["scoring"]["levels"]
    assert levels[2]["min_score_pct"] == 50
    answers = {
        "mat.docs.goals": "yes",
        "mat.docs.architecture": "yes",
        "mat.eval.coverage": 4,
        "mat.rag.chunking": "no",
        "mat.eval.frequency": "release",
    }
    result = score(MATURITY, answers, {"project": {"uses_rag": True}})
    assert result.score.pct == 50.0
    assert result.level == 2


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.floats(allow_nan=False) | st.text(max_size=4),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=2),
    max_leaves=5,
)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_answers_of_the_wrong_shape_never_crash_the_scoring(data):
    """The web form stores JSON; a value of the wrong type scores as a wrong answer, never as an exception."""
    definition = data.draw(st.sampled_from([*DEFINITIONS, *RISKS, *IMPACTS]))
    ids = [q["id"] for _, q in iter_questions(definition)]
    answers = data.draw(st.dictionaries(st.sampled_from(ids), JSON_VALUES))
    result = score(definition, answers, data.draw(projects()))
    assert 0 <= result.score.pct <= 100
