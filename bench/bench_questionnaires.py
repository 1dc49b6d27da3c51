"""Questionnaire engine: validating every definition, and scoring 10,000 maturity assessments.

Baselines, measured in the same run: a bare ``yaml.safe_load`` of the same files, and a plain loop that only
sums the points of the same answers (no visibility, levels, explanations or next actions). Pure Python: no
database is touched.
"""

import random
import time
from pathlib import Path

import yaml

from assessments.scoring import score
from bench.table import Row
from questionnaires import conditions
from questionnaires.definition import iter_questions
from questionnaires.validation import validate_file

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "questionnaires" / "definitions"
FIXTURES = ROOT / "tests" / "data" / "questionnaires"
ASSESSMENTS = 10_000
REPEATS = 5


def _best_of(fn, repeats=REPEATS):
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def _random_answer(question, rng):
    qtype = question["type"]
    if qtype == "yes_no":
        return rng.choice(["yes", "yes", "no", "na", "unknown"])
    if qtype == "single_choice":
        return rng.choice(question["options"])["value"]
    if qtype == "multi_choice":
        return [o["value"] for o in question["options"] if rng.random() < 0.5]
    if qtype == "scale":
        return rng.randint(0, 4)
    return None


def _points_table(definition):
    """question id -> function(value) -> points, for the baseline loop."""
    table = {}
    for _, q in iter_questions(definition):
        weight = q["weight"]
        if q["type"] == "yes_no":
            table[q["id"]] = {"yes": weight}.get
        elif q["type"] == "single_choice":
            table[q["id"]] = {o["value"]: o["points"] or 0 for o in q["options"]}.get
        elif q["type"] == "multi_choice":
            points = {o["value"]: o["points"] or 0 for o in q["options"]}
            table[q["id"]] = lambda v, points=points: sum(points[x] for x in v)
        elif q["type"] == "scale":
            table[q["id"]] = lambda v, weight=weight: v / 4 * weight
    return table


def run():
    files = sorted(SHIPPED.glob("*.yaml")) or sorted(FIXTURES.glob("*.yaml"))
    texts = [f.read_text() for f in files]

    def load_all():
        for text in texts:
            yaml.safe_load(text)

    def validate_all():
        conditions.compile.cache_clear()  # count parsing the conditions, as a cold validation would
        for f in files:
            assert validate_file(f).ok, f

    load_time = _best_of(load_all)
    validate_time = _best_of(validate_all)

    maturity_file = SHIPPED / "maturity.yaml"
    if not maturity_file.exists():
        maturity_file = FIXTURES / "maturity_small.yaml"
    definition = validate_file(maturity_file).definition
    rng = random.Random(42)
    questions = [q for _, q in iter_questions(definition)]
    answer_sets = [
        {q["id"]: a for q in questions if (a := _random_answer(q, rng)) is not None} for _ in range(ASSESSMENTS)
    ]
    contexts = [
        {"project": {"uses_rag": rng.random() < 0.5, "fine_tuned": rng.random() < 0.3, "has_component": {}}}
        for _ in range(ASSESSMENTS)
    ]
    table = _points_table(definition)

    def sum_points():
        for answers in answer_sets:
            total = 0
            for qid, value in answers.items():
                points = table.get(qid)
                if points is not None:
                    total += points(value) or 0

    def score_all():
        for answers, context in zip(answer_sets, contexts, strict=True):
            score(definition, answers, context)

    baseline = _best_of(sum_points, 3)
    scoring = _best_of(score_all, 1)
    name = "questionnaires"
    return [
        Row(name, f"validate {len(files)} definitions ({sum(len(t) for t in texts) // 1024} KiB)", validate_time * 1000,
            "ms", validate_time / load_time, "yaml.safe_load of the same files"),
        Row(name, f"score {ASSESSMENTS:,} maturity assessments ({maturity_file.name}, {len(questions)} questions)",
            scoring, "s", scoring / baseline, "plain loop summing the same answers' points"),
        Row(name, "scoring throughput", ASSESSMENTS / scoring, "assessments/s", None, ""),
    ]  # fmt: skip
