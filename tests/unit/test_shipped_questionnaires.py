"""The three shipped questionnaires: they validate, cover the frameworks they claim, and score as intended.

These tests guard the content, not the engine: a contributor who edits a YAML file learns here that an MLOps
item went missing, a check id is not in the catalogue, or a project without retrieval suddenly sees retrieval
questions.
"""

import re
from pathlib import Path

import pytest

from assessments.scoring import score
from questionnaires.definition import evidence_checks, iter_questions
from questionnaires.validation import validate_file
from questionnaires.visibility import visible_question_ids

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = ROOT / "questionnaires" / "definitions"
SHIPPED = {
    "impact.yaml": ("llm-impact", "impact", 365),
    "risk.yaml": ("llm-risk", "risk", 180),
    "maturity.yaml": ("llmops-maturity", "maturity", 90),
}
LLMOPS_GROUPS = {"api": 5, "embedding": 5, "vector": 3, "retrieval": 7, "prompt": 2, "finetune": 6}
RISK_ASPECTS = {
    "customer-facing",
    "hallucination",
    "privacy",
    "bias",
    "data-security-breach",
    "third-party-downtime",
    "human-oversight",
    "misuse",
}
NIST_600_1 = {
    "cbrn-information",
    "confabulation",
    "dangerous-violent-hateful-content",
    "data-privacy",
    "environmental-impacts",
    "harmful-bias-homogenization",
    "human-ai-configuration",
    "information-integrity",
    "information-security",
    "intellectual-property",
    "obscene-degrading-abusive-content",
    "value-chain-component-integration",
}
TAG_FORMS = [
    r"mm:([1-9]|[1-5][0-9]|60)",
    r"llmops-mm:(api|embedding|vector|retrieval|prompt|finetune)\.[1-7]",
    r"llmops-risk:[a-z-]+",
    r"owasp-llm:2025:LLM(0[1-9]|10)",
    r"nist-600-1:[a-z-]+",
    r"nist-ai-rmf:(GOVERN|MAP|MEASURE|MANAGE)-[1-6]\.[1-9][0-9]?",
    r"eu-ai-act:(art-[0-9]+|annex-[ivx]+)",
]


def _definition(name):
    report = validate_file(DEFINITIONS / name)
    assert report.ok, "\n".join(str(p) for p in report.problems)
    return report.definition


@pytest.fixture(scope="module")
def maturity():
    return _definition("maturity.yaml")


@pytest.fixture(scope="module")
def risk():
    return _definition("risk.yaml")


@pytest.fixture(scope="module")
def impact():
    return _definition("impact.yaml")


def _context(**overrides):
    project = {
        "slug": "demo",
        "archetype": "knowledge_qa",
        "llm_usage": "foundation_api",
        "uses_rag": False,
        "fine_tuned": False,
        "exposure": "internal",
        "customer_facing": False,
        "stage": "poc",
        "handles_pii": False,
        "handles_sensitive": False,
        "handles_confidential": False,
        "regions": ["eu"],
        "has_component": {"model_endpoint": True, "vector_store": False},
    }
    project.update(overrides)
    return {"project": project}


def _tags(definition):
    return [tag for _, question in iter_questions(definition) for tag in question["tags"]]


def _all_tags(definition):
    risks = definition["scoring"].get("risks", [])
    return set(_tags(definition)) | {tag for r in risks for tag in r["tags"]}


def _catalogued_checks():
    text = (ROOT / "docs" / "check-ids.md").read_text()
    return set(re.findall(r"^\| ([a-z]+\.[a-z_]+) \|", text, flags=re.MULTILINE))


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_file_validates(name):
    report = validate_file(DEFINITIONS / name)

    assert report.ok, "\n".join(str(p) for p in report.problems)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_file_has_its_slug_kind_and_validity(name):
    definition = _definition(name)

    assert (definition["slug"], definition["kind"], definition["validity_days"]) == SHIPPED[name]


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_section_and_question_has_help(name):
    definition = _definition(name)
    no_description = [s["id"] for s in definition["sections"] if not s["description"].strip()]
    no_help = [q["id"] for _, q in iter_questions(definition) if not q["help"].strip()]
    no_field_help = [
        f"{q['id']}.{f['id']}" for _, q in iter_questions(definition) for f in q.get("fields", []) if not f["help"]
    ]

    assert (no_description, no_help, no_field_help) == ([], [], [])


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_question_ids_are_namespaced_under_their_section(name):
    definition = _definition(name)
    stray = [q["id"] for section, q in iter_questions(definition) if not q["id"].startswith(section["id"] + ".")]

    assert stray == []


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_tag_names_a_known_framework_with_its_edition(name):
    unknown = sorted(t for t in _all_tags(_definition(name)) if not any(re.fullmatch(f, t) for f in TAG_FORMS))

    assert unknown == []


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_evidence_binding_names_a_catalogued_check(name):
    catalogue = _catalogued_checks()
    bound = {(q["id"], check) for _, q in iter_questions(_definition(name)) for check in evidence_checks(q)}

    assert sorted((qid, check) for qid, check in bound if check not in catalogue) == []


def test_check_catalogue_is_read():
    assert "mlflow.run_has_git_commit" in _catalogued_checks()


def test_every_mlops_maturity_item_is_tagged_exactly_once(maturity):
    numbers = sorted(int(t.split(":")[1]) for t in _tags(maturity) if re.fullmatch(r"mm:\d+", t))

    assert numbers == list(range(1, 61))


def test_items_1_to_46_sit_in_the_four_core_sections(maturity):
    core_items = set()
    for section, question in iter_questions(maturity):
        for tag in question["tags"]:
            if re.fullmatch(r"mm:\d+", tag) and section["core"]:
                core_items.add(int(tag.split(":")[1]))

    assert core_items == set(range(1, 47))
    assert sum(s["core"] for s in maturity["sections"]) == 4


def test_every_core_question_is_a_must_have_that_gates_level_2_or_below(maturity):
    loose = [
        q["id"]
        for section, q in iter_questions(maturity)
        if section["core"] and (q["criticality"] != "must" or q["level"] > 2)
    ]

    assert loose == []


def test_all_28_llmops_lookup_items_are_covered(maturity):
    expected = {f"llmops-mm:{group}.{n}" for group, count in LLMOPS_GROUPS.items() for n in range(1, count + 1)}
    tagged = [t for t in _tags(maturity) if t.startswith("llmops-mm:")]

    assert sorted(tagged) == sorted(expected)
    assert len(expected) == 28


def test_maturity_levels_are_0_to_4_with_rising_thresholds(maturity):
    levels = maturity["scoring"]["levels"]
    thresholds = [lv["min_score_pct"] for lv in levels[1:]]

    assert [lv["level"] for lv in levels] == [0, 1, 2, 3, 4]
    assert thresholds == sorted(thresholds)
    assert all(lv["name"] and lv["description"] for lv in levels)


def test_a_project_without_retrieval_or_fine_tuning_sees_no_such_questions(maturity):
    visible = visible_question_ids(maturity, {}, _context())
    tags = {t for _, q in iter_questions(maturity) if q["id"] in visible for t in q["tags"]}

    assert not {
        t for t in tags if t.split(".")[0] in ("llmops-mm:embedding", "llmops-mm:vector", "llmops-mm:retrieval")
    }
    assert not {t for t in tags if t.startswith("llmops-mm:finetune")}
    assert "llmops-mm:api.1" in tags


def test_a_rag_project_with_fine_tuning_sees_every_component_group(maturity):
    context = _context(uses_rag=True, fine_tuned=True, llm_usage="fine_tuned")
    visible = visible_question_ids(maturity, {}, context)
    groups = {
        t.split(":")[1].split(".")[0] for _, q in iter_questions(maturity) if q["id"] in visible for t in q["tags"]
    }

    assert set(LLMOPS_GROUPS) <= groups


def test_a_project_without_a_model_endpoint_sees_no_api_call_questions(maturity):
    context = _context(llm_usage="pretrained_open", has_component={"model_endpoint": False})
    visible = visible_question_ids(maturity, {}, context)

    assert not any(qid.startswith("maturity.fm_api.") for qid in visible)


def _maturity_answers(definition, context, *, yes):
    """ "yes" to every visible yes/no question for which ``yes(section, question)`` holds, "no" to the others."""
    visible = visible_question_ids(definition, {}, context)
    return {
        q["id"]: "yes" if yes(section, q) else "no"
        for section, q in iter_questions(definition)
        if q["id"] in visible and q["type"] == "yes_no"
    }


def test_meeting_every_core_must_have_reaches_level_2(maturity):
    context = _context(uses_rag=True)
    answers = _maturity_answers(maturity, context, yes=lambda section, q: section["core"])

    result = score(maturity, answers, context).to_dict()

    assert (result["level"], result["level_name"]) == (2, "Operational")


def test_one_missing_core_must_have_holds_the_project_at_level_1(maturity):
    context = _context(uses_rag=True)
    answers = _maturity_answers(maturity, context, yes=lambda section, q: True)
    answers["maturity.monitoring.drift"] = "no"

    result = score(maturity, answers, context).to_dict()

    assert result["level"] == 1
    assert [b["question_id"] for b in result["blocking"] if b["level"] == 2] == ["maturity.monitoring.drift"]


def test_answering_everything_yes_reaches_level_4(maturity):
    context = _context(uses_rag=True, fine_tuned=True)
    answers = _maturity_answers(maturity, context, yes=lambda section, q: True)

    assert score(maturity, answers, context).to_dict()["level_name"] == "Optimised"


def test_a_failing_git_commit_check_is_a_discrepancy(maturity):
    context = _context()
    answers = _maturity_answers(maturity, context, yes=lambda section, q: True)

    passing = {q["id"]: "pass" for _, q in iter_questions(maturity) if evidence_checks(q)}
    verified = score(maturity, answers, context, passing).to_dict()
    result = score(maturity, answers, context, passing | {"maturity.traceability.git_commit": "fail"}).to_dict()

    assert [d["question_id"] for d in result["discrepancies"]] == ["maturity.traceability.git_commit"]
    assert verified["verified_level"] == 4
    assert result["verified_level"] == 1


def test_claims_nothing_verified_give_no_verified_level(maturity):
    context = _context()
    answers = _maturity_answers(maturity, context, yes=lambda section, q: True)

    result = score(maturity, answers, context, {}).to_dict()

    assert result["claimed_level"] == 4 and result["verified_level"] == 0
    assert result["why"] and all(w["kind"] == "unverified_claim" for w in result["why"] if w["blocks"])


def test_the_eight_llmops_risk_aspects_are_all_risks(risk):
    aspects = {t.split(":")[1] for r in risk["scoring"]["risks"] for t in r["tags"] if t.startswith("llmops-risk:")}

    assert aspects == RISK_ASPECTS


def test_owasp_llm_2025_top_10_is_fully_tagged(risk):
    owasp = {t for t in _all_tags(risk) if t.startswith("owasp-llm:2025:")}

    assert owasp == {f"owasp-llm:2025:LLM{n:02d}" for n in range(1, 11)}


def test_the_twelve_nist_ai_600_1_risks_are_covered(risk):
    nist = {t.split(":")[1] for r in risk["scoring"]["risks"] for t in r["tags"] if t.startswith("nist-600-1:")}

    assert nist == NIST_600_1


def test_every_risk_question_carries_its_risk_tags(risk):
    questions = {q["id"]: q for _, q in iter_questions(risk)}
    untagged = [
        qid
        for r in risk["scoring"]["risks"]
        for qid in (r["likelihood"], r["severity"], r["mitigations"])
        if not questions[qid]["tags"]
    ]

    assert untagged == []


def test_likelihood_and_severity_run_1_to_5_with_a_description_per_level(risk):
    questions = {q["id"]: q for _, q in iter_questions(risk)}
    bad = []
    for r in risk["scoring"]["risks"]:
        for qid in (r["likelihood"], r["severity"]):
            options = questions[qid]["options"]
            if [o["points"] for o in options] != [1, 2, 3, 4, 5] or not all(o["help"] for o in options):
                bad.append(qid)

    assert bad == []


def test_every_mitigation_except_none_reduces_the_risk(risk):
    questions = {q["id"]: q for _, q in iter_questions(risk)}
    inert = [
        f"{r['mitigations']}:{o['value']}"
        for r in risk["scoring"]["risks"]
        for o in questions[r["mitigations"]]["options"]
        if o["value"] != "none" and not (o["reduces"]["likelihood"] or o["reduces"]["severity"])
    ]

    assert inert == []


def test_excessive_agency_applies_only_to_agents_or_tool_use(risk):
    chatbot = visible_question_ids(risk, {}, _context(archetype="chatbot"))
    with_tools = visible_question_ids(risk, {"risk.context.tools": "yes"}, _context(archetype="chatbot"))
    agent = visible_question_ids(risk, {}, _context(archetype="agent"))

    assert "risk.excessive_agency.likelihood" not in chatbot
    assert "risk.excessive_agency.likelihood" in with_tools
    assert "risk.excessive_agency.likelihood" in agent


def test_vector_and_embedding_risk_applies_only_with_retrieval(risk):
    without = visible_question_ids(risk, {}, _context())
    with_rag = visible_question_ids(risk, {}, _context(uses_rag=True))

    assert "risk.vector_embedding.likelihood" not in without
    assert "risk.vector_embedding.likelihood" in with_rag


def _eu(**answers):
    base = {
        "risk.euact.eu_nexus": "yes",
        "risk.euact.prohibited_practice": "no",
        "risk.euact.annex_i_product": "no",
        "risk.euact.annex_iii_areas": ["none"],
        "risk.euact.interacts_with_people": "no",
        "risk.euact.synthetic_content": "no",
        "risk.euact.deepfake_or_public_text": "no",
        "risk.euact.emotion_or_biometric": "no",
    }
    base.update({f"risk.euact.{k}": v for k, v in answers.items()})
    return base


def test_cv_screening_is_suggested_high_risk_and_raised_to_the_high_tier(risk):
    answers = _eu(annex_iii_areas=["employment"], profiling="no", derogation="no")

    result = score(risk, answers, _context()).to_dict()

    assert result["eu_ai_act"]["category"] == "high_risk"
    assert result["tier"] in ("high", "critical")
    assert "ctl.human_review" in {c["id"] for c in result["required_controls"]}


def test_a_prohibited_practice_is_suggested_prohibited(risk):
    result = score(risk, _eu(prohibited_practice="yes"), _context()).to_dict()

    assert (result["eu_ai_act"]["category"], result["tier"]) == ("prohibited", "critical")


def test_a_customer_chatbot_carries_the_transparency_duty(risk):
    result = score(risk, _eu(), _context(archetype="chatbot", exposure="public", customer_facing=True)).to_dict()

    assert result["eu_ai_act"]["category"] == "transparency"


def test_an_internal_summariser_outside_every_eu_category_is_minimal(risk):
    result = score(risk, _eu(), _context(archetype="summarisation")).to_dict()

    assert result["eu_ai_act"]["category"] == "minimal"


def test_customer_facing_pii_raises_a_low_risk_project_to_medium(risk):
    context = _context(exposure="customer_facing", customer_facing=True, handles_pii=True)
    answers = _eu()
    for r in risk["scoring"]["risks"]:
        answers[r["likelihood"]] = "rare"
        answers[r["severity"]] = "negligible"

    result = score(risk, answers, context).to_dict()

    assert result["tier"] == "medium"


def _impact_answers(**overrides):
    answers = {
        "impact.problem.defined": "yes",
        "impact.problem.business_owner": "yes",
        "impact.problem.kpi": "yes",
        "impact.alignment.objective": "direct",
        "impact.alignment.sponsor": "yes",
        "impact.need.alternatives_considered": "yes",
        "impact.need.alternatives_assessed": ["rules", "search", "classic_ml"],
        "impact.need.simpler_solution": "no",
        "impact.cost.build": 60000,
        "impact.cost.run_monthly": 2000,
        "impact.cost.confidence": "measured",
        "impact.timeline.plan": "yes",
        "impact.value.annual": 250000,
        "impact.value.drivers": ["productivity", "customer_experience"],
        "impact.value.measurable": "yes",
        "impact.data.available": "ready",
        "impact.data.rights": "yes",
        "impact.data.eval_examples": "yes",
        "impact.users.involved": "yes",
        "impact.users.workflow_fit": "yes",
        "impact.users.adoption_plan": "yes",
    }
    answers.update(overrides)
    return answers


def test_a_sound_case_is_recommended_to_proceed(impact):
    result = score(impact, _impact_answers(), _context()).to_dict()

    assert result["recommendation"] == "proceed"
    assert result["value_to_cost"] == pytest.approx(250000 / (60000 + 12 * 2000), abs=1e-3)


def test_a_simpler_solution_leads_to_reconsider(impact):
    result = score(impact, _impact_answers(**{"impact.need.simpler_solution": "yes"}), _context()).to_dict()

    assert result["recommendation"] == "reconsider"


def test_value_below_first_year_cost_leads_to_stop(impact):
    result = score(impact, _impact_answers(**{"impact.value.annual": 50000}), _context()).to_dict()

    assert result["recommendation"] == "stop"


def test_a_missing_kpi_leads_to_proceed_with_conditions(impact):
    result = score(impact, _impact_answers(**{"impact.problem.kpi": "no"}), _context()).to_dict()

    assert result["recommendation"] == "proceed_with_conditions"
    assert "impact.problem.kpi" in {b["question_id"] for b in result["blocking"]}


def test_an_unanswered_eu_section_is_treated_as_high_risk_until_answered(risk):
    result = score(risk, {}, _context()).to_dict()

    assert result["eu_ai_act"]["category"] == "high_risk"
    assert "not known yet" in result["eu_ai_act"]["reason"]


def test_every_maturity_question_says_what_evidence_backs_a_yes(maturity):
    silent = [
        q["id"]
        for _, q in iter_questions(maturity)
        if not q["evidence"] and "Attach" not in q["help"] and "connector" not in q["help"]
    ]

    assert silent == []


def test_every_risk_questionnaire_question_is_tagged(risk):
    assert [q["id"] for _, q in iter_questions(risk) if not q["tags"]] == []


@pytest.mark.parametrize("uses_rag", [False, True])
def test_every_must_have_without_any_optional_practice_stops_at_level_3(maturity, uses_rag):
    context = _context(uses_rag=uses_rag)
    answers = _maturity_answers(maturity, context, yes=lambda section, q: q["criticality"] == "must")

    result = score(maturity, answers, context).to_dict()

    assert (result["level"], result["level_name"]) == (3, "Evaluated")


def test_partly_available_data_leads_to_proceed_with_conditions(impact):
    result = score(impact, _impact_answers(**{"impact.data.available": "partial"}), _context()).to_dict()

    assert result["recommendation"] == "proceed_with_conditions"
    assert any("part of the data" in reason for reason in result["reasons"])


def test_output_handling_risk_drops_when_only_people_read_plain_text(risk):
    plain_text = visible_question_ids(risk, {"risk.context.downstream": "no"}, _context())
    rendered = visible_question_ids(risk, {"risk.context.downstream": "yes"}, _context())

    assert "risk.output_handling.likelihood" not in plain_text
    assert "risk.output_handling.likelihood" in rendered


def test_an_annex_iii_area_ticked_together_with_none_still_counts(risk):
    answers = _eu(annex_iii_areas=["none", "essential_services"], profiling="no", derogation="no")

    result = score(risk, answers, _context()).to_dict()

    assert result["eu_ai_act"]["category"] == "high_risk"
