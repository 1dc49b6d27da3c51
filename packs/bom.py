"""The inventory as a CycloneDX 1.6 ML-BOM, built with cyclonedx-python-lib from plain data (no ORM here).

Each project is an application component; its registry components nest under it: model endpoints and MLflow
models as ``machine-learning-model``, evaluation datasets, vector stores and prompt sets as ``data``, code
repositories as ``application`` with an SCM reference, monitoring sources as services. The evidence is the
current check reading of each component (``connectors.reading``: waivers and staleness applied, the state the
gate reads), as ``plumbline:check:<id>:*`` properties; a component nothing checks says so
(``plumbline:evidence = none``) rather than looking clean. URLs lose any user info and query string, so a token
pasted into a URL never reaches the BOM.
"""

import uuid
from urllib.parse import urlsplit, urlunsplit

from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.service import Service
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output.json import JsonV1Dot6

MODEL_KINDS = {"model_endpoint", "mlflow"}
DATA_KINDS = {"eval_dataset", "vector_store", "prompt_set"}
SERVICE_KINDS = {"monitoring_source"}
URL_ATTRIBUTES = ("endpoint_url", "location", "url", "tracking_uri")


def clean_url(value: str) -> str:
    """The URL without user info, query or fragment; a local path or anything else is returned as it is."""
    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return value or ""
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _props(pairs):
    return [Property(name=name, value=str(value)) for name, value in pairs if value not in (None, "")]


def _evidence_props(readings):
    if not readings:
        return _props([("plumbline:evidence", "none")])
    pairs = []
    for r in sorted(readings, key=lambda r: r["check_id"]):
        prefix = f"plumbline:check:{r['check_id']}"
        pairs += [
            (f"{prefix}:state", r["state"]),
            (f"{prefix}:reason", r["reason"]),
            (f"{prefix}:checked_at", r["checked_at"]),
        ]
    return _props(pairs)


def _refs(component, site_url, project_slug):
    refs = []
    attrs = component["attributes"]
    url = next((clean_url(str(attrs[a])) for a in URL_ATTRIBUTES if attrs.get(a)), "")
    if url.startswith(("http://", "https://")):
        kind = (
            ExternalReferenceType.VCS if component["kind"] == "code_repository" else ExternalReferenceType.DISTRIBUTION
        )
        refs.append(ExternalReference(type=kind, url=XsUri(url)))
    if component["readings"]:
        refs.append(
            ExternalReference(
                type=ExternalReferenceType.EVIDENCE,
                url=XsUri(f"{site_url}/projects/{project_slug}/evidence/"),
                comment="Plumbline evidence: current check results with their facts",
            )
        )
    return refs


def _version(component):
    attrs = component["attributes"]
    return str(attrs.get("version") or attrs.get("registered_model_version") or "") or None


def _name(component):
    attrs = component["attributes"]
    if component["kind"] == "model_endpoint" and attrs.get("model"):
        return str(attrs["model"])
    return component["name"]


def _component(component, project, site_url):
    kind = component["kind"]
    attrs = component["attributes"]
    bom_ref = f"{project['slug']}/component/{component['id']}"
    props = _props(
        [
            ("plumbline:kind", kind),
            ("plumbline:component", component["name"]),
            ("plumbline:connector", component["connector"]),
            *((f"plumbline:attribute:{k}", clean_url(str(v))) for k, v in sorted(attrs.items()) if v not in (None, "")),
        ]
    ) + _evidence_props(component["readings"])
    refs = _refs(component, site_url, project["slug"])
    if kind in SERVICE_KINDS:
        return None, Service(
            name=component["name"],
            bom_ref=bom_ref,
            description=component["description"] or None,
            properties=props,
            external_references=refs,
        )
    if kind in MODEL_KINDS:
        ctype = ComponentType.MACHINE_LEARNING_MODEL
    elif kind in DATA_KINDS:
        ctype = ComponentType.DATA
    else:
        ctype = ComponentType.APPLICATION
    return (
        Component(
            type=ctype,
            name=_name(component),
            version=_version(component),
            group=str(attrs.get("provider") or "") or None,
            bom_ref=bom_ref,
            description=component["description"] or None,
            properties=props,
            external_references=refs,
        ),
        None,
    )


def _project_component(project, site_url):
    return Component(
        type=ComponentType.APPLICATION,
        name=project["name"],
        bom_ref=f"{project['slug']}",
        description=project["description"] or None,
        properties=_props(
            [
                ("plumbline:project", project["slug"]),
                ("plumbline:team", project["team"]),
                ("plumbline:stage", project["stage"]),
                ("plumbline:verified_level", project.get("verified_level")),
                ("plumbline:claimed_level", project.get("claimed_level")),
            ]
        )
        + _evidence_props(project["readings"]),
        external_references=[
            ExternalReference(
                type=ExternalReferenceType.RISK_ASSESSMENT,
                url=XsUri(f"{site_url}/reports/projects/{project['slug']}/scorecard.pdf"),
                comment="Plumbline scorecard: impact, risk and verified maturity",
            )
        ],
    )


def build(projects: list[dict], *, site_url: str, version: str, subject: dict | None = None) -> Bom:
    """One BOM for ``projects`` (plain dicts from ``packs.selectors.bom_projects``). With one project, it is the
    BOM's subject (``metadata.component``); for several, ``subject`` names the portfolio."""
    site_url = site_url.rstrip("/")
    tool = Component(type=ComponentType.APPLICATION, name="plumbline", group="Plumbline", version=version)
    bom = Bom(serial_number=uuid.uuid4(), metadata=BomMetaData(tools=ToolRepository(components=[tool])))
    built = []
    for project in projects:
        root = _project_component(project, site_url)
        for component in project["components"]:
            part, service = _component(component, project, site_url)
            if part is not None:
                root.components.add(part)
            else:
                bom.services.add(service)
        built.append(root)
        bom.register_dependency(root, list(root.components))
    if len(projects) == 1 and subject is None:
        bom.metadata.component = built[0]
    else:
        bom.metadata.component = Component(
            type=ComponentType.APPLICATION, name=(subject or {}).get("name", "LLM portfolio"), bom_ref="portfolio"
        )
        for root in built:
            bom.components.add(root)
        bom.register_dependency(bom.metadata.component, built)
    return bom


def to_json(bom: Bom) -> str:
    return JsonV1Dot6(bom).output_as_string(indent=2)
