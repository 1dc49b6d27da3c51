"""Does what Plumbline reads itself corroborate a CI push? The one rule (``judge``, pure) and the reads behind it
(``observe``).

A push is a claim. It is ``verified`` only when it names its git commit and its dataset (name plus version or
digest), the commit is in one of the project's code repositories and reachable from its branch (read through the
git connector), and, when it names an MLflow run, the run exists on the project's MLflow server with the pushed
values (within ``TOLERANCE``, read through the MLflow connector). What was looked at and found wrong or missing
reads ``unverified`` with the reason; a system that could not be asked reads ``unknown``: never ``verified``.

The MLflow read is one method, ``run_metrics(run_id) -> dict[str, float] | None`` (None: no such run), and the git
read one method, ``commit_on_branch(sha) -> "reachable" | "not_on_branch" | "absent"``; both raise
``ConnectorError`` when they cannot look.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

from .base import ConnectorError
from .secrets import redact

TOLERANCE = 1e-6
VERIFIED, UNVERIFIED, UNKNOWN = "verified", "unverified", "unknown"
REACHABLE, NOT_ON_BRANCH, ABSENT, NO_SOURCE = "reachable", "not_on_branch", "absent", "no_source"
MLFLOW_RUN_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
GIT_CONNECTOR, MLFLOW_CONNECTOR = "git", "mlflow"


@dataclass(frozen=True)
class Lookup:
    """What one read found: ``status`` (``reachable``/``not_on_branch``/``absent`` for a commit, ``found``/``absent``
    for a run, ``no_source`` when the project has nothing to read it in, ``unknown`` when nothing could be asked),
    ``where`` (the component read) and, for a run, its metrics."""

    status: str
    where: str = ""
    reason: str = ""
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Corroboration:
    state: str  # verified | unverified | unknown
    reasons: tuple[str, ...]
    facts: dict


def _short(sha: str) -> str:
    return sha[:12]


def judge(claim: dict, *, commit: Lookup | None, run: Lookup | None) -> Corroboration:
    """The verdict over one push (``claim``: ``git_commit``, ``dataset_name``, ``dataset_version``,
    ``dataset_hash``, ``mlflow_run_id``, ``metrics``) and what was read (``None``: not looked up, because the push
    named nothing to look up). Every problem is listed; ``unverified`` wins over ``unknown``."""
    bad: list[str] = []
    unknown: list[str] = []
    good: list[str] = []
    sha = claim.get("git_commit") or ""
    if not sha:
        bad.append("the push names no git commit (give --commit / git_commit)")
    elif commit is None or commit.status == NO_SOURCE:
        bad.append(
            f"commit {_short(sha)} cannot be checked: the project has no code repository component read by the "
            "git connector"
        )
    elif commit.status == "unknown":
        unknown.append(f"commit {_short(sha)} could not be looked up in {commit.where}: {commit.reason}")
    elif commit.status == ABSENT:
        bad.append(f"commit {_short(sha)} is not in the repository {commit.where}")
    elif commit.status == NOT_ON_BRANCH:
        bad.append(f"commit {_short(sha)} is in {commit.where} but not reachable from its branch")
    else:
        good.append(f"commit {_short(sha)} is on the branch of {commit.where}")
    if not claim.get("dataset_name"):
        bad.append("the push names no dataset (give --dataset with --dataset-version or --dataset-digest)")
    elif not (claim.get("dataset_version") or claim.get("dataset_hash")):
        bad.append(f"dataset {claim['dataset_name']} has neither a version nor a digest")
    else:
        good.append(f"dataset {claim['dataset_name']} {claim.get('dataset_version') or claim.get('dataset_hash')}")
    run_id = claim.get("mlflow_run_id") or ""
    if run_id:
        if run is None or run.status == NO_SOURCE:
            bad.append(
                f"MLflow run {run_id} cannot be checked: the project has no component read by the MLflow connector"
            )
        elif run.status == "unknown":
            unknown.append(f"MLflow run {run_id} could not be looked up in {run.where}: {run.reason}")
        elif run.status == ABSENT:
            bad.append(f"MLflow run {run_id} does not exist in {run.where}")
        else:
            differing = []
            for metric in claim.get("metrics") or []:
                logged = run.metrics.get(metric["name"])
                if logged is None:
                    differing.append(f"{metric['name']} is not logged on the run")
                elif not math.isclose(logged, metric["value"], rel_tol=0, abs_tol=TOLERANCE):
                    differing.append(f"{metric['name']} pushed {metric['value']:g}, the run logged {logged:g}")
            if differing:
                bad.append(f"MLflow run {run_id} in {run.where} disagrees: " + ", ".join(differing))
            else:
                good.append(f"every pushed value equals MLflow run {run_id}")
    facts = {
        "git_commit": sha,
        "commit": commit.status if commit else None,
        "repository": commit.where if commit else "",
        "mlflow_run_id": run_id,
        "run": run.status if run else None,
        "mlflow": run.where if run else "",
    }
    if bad:
        return Corroboration(UNVERIFIED, tuple(bad + unknown), facts)
    if unknown:
        return Corroboration(UNKNOWN, tuple(unknown), facts)
    return Corroboration(VERIFIED, tuple(good), facts)


# --- The reads ----------------------------------------------------------------------------------------------


def _connectors(project, alias):
    """Ready back-end instances of the project's components read by ``alias`` (secrets resolved, URLs checked)."""
    from .services import connector_ready

    out = []
    for component in project.components.filter(connector=alias).order_by("pk"):
        try:
            out.append((component, connector_ready(component)))
        except (ConnectorError, ImproperlyConfigured, ValueError) as exc:
            out.append((component, exc))
    return out


def _commit_lookup(project, sha) -> Lookup:
    found = []
    for component, connector in _connectors(project, GIT_CONNECTOR):
        if isinstance(connector, Exception):
            found.append(Lookup("unknown", component.name, redact(str(connector))))
            continue
        try:
            found.append(Lookup(connector.commit_on_branch(sha), component.name))
        except (ConnectorError, ValueError) as exc:
            found.append(Lookup("unknown", component.name, redact(str(exc))))
    if not found:
        return Lookup(NO_SOURCE)
    for status in (REACHABLE, "unknown", NOT_ON_BRANCH):
        match = next((f for f in found if f.status == status), None)
        if match:
            return match
    return Lookup(ABSENT, ", ".join(f.where for f in found))


def _run_lookup(project, run_id) -> Lookup:
    found = []
    for component, connector in _connectors(project, MLFLOW_CONNECTOR):
        if isinstance(connector, Exception):
            found.append(Lookup("unknown", component.name, redact(str(connector))))
            continue
        try:
            metrics = connector.run_metrics(run_id)
        except (ConnectorError, ValueError) as exc:
            found.append(Lookup("unknown", component.name, redact(str(exc))))
            continue
        if metrics is None:
            found.append(Lookup(ABSENT, component.name))
        else:
            found.append(Lookup("found", component.name, "", metrics))
    if not found:
        return Lookup(NO_SOURCE)
    for status in ("found", "unknown"):
        match = next((f for f in found if f.status == status), None)
        if match:
            return match
    return Lookup(ABSENT, ", ".join(f.where for f in found))


def observe(*, project, claim: dict) -> Corroboration:
    """Read the project's repositories and MLflow servers for what ``claim`` names, then ``judge``. Each read is
    bounded by the connector timeout; nothing is written anywhere."""
    sha = claim.get("git_commit") or ""
    run_id = claim.get("mlflow_run_id") or ""
    commit = _commit_lookup(project, sha) if sha else None
    run = _run_lookup(project, run_id) if run_id and MLFLOW_RUN_ID.fullmatch(run_id) else None
    return judge(claim, commit=commit, run=run)
