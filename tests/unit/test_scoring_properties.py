"""Properties the scoring must keep for any answers (hypothesis)."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.scoring import score
from assessments.scoring.common import choice_set
from questionnaires.conditions import references
from questionnaires.definition import iter_questions
from questionnaires.types import SCORED_TYPES
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


# Risk and impact properties, run against the shipped questionnaires: scores move the right way.

RISK_INPUTS = {
    r[k]: k for d in RISKS for r in d["scoring"]["risks"] for k in ("likelihood", "severity", "mitigations") if r[k]
}
# Yes/no facts of the risk questionnaire where "yes" lowers the risk (an exemption); for every other fact "yes" is
# the riskier answer, "unknown" (or no answer) sits between, and "no" is the safest.
EXEMPTIONS = {"risk.euact.derogation"}
PROHIBITED = "risk.euact.prohibited_practice"
SHIPPED_IMPACT = validate_file(SHIPPED.with_name("impact.yaml")).definition


def allowed_value_strategy(question):
    """Only answers the form accepts (no "na" where it is not allowed)."""
    if question["type"] == "yes_no":
        values = ["yes", "no", "unknown"] + (["na"] if question.get("allow_na", True) else [])
        return st.sampled_from(values)
    return value_strategy(question)


def risk_answers(definition):
    questions = [q for _, q in iter_questions(definition)]
    return st.fixed_dictionaries({}, optional={q["id"]: allowed_value_strategy(q) for q in questions})


def risk_projects():
    return st.fixed_dictionaries(
        {
            "archetype": st.sampled_from(["chatbot", "agent", "knowledge_qa", "content_generation"]),
            "uses_rag": st.booleans(),
            "fine_tuned": st.booleans(),
            "customer_facing": st.booleans(),
            "handles_pii": st.booleans(),
            "handles_sensitive": st.booleans(),
        }
    ).map(lambda p: {"project": p})


def _danger(question, value):
    """How risky a yes/no fact is: 0 safest, 2 riskiest; no answer counts like "unknown"."""
    if value in (None, ""):
        return 1
    if question["id"] in EXEMPTIONS:
        return {"yes": 0}.get(value, 1)
    return {"no": 0, "na": 0, "unknown": 1, "yes": 2}[value]


def worse_answer(data, question, value):
    """A strictly riskier answer to ``question`` than ``value`` (None: leave it unanswered), or no change."""
    qid, qtype = question["id"], question["type"]
    if RISK_INPUTS.get(qid) in ("likelihood", "severity"):
        points = {o["value"]: o["points"] for o in question["options"]}
        current = points.get(value, 5)
        return data.draw(st.sampled_from([None, *(v for v, p in points.items() if p > current)]))
    if RISK_INPUTS.get(qid) == "mitigations":
        chosen = sorted(v for v in value or [] if isinstance(v, str))
        return data.draw(st.lists(st.sampled_from(chosen), unique=True)) if chosen else []
    if qtype == "multi_choice":
        extra = data.draw(st.lists(st.sampled_from([o["value"] for o in question["options"]]), unique=True))
        return sorted({*(value or []), *extra})
    if qtype == "yes_no":
        riskier = [v for v in ("yes", "no", "unknown", None) if _danger(question, v) > _danger(question, value)]
        return data.draw(st.sampled_from(riskier)) if riskier else value
    return value


def _with(answers, qid, value):
    changed = {k: v for k, v in answers.items() if k != qid}
    return changed if value is None else {**changed, qid: value}


def _tier_rank(definition, tier):
    tiers = [t["tier"] for t in definition["scoring"]["tiers"]]
    return len(tiers) - tiers.index(tier)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_riskier_answer_never_lowers_the_tier_or_raises_the_risk_score(data):
    definition = SHIPPED_RISK
    answers = data.draw(risk_answers(definition))
    context = data.draw(risk_projects())
    question = data.draw(st.sampled_from([q for _, q in iter_questions(definition) if q["type"] in SCORED_TYPES]))
    worse = _with(answers, question["id"], worse_answer(data, question, answers.get(question["id"])))
    before, after = score(definition, answers, context), score(definition, worse, context)
    assert _tier_rank(definition, after.tier) >= _tier_rank(definition, before.tier)
    assert after.score.pct <= before.score.pct
    assert after.max_residual >= before.max_residual
    assert before.verdict.code != "stop" or after.verdict.code == "stop"


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_a_prohibited_practice_stops_whatever_else_is_answered(data):
    definition = SHIPPED_RISK
    answers = {**data.draw(risk_answers(definition)), PROHIBITED: "yes"}
    result = score(definition, answers, data.draw(risk_projects()))
    assert (result.verdict.code, result.verdict.label) == ("stop", "Prohibited — stop")
    assert result.tier == definition["scoring"]["tiers"][0]["tier"]
    assert result.score.pct == 0
    assert result.next_actions == ()


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_risk_next_action_is_a_mitigation_that_lowers_residual_risk(data):
    definition = SHIPPED_RISK
    answers = data.draw(risk_answers(definition))
    context = data.draw(risk_projects())
    before = score(definition, answers, context)
    assert all(RISK_INPUTS.get(a.question_id) == "mitigations" for a in before.next_actions)
    if not before.next_actions:
        return
    action = data.draw(st.sampled_from(before.next_actions))
    chosen = answers.get(action.question_id)
    assert action.option not in (chosen if isinstance(chosen, list) else [])
    after = score(definition, {**answers, action.question_id: [*choice_set(chosen), action.option]}, context)
    residual = {r.id: r.residual for r in before.risks}
    assert {r.id: r.residual for r in after.risks}[action.risk_id] == residual[action.risk_id] - action.gain_points
    assert action.gain_points > 0
    assert _tier_rank(definition, after.tier) <= _tier_rank(definition, before.tier)
    assert after.score.pct == round(before.score.pct + action.gain_pct, 2)
    assert after.verdict.code == before.verdict.code  # the label names the tier, which may drop


def sound_value(question):
    """The answer a strong case gives: "yes", the top option, no box ticked."""
    qtype = question["type"]
    if qtype == "yes_no":
        return "yes"
    if qtype == "single_choice":
        return max(question["options"], key=lambda o: o["points"] or 0)["value"]
    if qtype == "multi_choice":
        return []
    if qtype == "scale":
        return 4
    return None


def draw_near_sound_answers(data, definition):
    """Strong answers except some weak ones. Half the time the must-haves and the questions the recommendation rules
    name stay strong, so the late rules (thin margin, weak overall score) are reached as often as the early ones."""
    questions = {q["id"]: q for _, q in iter_questions(definition) if q["type"] in SCORED_TYPES}
    named = set().union(*(references(r.get("when")) for r in definition["scoring"]["recommendations"]))
    named |= {qid for qid, q in questions.items() if q["criticality"] == "must"}
    keep = named if data.draw(st.booleans()) else set()
    varied = sorted(set(questions) - keep)
    weak = data.draw(st.permutations(varied))[: data.draw(st.integers(0, len(varied)))]
    answers = {qid: sound_value(q) for qid, q in questions.items()}
    answers.update({qid: data.draw(value_strategy(questions[qid])) for qid in weak})
    for key, qid in definition["scoring"]["inputs"].items():
        amounts = [10_000, 100_000, 1_000_000] if key == "expected_value_per_year" else [1_000, 5_000]
        answers[qid] = data.draw(st.sampled_from(amounts))
    return answers


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_ticking_neutral_boxes_never_changes_the_impact_recommendation(data):
    definition = SHIPPED_IMPACT
    checklists = [q for _, q in iter_questions(definition) if q["type"] == "multi_choice"]
    answers = draw_near_sound_answers(data, definition)
    context = data.draw(projects())
    ticked = dict(answers)
    for question in checklists:
        extra = data.draw(st.lists(st.sampled_from([o["value"] for o in question["options"]]), unique=True))
        ticked[question["id"]] = sorted({*choice_set(answers.get(question["id"])), *extra})
    before, after = score(definition, answers, context), score(definition, ticked, context)
    assert after.recommendation == before.recommendation
    assert (after.score, after.value_to_cost) == (before.score, before.value_to_cost)
    neutral = {q["id"] for q in checklists}
    assert not neutral & {a.question_id for a in before.next_actions}
