"""The events a webhook can receive and the body each one carries: a stable schema, documented in docs/webhooks.md.

Pure functions over plain values (no ORM): ``envelope`` builds the JSON body, ``slack_message`` the Slack
incoming-webhook body for the same event.
"""

from __future__ import annotations

from datetime import datetime

GATE_VERDICT_CHANGED = "gate.verdict_changed"
ASSESSMENT_SUBMITTED = "assessment.submitted"
ASSESSMENT_APPROVED = "assessment.approved"
ASSESSMENT_RETURNED = "assessment.returned"
CHECK_FAILED = "check.failed"
EVIDENCE_EXPIRING = "evidence.expiring"
ASSESSMENT_EXPIRING = "assessment.expiring"

EVENTS = {
    GATE_VERDICT_CHANGED: "A stored gate verdict changed (allowed/refused, verified or required level, tier).",
    ASSESSMENT_SUBMITTED: "An assessment was submitted for review.",
    ASSESSMENT_APPROVED: "A reviewer approved an assessment.",
    ASSESSMENT_RETURNED: "A reviewer returned an assessment to the team.",
    CHECK_FAILED: "A check turned fail (it did not fail before).",
    EVIDENCE_EXPIRING: "A check result expires soon; refresh the evidence.",
    ASSESSMENT_EXPIRING: "An approved assessment expired or expires soon; start a re-assessment.",
}
EVENT_NAMES = list(EVENTS)  # the choice set of every "event" field in the API schema (WebhookEventEnum)
SCHEMA_VERSION = 1
_ASSESSMENT = {
    "id": 42,
    "kind": "maturity",
    "state": "approved",
    "decided_at": "2026-11-30T09:12:00Z",
    "expires_at": "2027-02-28T09:12:00Z",
}
# ``data`` of each event, as an example (docs/webhooks.md and GET /api/v1/webhooks/events/ show them).
EXAMPLE_DATA = {
    GATE_VERDICT_CHANGED: {
        "stage": "production",
        "before": {"allowed": True, "verified_level": 2, "claimed_level": 3, "required_level": 2, "tier": "medium"},
        "after": {"allowed": False, "verified_level": 2, "claimed_level": 3, "required_level": 2, "tier": "medium"},
        "cause": "ci.eval_results_recent stored: fail",
        "policy_version": 3,
        "reasons": ["Check ci.eval_results_recent fails on CI push: faithfulness 0.71 below 0.85"],
    },
    ASSESSMENT_SUBMITTED: {"assessment": {**_ASSESSMENT, "state": "submitted", "decided_at": None}, "by": "maria"},
    ASSESSMENT_APPROVED: {"assessment": _ASSESSMENT, "by": "reviewer", "comment": ""},
    ASSESSMENT_RETURNED: {
        "assessment": {**_ASSESSMENT, "state": "returned", "expires_at": None},
        "by": "reviewer",
        "comment": "Say who owns monitoring.",
    },
    CHECK_FAILED: {
        "check_id": "vectorstore.chunks_have_source",
        "component_id": 7,
        "source": "Docs vectors",
        "before": "pass",
        "reason": "30 of 100 sampled chunks have no source_doc_id.",
    },
    EVIDENCE_EXPIRING: {
        "check_id": "git.tests_present",
        "component_id": 3,
        "source": "docs-qa repository",
        "expires_at": "2026-12-04T18:00:00Z",
    },
    ASSESSMENT_EXPIRING: {"assessment": _ASSESSMENT, "expired": False, "expires_at": "2027-02-28T09:12:00Z"},
}


def envelope(*, event: str, event_id: str, occurred_at: datetime, project: dict, data: dict) -> dict:
    """``{"event", "id", "schema", "occurred_at", "project": {"slug", "name", "team", "url"}, "data"}``."""
    return {
        "event": event,
        "id": event_id,
        "schema": SCHEMA_VERSION,
        "occurred_at": occurred_at.isoformat().replace("+00:00", "Z"),
        "project": project,
        "data": data,
    }


def summary_line(body: dict) -> str:
    """One line a person reads in chat."""
    event, data, name = body["event"], body["data"], body["project"]["name"]
    if event == GATE_VERDICT_CHANGED:
        after = data["after"]
        state = "now allowed" if after["allowed"] else "now refused"
        return f"{name}: the {data['stage']} gate is {state} ({data['cause']})."
    if event in (ASSESSMENT_SUBMITTED, ASSESSMENT_APPROVED, ASSESSMENT_RETURNED):
        verb = event.split(".")[1]
        return f"{name}: {data['assessment']['kind']} assessment #{data['assessment']['id']} {verb}."
    if event == CHECK_FAILED:
        return f"{name}: check {data['check_id']} fails on {data['source']}: {data['reason']}"
    if event == EVIDENCE_EXPIRING:
        return f"{name}: evidence for {data['check_id']} on {data['source']} expires at {data['expires_at']}."
    if event == ASSESSMENT_EXPIRING:
        verb = "expired" if data["expired"] else "expires"
        return f"{name}: the approved {data['assessment']['kind']} assessment {verb} at {data['expires_at']}."
    return f"{name}: {event}"


def slack_escape(text: str) -> str:
    """Slack reads ``<``, ``>`` and ``&`` as markup (links, mentions): escape them in what people typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(body: dict) -> dict:
    """A Slack incoming-webhook message (text plus blocks) for one event body."""
    line = slack_escape(summary_line(body))
    project = body["project"]
    context = f"<{project['url']}|{slack_escape(project['name'])}> · {body['event']} · {body['id']}"
    return {
        "text": line,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": line}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": context}],
            },
        ],
    }
