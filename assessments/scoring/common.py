"""What every scoring model shares: question fractions, section scores, contributions, blocking must-haves and
next actions ordered by gain. Pure functions over plain data: no Django, no I/O.
"""

from dataclasses import MISSING, asdict, dataclass, field, fields

from questionnaires.types import choice_set as choice_set  # re-exported: risk.py reads chosen mitigations
from questionnaires.types import is_answered, type_of
from questionnaires.visibility import resolve

PCT_DIGITS = 2


def _pct(points, maximum):
    return round(100.0 * points / maximum, PCT_DIGITS) if maximum else 0.0


class _Dict:
    def to_dict(self):
        return asdict(self)

    @classmethod
    def read(cls, data):
        """The typed form of a stored ``to_dict()``: unknown keys are ignored (results written by newer code),
        missing ones read as their default or None (results written by older code). None when ``data`` is not
        a mapping."""
        if not isinstance(data, dict):
            return None
        values = {}
        for f in fields(cls):
            if f.name in data:
                values[f.name] = data[f.name]
            elif f.default is not MISSING:
                values[f.name] = f.default
            elif f.default_factory is not MISSING:
                values[f.name] = f.default_factory()
            else:
                values[f.name] = None
        return cls(**values)

    @classmethod
    def read_all(cls, items):
        """``read`` of each mapping in a stored list, as a tuple (anything else reads as empty)."""
        return tuple(cls.read(item) for item in items or () if isinstance(item, dict))


@dataclass(frozen=True)
class Score(_Dict):
    points: float
    max: float
    pct: float


@dataclass(frozen=True)
class SectionScore(_Dict):
    id: str
    title: str
    points: float
    max: float
    pct: float
    visible: bool


@dataclass(frozen=True)
class Contribution(_Dict):
    """What one visible scored question earned: ``fraction`` is None when it drops out (not applicable)."""

    question_id: str
    section_id: str
    answer: object
    fraction: float | None
    points: float
    max: float
    criticality: str


@dataclass(frozen=True)
class Blocking(_Dict):
    question_id: str
    text: str
    level: int | None
    reason: str


@dataclass(frozen=True)
class NextAction(_Dict):
    question_id: str
    text: str
    gain_points: float
    gain_pct: float
    unblocks_level: int | None
    action: str


@dataclass(frozen=True, kw_only=True)
class ScoreResult(_Dict):
    """The common part of every model's result; ``to_dict()`` is what ``Assessment.result`` stores."""

    model: str
    score: Score
    sections: tuple[SectionScore, ...] = ()
    contributions: tuple[Contribution, ...] = ()
    blocking: tuple[Blocking, ...] = ()
    next_actions: tuple[NextAction, ...] = ()
    unanswered: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assessed:
    """The shared computation every model starts from (not part of the public result)."""

    visible_sections: set
    visible: set
    answers: dict  # answers of visible questions only
    score: Score
    sections: tuple
    contributions: tuple
    unanswered: tuple
    hidden: tuple
    unmet: tuple  # (question, contribution) of visible must-haves not met
    questions: dict = field(repr=False)  # id -> question
    order: dict = field(repr=False)  # id -> document position
    section_of: dict = field(repr=False)


def fraction_function(question):
    """``value -> fraction`` of the question's weight earned, in [0, 1]; None when it drops out (n/a).

    An unanswered question, or a value that is not one of the question's options, earns 0.
    """
    return type_of(question).fraction_function(question)


def question_fraction(question, value):
    return 0.0 if value is None else fraction_function(question)(value)


@dataclass(frozen=True)
class _Plan:
    """What scoring needs to know about a definition, computed once per definition, not once per assessment."""

    questions: dict
    order: dict
    section_of: dict
    sections: (
        tuple  # (section, ((id, question, fraction function, weight, scored, required, criticality, pass_at), ...))
    )


_PLANS = {}
_PLAN_LIMIT = 64


def _plan(definition) -> _Plan:
    """The cached plan of ``definition`` (definitions are immutable data; the cache holds them, so ids stay unique)."""
    cached = _PLANS.get(id(definition))
    if cached is not None and cached[0] is definition:
        return cached[1]
    questions, order, section_of, sections = {}, {}, {}, []
    for section in definition.get("sections", []):
        rows = []
        for question in section.get("questions", []):
            qid = question["id"]
            questions[qid] = question
            order[qid] = len(order)
            section_of[qid] = section["id"]
            rows.append(
                (
                    qid,
                    question,
                    fraction_function(question),
                    float(question.get("weight", 1)),
                    type_of(question).scored,
                    question.get("required", True),
                    question.get("criticality", "should"),
                    float(question.get("pass_at", 1.0)) - 1e-9,
                )
            )
        sections.append((section, tuple(rows)))
    plan = _Plan(questions, order, section_of, tuple(sections))
    if len(_PLANS) >= _PLAN_LIMIT:
        _PLANS.clear()
    _PLANS[id(definition)] = (definition, plan)
    return plan


def assess(definition, answers, context, *, exclude=frozenset()) -> Assessed:
    """Visibility, contributions, section scores and the overall score; ``exclude`` ids never count in points."""
    answers = answers or {}
    plan = _plan(definition)
    visibility = resolve(definition, answers, context)
    visible = visibility.questions
    contributions, sections, unanswered, hidden, unmet = [], [], [], [], []
    total_points = total_max = 0.0
    for section, rows in plan.sections:
        section_id = section["id"]
        section_points = section_max = 0.0
        for qid, question, fraction_of, weight, scored_type, required, criticality, pass_at in rows:
            if qid not in visible:
                hidden.append(qid)
                continue
            value = answers.get(qid)
            answered = is_answered(value)
            scored = scored_type and qid not in exclude
            if not answered and (scored or required):
                unanswered.append(qid)
            if not scored:
                continue
            fraction = fraction_of(value) if answered else 0.0
            if fraction is None:
                points = maximum = 0.0
            else:
                points, maximum = fraction * weight, weight
            contribution = Contribution(qid, section_id, value, fraction, points, maximum, criticality)
            contributions.append(contribution)
            # A must-have is met when its fraction reaches pass_at; not applicable (None) counts as met.
            if criticality == "must" and fraction is not None and (not answered or fraction < pass_at):
                unmet.append((question, contribution))
            section_points += points
            section_max += maximum
        sections.append(
            SectionScore(
                section_id,
                section.get("title", ""),
                section_points,
                section_max,
                _pct(section_points, section_max),
                section_id in visibility.sections,
            )
        )
        total_points += section_points
        total_max += section_max
    return Assessed(
        visible_sections=visibility.sections,
        visible=visible,
        answers=visibility.answers,
        score=Score(total_points, total_max, _pct(total_points, total_max)),
        sections=tuple(sections),
        contributions=tuple(contributions),
        unanswered=tuple(unanswered),
        hidden=tuple(hidden),
        unmet=tuple(unmet),
        questions=plan.questions,
        order=plan.order,
        section_of=plan.section_of,
    )


def unmet_musts(assessed):
    """Visible must-haves that are not met, as ``(question, contribution)``, in document order."""
    return assessed.unmet


def answer_in_words(question, value):
    if not is_answered(value):
        return "not answered yet"
    if not isinstance(value, (str, int, float)):
        return f"answered {value!r}, which is not one of its answers"
    return type_of(question).in_words(question, value)


def improve_action(question, value):
    """One sentence telling the team what would earn the missing points."""
    return type_of(question).improve_action(question, value)


def next_actions(assessed, *, unblocks=None, first_level=None):
    """Every visible scored question short of full points, ordered by the gain it would bring.

    ``unblocks`` maps question id to the level its must-have gates; with ``first_level`` set, actions that
    unblock that level come first (maturity: the next level before anything else).
    """
    unblocks = unblocks or {}
    total_max = assessed.score.max
    actions = []
    for c in assessed.contributions:
        if c.fraction is None or c.fraction >= 1.0:
            continue
        question = assessed.questions[c.question_id]
        gain = c.max - c.points
        actions.append(
            NextAction(
                question_id=c.question_id,
                text=question.get("text", ""),
                gain_points=round(gain, 4),
                gain_pct=_pct(gain, total_max),
                unblocks_level=unblocks.get(c.question_id),
                action=improve_action(question, c.answer),
            )
        )
    actions.sort(
        key=lambda a: (
            0 if first_level is not None and a.unblocks_level == first_level else 1,
            -a.gain_points,
            assessed.order[a.question_id],
        )
    )
    return tuple(actions)


def must_blocking(assessed, *, level_names=None):
    """Blocking entries for every unmet must-have (the level is the one it gates, for maturity)."""
    level_names = level_names or {}
    blocking = []
    for question, c in unmet_musts(assessed):
        level = question.get("level") if level_names else None
        prefix = f"Must-have for level {level} ({level_names.get(level, level)})" if level else "Must-have"
        blocking.append(
            Blocking(
                c.question_id, question.get("text", ""), level, f"{prefix}: {answer_in_words(question, c.answer)}."
            )
        )
    return tuple(blocking)


def common_fields(assessed, model):
    return {
        "model": model,
        "score": assessed.score,
        "sections": assessed.sections,
        "contributions": assessed.contributions,
        "unanswered": assessed.unanswered,
        "hidden": assessed.hidden,
    }


def rule_context(context, result):
    """The evaluation context for scoring rules: the project plus ``result.<name>``."""
    return {**(context or {}), "result": result}
