"""Turn evaluation results pushed by CI into ``PushedEvaluation`` fields: pure parsing and validation, no ORM.

One push is capped (``caps_text``: metric count, name length, value magnitude, body size; settings
``PLUMBLINE_PUSH_*``), so a CI token cannot store a gate page of megabytes or a PDF that takes seconds.

Three formats are accepted (documented in docs/ci.md): Plumbline's own JSON, MLflow evaluation output (the
JSON of ``mlflow runs describe --run-id ...``, the answer of the REST API's ``GET /api/2.0/mlflow/runs/get``, or the
``metrics.json`` that ``EvaluationResult.save`` writes) and
promptfoo's results file (``promptfoo eval --output results.json``). Every problem is reported with its JSON path
(``metrics[0].value``) so a pipeline author can fix the payload in one go.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from django.conf import settings
from django.core.exceptions import ValidationError

from config import limits

FORMATS = ("plumbline", "mlflow", "promptfoo")
CLOCK_SKEW = timedelta(minutes=10)

PLUMBLINE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["evaluated_at", "metrics"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": "plumbline"},
        "evaluated_at": {"type": "string", "minLength": 1},
        "metrics": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "value"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "value": {"type": "number"},
                    "threshold": {"type": ["number", "null"]},
                    "higher_is_better": {"type": "boolean"},
                },
            },
        },
        "dataset": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 200},
                "version": {"type": "string", "maxLength": 100},
                "hash": {"type": "string", "maxLength": 128},
            },
        },
        "model_version": {"type": "string", "maxLength": 200},
        "prompt_version": {"type": "string", "maxLength": 200},
        "git_commit": {"type": "string", "pattern": "^[0-9a-fA-F]{7,64}$"},
        "mlflow_run_id": {"type": "string", "pattern": "^[0-9A-Za-z_-]{1,64}$"},
        "run_url": {"type": "string", "maxLength": 1000},
    },
}
# What a push may name beside its payload (query parameters, the CLI's --commit, --dataset...): what it claims to
# have evaluated, corroborated by ``connectors.corroboration``. ``{parameter: (field, pattern, max length)}``.
CLAIM_PARAMETERS = {
    "commit": ("git_commit", r"[0-9a-fA-F]{7,64}", 64),
    "dataset": ("dataset_name", None, 200),
    "dataset_version": ("dataset_version", None, 100),
    "dataset_digest": ("dataset_hash", None, 128),
    "mlflow_run": ("mlflow_run_id", r"[0-9A-Za-z_-]{1,64}", 64),
    "ci_url": ("run_url", None, 1000),
}


class EvidenceError(Exception):
    """The payload cannot be stored; ``errors`` maps JSON paths to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def json_path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(body)"


def _error_path(error) -> str:
    """The JSON path of a schema error; a missing required property is named by its own path."""
    parts = list(error.absolute_path)
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in (error.instance or {})]
        parts += missing[:1]
    return json_path(parts)


def detect_format(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return None
    if payload.get("format") in FORMATS:
        return payload["format"]
    if isinstance(payload.get("metrics"), list):
        return "plumbline"
    if isinstance(payload.get("results"), dict) and "stats" in payload["results"]:
        return "promptfoo"
    if isinstance(payload.get("info"), dict) and isinstance(payload.get("data"), dict):
        return "mlflow"
    if set(payload) == {"run"} and isinstance(payload["run"], dict) and isinstance(payload["run"].get("info"), dict):
        return "mlflow"  # the REST API's runs/get answer
    if payload and all(_is_number(v) for v in payload.values()):
        return "mlflow"
    return None


def _is_number(value) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _obj(value) -> dict:
    """``value`` if it is a JSON object, else an empty one: foreign formats are read defensively."""
    return value if isinstance(value, dict) else {}


def parse_timestamp(value: Any, path: str, errors: dict, *, now: datetime) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        errors.setdefault(path, []).append("Not an ISO 8601 date-time, e.g. 2026-11-23T12:00:00Z.")
        return None
    if parsed.tzinfo is None:
        errors.setdefault(path, []).append("Give a time zone, e.g. 2026-11-23T12:00:00Z.")
        return None
    if parsed > now + CLOCK_SKEW:
        errors.setdefault(path, []).append("Lies in the future; check the CI runner's clock.")
        return None
    return parsed


def _judge(value: float, threshold: float | None, higher_is_better: bool) -> bool | None:
    if threshold is None:
        return None
    return value >= threshold if higher_is_better else value <= threshold


def _metric(name, value, threshold=None, higher_is_better=True) -> dict:
    return {
        "name": name,
        "value": value,
        "threshold": threshold,
        "higher_is_better": higher_is_better,
        "passed": _judge(value, threshold, higher_is_better),
    }


def _check_url(url: str, path: str, errors: dict) -> str:
    if url and urlsplit(url).scheme not in ("http", "https"):
        errors.setdefault(path, []).append("Must be an http(s) URL.")
    return url


def parse_plumbline(payload: dict, *, now: datetime) -> dict:
    errors: dict[str, list[str]] = {}
    for error in jsonschema.Draft202012Validator(PLUMBLINE_SCHEMA).iter_errors(payload):
        errors.setdefault(_error_path(error), []).append(error.message)
    if errors:
        raise EvidenceError(errors)
    if not (payload.get("model_version") or payload.get("prompt_version")):
        errors["model_version"] = ["Give model_version or prompt_version: what was evaluated."]
    evaluated_at = parse_timestamp(payload["evaluated_at"], "evaluated_at", errors, now=now)
    _check_url(payload.get("run_url", ""), "run_url", errors)
    for index, metric in enumerate(payload["metrics"]):
        for key in ("value", "threshold"):
            if metric.get(key) is not None and not _is_number(metric[key]):
                errors.setdefault(f"metrics[{index}].{key}", []).append("Must be a finite number.")
    names = [m["name"] for m in payload["metrics"]]
    for index, name in enumerate(names):
        if names.index(name) != index:
            errors.setdefault(f"metrics[{index}].name", []).append(f"Metric {name!r} is given twice.")
    if errors:
        raise EvidenceError(errors)
    dataset = payload.get("dataset") or {}
    return {
        "metrics": [
            _metric(m["name"], m["value"], m.get("threshold"), m.get("higher_is_better", True))
            for m in payload["metrics"]
        ],
        "dataset_name": dataset.get("name", ""),
        "dataset_version": dataset.get("version", ""),
        "dataset_hash": dataset.get("hash", ""),
        "model_version": payload.get("model_version", ""),
        "prompt_version": payload.get("prompt_version", ""),
        "git_commit": payload.get("git_commit", ""),
        "mlflow_run_id": payload.get("mlflow_run_id", ""),
        "run_url": payload.get("run_url", ""),
        "evaluated_at": evaluated_at,
    }


def _key_values(items, path: str, errors: dict, *, numbers: bool = False) -> dict:
    """The REST API's ``[{"key": ..., "value": ...}, ...]`` lists as the dict ``mlflow runs describe`` prints."""
    if isinstance(items, dict) or items is None:
        return items or {}
    if not isinstance(items, list):
        errors.setdefault(path, []).append("Must be a list of {key, value} objects.")
        return {}
    out = {}
    for index, item in enumerate(items):
        item = _obj(item)
        if not isinstance(item.get("key"), str) or not item["key"]:
            errors.setdefault(f"{path}[{index}].key", []).append("Must be a non-empty string.")
        elif numbers and not _is_number(item.get("value")):
            errors.setdefault(f"{path}[{index}].value", []).append("Must be a finite number.")
        else:
            out[item["key"]] = item.get("value")
    return out


def _from_runs_get(payload: dict) -> dict:
    """The REST answer ``{"run": {"info", "data": {"metrics": [...], "params": [...], "tags": [...]}, "inputs"}}``
    in the shape of ``mlflow runs describe``; errors are named by their path in the REST answer."""
    errors: dict[str, list[str]] = {}
    run = _obj(payload.get("run"))
    data = _obj(run.get("data"))
    inputs = _obj(run.get("inputs"))
    dataset_inputs = inputs.get("dataset_inputs")
    described = {
        "info": run.get("info"),
        "data": {
            "metrics": _key_values(data.get("metrics"), "run.data.metrics", errors, numbers=True),
            "params": _key_values(data.get("params"), "run.data.params", errors),
            "tags": _key_values(data.get("tags"), "run.data.tags", errors),
        },
        "inputs": {
            "dataset_inputs": [
                {
                    **_obj(item),
                    "tags": _key_values(_obj(item).get("tags"), f"run.inputs.dataset_inputs[{i}].tags", errors),
                }
                for i, item in enumerate(dataset_inputs if isinstance(dataset_inputs, list) else [])
            ]
        },
    }
    if errors:
        raise EvidenceError(errors)
    return described


def parse_mlflow(payload: dict, *, now: datetime) -> dict:
    """``mlflow runs describe`` JSON or the REST ``runs/get`` answer (thresholds from tags
    ``plumbline.threshold.<metric>``), or a bare metrics.json."""
    if set(payload) == {"run"} and isinstance(payload["run"], dict):
        try:
            return parse_mlflow(_from_runs_get(payload), now=now)
        except EvidenceError as exc:
            raise EvidenceError(
                {path if path.startswith("run.") else f"run.{path}": messages for path, messages in exc.errors.items()}
            ) from None
    errors: dict[str, list[str]] = {}
    if "info" not in payload:
        for name, value in payload.items():
            if not _is_number(value):
                errors.setdefault(name, []).append("A metrics.json value must be a finite number.")
        if errors:
            raise EvidenceError(errors)
        return {"metrics": [_metric(k, v) for k, v in payload.items()], "evaluated_at": now}
    data = _obj(payload.get("data"))
    metrics = data.get("metrics")
    tags = data.get("tags") or {}
    params = _obj(data.get("params"))
    if not isinstance(metrics, dict) or not metrics:
        errors["data.metrics"] = ["The run has no metrics: log the evaluation metrics on the run."]
    elif bad := [k for k, v in metrics.items() if not _is_number(v)]:
        for name in bad:
            errors.setdefault(f"data.metrics.{name}", []).append("Must be a finite number.")
    if not isinstance(tags, dict):
        errors["data.tags"] = ["Must be an object."]
        tags = {}
    info = _obj(payload.get("info"))
    millis = info.get("end_time") or info.get("start_time")
    if not _is_number(millis):
        errors["info.end_time"] = ["The run has no end_time or start_time (milliseconds since the epoch)."]
    metric_list = []
    for name, value in (metrics or {}).items() if isinstance(metrics, dict) else ():
        raw = tags.get(f"plumbline.threshold.{name}")
        threshold = None
        if raw is not None:
            try:
                threshold = float(limits.parse_number(raw))
            except ValidationError as exc:
                errors.setdefault(f"data.tags.plumbline.threshold.{name}", []).append(
                    "Must be a number." if exc.code == "invalid" else exc.messages[0]
                )
        lower = str(tags.get(f"plumbline.lower_is_better.{name}", "")).lower() == "true"
        if _is_number(value):
            metric_list.append(_metric(name, value, threshold, not lower))
    evaluated_at = None
    if _is_number(millis):
        try:
            evaluated_at = datetime.fromtimestamp(millis / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            errors["info.end_time"] = ["Not a plausible time in milliseconds since the epoch."]
        if evaluated_at and evaluated_at > now + CLOCK_SKEW:
            errors["info.end_time"] = ["Lies in the future; check the clock of the machine that ran MLflow."]
    if errors:
        raise EvidenceError(errors)
    dataset = {}
    inputs = _obj(payload.get("inputs")).get("dataset_inputs")
    for index, item in enumerate(inputs if isinstance(inputs, list) else []):
        candidate = _obj(_obj(item).get("dataset"))
        if not dataset or _obj(_obj(item).get("tags")).get("mlflow.data.context") == "evaluation":
            dataset = candidate
        if not isinstance(candidate.get("name", ""), str):
            errors[f"inputs.dataset_inputs[{index}].dataset.name"] = ["Must be a string."]
    if errors:
        raise EvidenceError(errors)
    return {
        "metrics": metric_list,
        "dataset_name": str(dataset.get("name", ""))[:200],
        "dataset_version": str(tags.get("plumbline.dataset_version", ""))[:100],
        "dataset_hash": str(dataset.get("digest", ""))[:128],
        "model_version": str(tags.get("plumbline.model_version") or params.get("model", ""))[:200],
        "prompt_version": str(tags.get("plumbline.prompt_version", ""))[:200],
        "git_commit": str(tags.get("mlflow.source.git.commit", ""))[:64],
        "mlflow_run_id": _run_id(info),
        "run_url": _check_url(str(tags.get("plumbline.run_url", "")), "data.tags.plumbline.run_url", errors)[:1000],
        "evaluated_at": evaluated_at,
    }


def _run_id(info: dict) -> str:
    """The run id of an MLflow run description, when it has the shape of one (else nothing is claimed)."""
    value = info.get("run_id") or info.get("run_uuid") or ""
    return value if isinstance(value, str) and re.fullmatch(r"[0-9A-Za-z_-]{1,64}", value) else ""


def parse_promptfoo(payload: dict, *, now: datetime) -> dict:
    """promptfoo's results file: the pass rate over all test cases, which must be 1.0 (every assertion held)."""
    errors: dict[str, list[str]] = {}
    summary = payload.get("results")
    if not isinstance(summary, dict):
        raise EvidenceError({"results": ["Missing: promptfoo's results object (promptfoo eval --output x.json)."]})
    stats = summary.get("stats")
    counts = {}
    if not isinstance(stats, dict):
        errors["results.stats"] = ["Missing: the successes/failures/errors counts."]
    else:
        for key in ("successes", "failures"):
            value = stats.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                errors[f"results.stats.{key}"] = ["Must be a whole number of test cases, 0 or more."]
            counts[key] = value
        errors_count = stats.get("errors", 0)
        if not isinstance(errors_count, int) or isinstance(errors_count, bool) or errors_count < 0:
            errors["results.stats.errors"] = ["Must be a whole number of test cases, 0 or more."]
        counts["errors"] = errors_count
    evaluated_at = parse_timestamp(summary.get("timestamp"), "results.timestamp", errors, now=now)
    if errors:
        raise EvidenceError(errors)
    total = counts["successes"] + counts["failures"] + counts["errors"]
    if total == 0:
        raise EvidenceError({"results.stats": ["No test case ran: successes, failures and errors are all 0."]})
    cases = summary.get("results") if isinstance(summary.get("results"), list) else []
    providers = sorted({str(_obj(c.get("provider")).get("id", "")) for c in cases if isinstance(c, dict)} - {""})
    prompts = summary.get("prompts") if isinstance(summary.get("prompts"), list) else []
    prompt_labels = sorted({str(p.get("label") or p.get("id") or "") for p in prompts if isinstance(p, dict)} - {""})
    config = payload.get("config") if isinstance(payload.get("config"), dict) else {}
    tests = config.get("tests")
    shared = str(payload.get("shareableUrl") or "")
    return {
        "metrics": [
            _metric("pass_rate", counts["successes"] / total, 1.0),
            _metric("failures", counts["failures"], 0, higher_is_better=False),
            _metric("errors", counts["errors"], 0, higher_is_better=False),
        ],
        "dataset_name": (tests if isinstance(tests, str) else str(config.get("description", "")))[:200],
        "model_version": ", ".join(providers)[:200],
        "prompt_version": ", ".join(prompt_labels)[:200],
        "run_url": shared[:1000] if shared.startswith(("http://", "https://")) else "",
        "evaluated_at": evaluated_at,
    }


PARSERS = {"plumbline": parse_plumbline, "mlflow": parse_mlflow, "promptfoo": parse_promptfoo}


def caps_text() -> str:
    """The caps on one push, for the API description and error messages."""
    return (
        f"At most {settings.PLUMBLINE_PUSH_MAX_METRICS} metrics (PLUMBLINE_PUSH_MAX_METRICS), names of at most "
        f"{settings.PLUMBLINE_PUSH_MAX_METRIC_NAME} characters (PLUMBLINE_PUSH_MAX_METRIC_NAME), values and "
        f"thresholds within ±1e{settings.PLUMBLINE_NUMBER_MAX_EXPONENT} (PLUMBLINE_NUMBER_MAX_EXPONENT), and a body "
        f"of at most {settings.PLUMBLINE_PUSH_MAX_BYTES:,} bytes (PLUMBLINE_PUSH_MAX_BYTES)."
    )


def _metric_count(payload: dict, fmt: str) -> tuple[str, int]:
    """``(JSON path, count)`` of the metrics a payload carries, read before the format's own checks."""
    if fmt == "plumbline":
        metrics = payload.get("metrics")
        return "metrics", len(metrics) if isinstance(metrics, list) else 0
    if fmt == "mlflow":
        if "info" in payload:
            metrics = _obj(payload.get("data")).get("metrics")
            return "data.metrics", len(metrics) if isinstance(metrics, dict) else 0
        return "(body)", len(payload)
    return "results", 0


def _check_caps(fields: dict) -> None:
    """Names and numbers of the parsed metrics within the caps; every problem reported by metric."""
    errors: dict[str, list[str]] = {}
    name_limit = settings.PLUMBLINE_PUSH_MAX_METRIC_NAME
    magnitude = 10.0**settings.PLUMBLINE_NUMBER_MAX_EXPONENT
    for index, metric in enumerate(fields["metrics"]):
        if len(metric["name"]) > name_limit:
            errors.setdefault(f"metrics[{index}].name", []).append(
                f"{len(metric['name'])} characters; at most {name_limit} (PLUMBLINE_PUSH_MAX_METRIC_NAME)."
            )
        for key in ("value", "threshold"):
            if metric[key] is not None and abs(metric[key]) > magnitude:
                errors.setdefault(f"metrics[{index}].{key}", []).append(
                    f"Beyond ±1e{settings.PLUMBLINE_NUMBER_MAX_EXPONENT} (PLUMBLINE_NUMBER_MAX_EXPONENT)."
                )
    if errors:
        raise EvidenceError(errors)


def apply_claims(fields: dict, claims: dict[str, str]) -> dict:
    """``fields`` with what the push names beside its payload (``CLAIM_PARAMETERS``) put over them; a malformed
    claim raises ``EvidenceError`` naming the parameter. A missing one is no error: the push then reads unverified."""
    errors: dict[str, list[str]] = {}
    out = dict(fields)
    for parameter, value in claims.items():
        if parameter not in CLAIM_PARAMETERS or value in (None, ""):
            continue
        field, pattern, max_length = CLAIM_PARAMETERS[parameter]
        value = str(value)
        if len(value) > max_length:
            errors.setdefault(parameter, []).append(f"At most {max_length} characters.")
        elif pattern and not re.fullmatch(pattern, value):
            errors.setdefault(parameter, []).append(f"Does not match {pattern}.")
        elif parameter == "ci_url":
            _check_url(value, parameter, errors)
        out[field] = value
    if errors:
        raise EvidenceError(errors)
    return out


def parse(payload: Any, *, fmt: str | None = None, now: datetime) -> tuple[str, dict]:
    """``(format, PushedEvaluation fields)``; raises ``EvidenceError`` naming every bad field."""
    if fmt is not None and fmt not in FORMATS:
        raise EvidenceError({"format": [f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}."]})
    if not isinstance(payload, dict):
        raise EvidenceError({"(body)": ["Send a JSON object."]})
    if "\\u0000" in json.dumps(payload):
        raise EvidenceError({"(body)": ["Contains a NUL character (\\u0000), which cannot be stored."]})
    fmt = fmt or detect_format(payload)
    if fmt is None:
        raise EvidenceError(
            {"format": ["Could not recognise the payload; pass ?format=plumbline|mlflow|promptfoo (see docs/ci.md)."]}
        )
    path, count = _metric_count(payload, fmt)
    if count > settings.PLUMBLINE_PUSH_MAX_METRICS:
        raise EvidenceError(
            {
                path: [
                    f"{count} metrics; at most {settings.PLUMBLINE_PUSH_MAX_METRICS} per push "
                    "(PLUMBLINE_PUSH_MAX_METRICS)."
                ]
            }
        )
    fields = PARSERS[fmt](payload, now=now)
    _check_caps(fields)
    return fmt, fields
