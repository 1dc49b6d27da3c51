"""OSCAL assessment results (JSON) of one project against one framework, built with compliance-trestle's models,
so a document that does not match OSCAL 1.2 fails here, when it is built, not in an auditor's tool.

One result per document; every control is a reviewed control, with one observation (what Plumbline read: the
status rule's reasons, the evidence links, when it was last verified) and one finding (satisfied or not). OSCAL
knows only "satisfied" and "not-satisfied": a control that is verified reads satisfied (reason pass), one that
does not apply reads satisfied with implementation status not-applicable, one the evidence shows missing or
contradicted reads not-satisfied (reason fail), and one only claimed or not looked at reads not-satisfied with
reason "other" — a claim is not a verification. The Plumbline status is kept in a ``plumbline-status`` property.
"""

import re
import uuid

from trestle.oscal import OSCAL_VERSION
from trestle.oscal import common as oscal
from trestle.oscal.assessment_results import AssessmentResults, ImportAp, Result

from . import status

NS = "https://plumbline.dev/ns/oscal"
NAMESPACE = uuid.UUID("6f1c2f0e-58a1-4c8e-9f0e-2d6f3b1c9a41")
_TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")
FINDING = {
    status.VERIFIED: ("satisfied", "pass"),
    status.NOT_APPLICABLE: ("satisfied", "other"),
    status.CONTRADICTED: ("not-satisfied", "fail"),
    status.NOT_IN_PLACE: ("not-satisfied", "fail"),
    status.PARTIAL: ("not-satisfied", "fail"),
    status.CLAIMED: ("not-satisfied", "other"),
    status.NOT_ASSESSED: ("not-satisfied", "other"),
    status.NOT_COVERED: ("not-satisfied", "other"),
}


def control_token(control_id: str) -> str:
    """An OSCAL control id (a token starting with a letter): Annex IV's "1" becomes "section-1"."""
    return control_id if _TOKEN.match(control_id) else f"section-{control_id}"


def _uuid(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def _prop(name, value):
    return oscal.Property(name=name, value=str(value), ns=NS)


def assessment_results(report) -> AssessmentResults:
    """The trestle model of ``report`` (a ``frameworks.selectors.FrameworkReport``)."""
    now = report.generated_at
    seed = (report.project["slug"], report.key, now.isoformat())
    observations, findings, selected = [], [], []
    for row in report.rows:
        token = control_token(row.id)
        selected.append(oscal.SelectControlById(control_id=token))
        obs_uuid = _uuid(*seed, "observation", row.id)
        evidence = [oscal.RelevantEvidence(href=e["url"], description=e["label"]) for e in row.evidence] or None
        observations.append(
            oscal.Observation(
                uuid=obs_uuid,
                title=f"{row.id} {row.title}",
                description=row.why,
                methods=["TEST"] if row.checks else ["EXAMINE"],
                types=["control-objective"],
                collected=row.last_verified or now,
                relevant_evidence=evidence,
                props=[_prop("plumbline-status", row.status)],
            )
        )
        state, reason = FINDING[row.status]
        implementation = row.implementation
        findings.append(
            oscal.Finding(
                uuid=_uuid(*seed, "finding", row.id),
                title=f"{row.id} {row.title}",
                description=f"{row.label}. {row.why}",
                target=oscal.FindingTarget(
                    type="objective-id",
                    target_id=token,
                    title=row.title,
                    status=oscal.ObjectiveStatus(state=state, reason=reason, remarks=row.label),
                    implementation_status=oscal.ImplementationStatus(state=implementation) if implementation else None,
                ),
                related_observations=[oscal.RelatedObservation(observation_uuid=obs_uuid)],
                props=[_prop("plumbline-status", row.status), _prop("owner", row.owner or "not named")],
                remarks=row.reasoning,
            )
        )
    counts = ", ".join(f"{status.LABELS[s]} {n}" for s, n in report.summary["counts"].items() if n)
    result = Result(
        uuid=_uuid(*seed, "result"),
        title=f"{report.title}: {report.project['name']}",
        description=f"Where {report.project['name']} stands on {report.title}, from verified evidence: {counts}.",
        start=now,
        end=now,
        reviewed_controls=oscal.ReviewedControls(
            control_selections=[oscal.ControlSelections(include_controls=selected)]
        ),
        observations=observations,
        findings=findings,
    )
    return AssessmentResults(
        uuid=_uuid(*seed),
        metadata=oscal.Metadata(
            title=f"Plumbline assessment results: {report.project['name']} against {report.title}",
            last_modified=now,
            version=f"{report.key}+crosswalk-{report.version}",
            oscal_version=OSCAL_VERSION,
            props=[_prop("project", report.project["slug"]), _prop("framework", report.key)],
        ),
        import_ap=ImportAp(href=f"/projects/{report.project['slug']}/"),
        results=[result],
    )


def assessment_results_json(report) -> str:
    """The document as OSCAL JSON, wrapped in its ``assessment-results`` root key."""
    return assessment_results(report).oscal_serialize_json(pretty=True, wrapped=True)
