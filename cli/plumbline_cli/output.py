"""Render a gate verdict as text, JSON, JUnit XML (one test case per requirement) or SARIF 2.1.0."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from . import __version__

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def decision(verdict: dict) -> str:
    """``allowed``, ``refused`` (a requirement is known to fail) or ``undecided``: the server's answer says neither,
    or it refuses only because requirements could not be verified (unknown: Plumbline could not look)."""
    if not isinstance(verdict, dict) or not isinstance(verdict.get("allowed"), bool):
        return "undecided"
    if verdict["allowed"]:
        return "allowed"
    statuses = [r.get("status") for r in verdict.get("requirements") or [] if isinstance(r, dict)]
    if "unknown" in statuses and "failed" not in statuses:
        return "undecided"
    return "refused"


def informational_unknowns(verdict: dict) -> list:
    """Unknown checks that do not block (those that block are requirements with status ``unknown``)."""
    blocking = {r["message"] for r in verdict.get("requirements", []) if r["status"] == "unknown"}
    return [line for line in verdict.get("unknown_checks", []) if line not in blocking]


def _level_line(verdict: dict) -> str:
    def show(value):
        return "—" if value is None else str(value)

    return (
        f"Risk tier: {verdict.get('tier') or 'unknown'} · verified maturity level {show(verdict.get('verified_level'))}"
        f" (claimed {show(verdict.get('claimed_level'))}, required {show(verdict.get('required_level'))})"
        f" · policy v{show(verdict.get('policy_version'))}"
    )


WHY_MARKS = {
    "contradicted_claim": "✗ contradicted",
    "unverified_claim": "? unverified",
    "unmet_must_have": "✗ must-have",
    "score_short": "✗ score",
    "assessment": "✗ assessment",
    "check": "✗ check",
    "unknown_check": "? check",
}


def why_lines(verdict: dict) -> list:
    """The server's "why" list, one line each: what holds the project back, most unblocking first."""
    out = []
    for item in verdict.get("why") or []:
        subject = item.get("question") or item.get("check_id") or ""
        subject = f"{subject}: " if subject and subject not in item.get("reason", "") else ""
        out.append(f"{WHY_MARKS.get(item.get('kind'), '•')} {subject}{item.get('reason', '')}")
    return out


HEADLINES = {
    "allowed": "ALLOWED",
    "refused": "REFUSED",
    "undecided": "UNDECIDED (refused until the requirements that could not be verified are; nothing known fails)",
}


def as_text(verdict: dict) -> str:
    headline = HEADLINES[decision(verdict)]
    lines = [f"{verdict['project']} → {verdict['stage']}: {headline}", _level_line(verdict)]
    why = why_lines(verdict)
    if why:
        lines.append("Why (most unblocking first):")
        lines += [f"  {line}" for line in why]
    if verdict.get("reasons"):
        lines.append("What is missing:")
        lines += [f"  ✗ {line}" for line in verdict["reasons"]]
    blocking_unknown = [r["message"] for r in verdict.get("requirements", []) if r["status"] == "unknown"]
    if blocking_unknown:
        lines.append("Could not be verified (blocks):")
        lines += [f"  ? {line}" for line in blocking_unknown]
    info = informational_unknowns(verdict)
    if info:
        lines.append("Could not be verified (does not block):")
        lines += [f"  ? {line}" for line in info]
    lines.append(f"Scorecard: {verdict.get('scorecard_url', '')}")
    return "\n".join(lines) + "\n"


def as_json(verdict: dict) -> str:
    return json.dumps(verdict, indent=2, ensure_ascii=False) + "\n"


def as_junit(verdict: dict) -> str:
    requirements = verdict.get("requirements", [])
    info = informational_unknowns(verdict)
    failures = sum(1 for r in requirements if r["status"] == "failed")
    errors = sum(1 for r in requirements if r["status"] == "unknown")
    suites = ET.Element("testsuites", name="plumbline gate")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"plumbline gate: {verdict['project']} → {verdict['stage']}",
        tests=str(len(requirements) + len(info)),
        failures=str(failures),
        errors=str(errors),
        skipped=str(len(info)),
        timestamp=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),  # noqa: UP017 (Python 3.9)
        time="0",
    )
    props = ET.SubElement(suite, "properties")
    for name in (
        "allowed",
        "policy_version",
        "tier",
        "verified_level",
        "claimed_level",
        "required_level",
        "scorecard_url",
    ):
        ET.SubElement(props, "property", name=name, value=str(verdict.get(name)))
    for number, line in enumerate(why_lines(verdict), start=1):
        ET.SubElement(props, "property", name=f"why.{number}", value=line)
    classname = f"plumbline.gate.{verdict['stage']}"
    for req in requirements:
        case = ET.SubElement(suite, "testcase", classname=classname, name=req["title"], time="0")
        if req["status"] == "failed":
            ET.SubElement(case, "failure", message=req["message"], type=req["kind"]).text = req["message"]
        elif req["status"] == "unknown":
            ET.SubElement(case, "error", message=req["message"], type="unknown").text = req["message"]
    for line in info:
        case = ET.SubElement(suite, "testcase", classname=classname, name=line.split(":")[0], time="0")
        ET.SubElement(case, "skipped", message=line, type="unknown")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def as_sarif(verdict: dict, *, location: str = "README.md") -> str:
    """One result per failing (error) or unverifiable (error if it blocks, note otherwise) item."""
    items = [
        (r["id"], r["title"], r["message"], "error") for r in verdict.get("requirements", []) if r["status"] != "met"
    ]
    items += [
        ("check.unknown", "Check could not be verified", line, "note") for line in informational_unknowns(verdict)
    ]
    why, lines = verdict.get("why") or [], why_lines(verdict)
    items += [
        (f"why.{why[i].get('kind')}", "Why the verified level is not higher", lines[i], "warning")
        for i in range(len(lines))
        if why[i].get("kind") in ("contradicted_claim", "unverified_claim", "unmet_must_have", "score_short")
    ]
    rules, index = [], {}
    for rule_id, title, _message, _level in items:
        if rule_id not in index:
            index[rule_id] = len(rules)
            rules.append({"id": rule_id, "name": rule_id.replace(".", "_"), "shortDescription": {"text": title}})
    results = [
        {
            "ruleId": rule_id,
            "ruleIndex": index[rule_id],
            "level": level,
            "message": {"text": message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": location}, "region": {"startLine": 1}}}],
        }
        for rule_id, _title, message, level in items
    ]
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "plumbline",
                        "version": __version__,
                        "informationUri": verdict.get("scorecard_url") or "https://plumbline.invalid/",
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"plumbline-gate/{verdict['project']}/{verdict['stage']}/"},
                "results": results,
                "properties": {
                    "allowed": verdict["allowed"],
                    "policyVersion": verdict.get("policy_version"),
                    "tier": verdict.get("tier"),
                    "verifiedLevel": verdict.get("verified_level"),
                    "claimedLevel": verdict.get("claimed_level"),
                    "requiredLevel": verdict.get("required_level"),
                },
            }
        ],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"
