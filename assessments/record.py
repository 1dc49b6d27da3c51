"""The frozen record of a submitted assessment: build it, freeze it to canonical JSON, hash it, verify it.

Pure: plain values in, plain values out (answers and evidence are read through their attributes, already
loaded by the caller). ``assessments.services.assessment_submit`` stores what ``build`` + ``freeze`` return with
``content_hash``; ``assessments.services.assessment_verify`` asks ``verify``.
"""

import hashlib
import json

from questionnaires.types import is_answered

FORMAT = 1


def canonical_json(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def content_hash(record) -> str:
    return hashlib.sha256(canonical_json(record).encode()).hexdigest()


def stored_number(text):
    """A JSON number as PostgreSQL's jsonb gives it back, so the record hashes the same once stored: jsonb keeps
    decimals, so a whole float written with an exponent (``1.2e+16``) returns as an integer and ``-0.0`` as
    ``0.0``."""
    number = float(text)
    if number == 0:
        return 0.0
    if number.is_integer() and "e" in text.lower():
        return int(number)
    return number


def freeze(record) -> dict:
    """``record`` exactly as the database will give it back (canonical JSON, jsonb numbers)."""
    return json.loads(canonical_json(record), parse_float=stored_number)


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def questionnaire_ref(version) -> dict:
    return {
        "slug": version.slug,
        "version": version.version,
        "kind": version.kind,
        "content_hash": version.content_hash,
    }


def _kept(answer, evidence):
    return is_answered(answer.value) or answer.comment or evidence


def build(*, version, project, context, assessment, answers, visible, evidence, result, actor, now) -> dict:
    """The record of a submission: the questionnaire version, the project as scored, every answer with its notes
    and evidence (``answers``: question id -> Answer, evidence prefetched), the checks seen and the result."""
    return {
        "format": FORMAT,
        "questionnaire": questionnaire_ref(version),
        "project": {"slug": project.slug, "name": project.name, "context": context["project"]},
        "assessment": {"id": assessment.pk, "kind": assessment.kind},
        "answers": {
            qid: {
                "value": a.value,
                "comment": a.comment,
                "justification": a.justification,
                "visible": qid in visible,
                "answered_by": a.answered_by.username if a.answered_by else None,
                "answered_at": a.answered_at.isoformat(),
                "version": a.version,
                "evidence": [
                    {
                        "id": e.pk,
                        "url": e.url,
                        "filename": e.filename,
                        "file": e.file.name if e.file else "",
                        "content_type": e.content_type,
                        "size": e.size,
                        "sha256": e.sha256,
                    }
                    for e in a.evidence.all()
                ],
            }
            for qid, a in sorted(answers.items())
            if _kept(a, list(a.evidence.all()))
        },
        "checks": {
            qid: {
                "check_id": item.get("check_id"),
                "state": item.get("state"),
                "stale": bool(item.get("stale")),
                "checked_at": _iso(item.get("checked_at")),
            }
            for qid, item in sorted(evidence.items())
        },
        "result": result,
        "submitted_by": actor.username,
        "submitted_at": now.isoformat(),
    }


def signoff(
    *, reviewer, decision, step, comment, acknowledgements, conditions, policy_version, tier, required, now
) -> dict:
    """One decision as the record keeps it: who approved or returned, for which sign-off, under which policy,
    tier and required sign-offs, the contradicted claims acknowledged (each with its note) and the conditions
    attached."""
    return {
        "by": reviewer.username,
        "decision": decision,
        "domain": step,
        "comment": comment,
        "at": now.isoformat(),
        "policy_version": policy_version,
        "tier": tier,
        "required": list(required),
        "acknowledgements": [dict(a) for a in acknowledgements],
        "conditions": [
            {"text": c["text"], "owner": c["owner"].username, "due_on": _iso(c["due_on"])} for c in conditions
        ],
    }


def with_signoff(record, entry) -> dict:
    """The record with one more decision appended (answers, checks and result never change), frozen again so
    ``content_hash`` of the result covers every acknowledgement and note."""
    return freeze({**record, "signoffs": [*record.get("signoffs", []), entry]})


def answer_rows(answers) -> dict:
    """What the answer rows beside a record say (value, comment, justification, evidence), comparable with
    ``answer_rows_in(record)``."""
    rows = {}
    for answer in answers:
        evidence = sorted((e.pk, e.url, e.file.name if e.file else "", e.sha256) for e in answer.evidence.all())
        if _kept(answer, evidence):
            rows[answer.question_id] = (answer.value, answer.comment, answer.justification, evidence)
    return rows


def answer_rows_in(record) -> dict:
    return {
        qid: (
            item.get("value"),
            item.get("comment", ""),
            item.get("justification", ""),
            sorted((e["id"], e["url"], e["file"], e["sha256"]) for e in item.get("evidence", [])),
        )
        for qid, item in record.get("answers", {}).items()
    }


def verify(*, record, digest, version, assessment, result, answers) -> bool:
    """True when ``record`` still hashes to ``digest`` and what is shown beside it (the questionnaire version, the
    cached result, the answer rows) still says what the record says."""
    if not record or not digest or content_hash(record) != digest:
        return False
    return (
        record.get("questionnaire") == questionnaire_ref(version)
        and record.get("assessment") == {"id": assessment.pk, "kind": assessment.kind}
        and record.get("result") == result
        and answer_rows(answers) == answer_rows_in(record)
    )
