"""Prometheus: is the LLM service alerted on (latency, errors, cost), do those rules work, are its metrics there?

Alert rules are read from ``/api/v1/rules?type=alert`` (``/api/v1/alerts`` only lists active alerts, so it cannot
say what is defined). A rule belongs to the service when one of the service labels (default ``service``, ``job``)
equals the configured service, either as a label of the rule or as a matcher inside its query — the usual way,
e.g. ``rate(llm_errors_total{job="rag-bot"}[5m]) > 0``. What a rule covers is read from its name, query, labels
and annotations with patterns that are settings; those patterns, and the label matchers read from the rules, run in
RE2 (``connectors.backends.user_regex``), so no pattern can freeze the worker.

LLM metrics are discovered, not guessed from a fixed list: the service's metric names over a recent window come from
the label-values API (``/api/v1/label/__name__/values`` matched on the service labels), their types and units from
``/api/v1/metadata``; histogram and summary series (``_bucket``, ``_sum``, ``_count``) are read as one family. A
name is sorted into cost, latency, errors or tokens by ``classify``: the OpenTelemetry GenAI metrics as the
Prometheus exporter spells them (``gen_ai_client_token_usage``, ``gen_ai_client_operation_duration_seconds``,
``gen_ai_server_request_duration_seconds``, ``gen_ai_server_time_to_first_token_seconds``, ...) and common names
(``*_latency_*``, ``*_duration_seconds``, a histogram or summary in seconds, ``*_tokens_*``, ``*_errors_total``,
``*_cost_*``). Errors are also found as a status/code/outcome label (``ERROR_LABELS``, read with ``/api/v1/labels``)
on a request counter or on the count of a latency histogram or summary, e.g. OTel's ``error_type``. Runtime and
scrape series (``go_*``, ``process_*``, ``scrape_*``, ``up``) are left out. A ``token_metrics``,
``latency_metrics`` or ``error_metrics`` setting overrides discovery for its category (looked up with
``/api/v1/series`` by name prefix); ``_created`` timestamps of client libraries are left out.
"""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from functools import cached_property

from connectors.backends import (
    as_list,
    checked_location,
    is_url,
    location_errors,
    number_errors,
    request_json,
    safe_location,
    setting_number,
    user_regex,
)
from connectors.base import (
    FAIL,
    LIST,
    NUMBER,
    PASS,
    UNKNOWN,
    URL,
    WARN,
    CheckOutcome,
    CheckSpec,
    Connector,
    ConnectorError,
    Parameter,
)
from registry.choices import ComponentKind

SYSTEM = "Prometheus"
CATEGORIES = ("latency", "errors", "cost")
DEFAULT_COVERAGE = {
    "latency": r"latency|duration|response_time|p9[059]|slow|time_to_first|ttft",
    "errors": r"error|fail|5xx|exception|status(_code)?=~?\"5",
    "cost": r"cost|token|spend|budget|dollar|price",
}
METRIC_SETTINGS = {"tokens": "token_metrics", "latency": "latency_metrics", "errors": "error_metrics"}
METRIC_KINDS = tuple(METRIC_SETTINGS)  # what must be collected to pass
REPORTED_KINDS = (*METRIC_KINDS, "cost")  # what the reason lists
# Name patterns, tried in this order (a cost in tokens is a cost; time per output token is a latency).
NAME_PATTERNS = (
    ("cost", re.compile(r"cost|spend|price|dollar|usd|budget")),
    ("latency", re.compile(r"latency|duration|response_time|time_to_first|ttft|time_per_output|inter_token")),
    ("errors", re.compile(r"error|fail|exception")),
    ("tokens", re.compile(r"token")),
)
TIME_UNIT = re.compile(r"_(seconds|milliseconds|ms)$")
REQUEST_NAME = re.compile(r"request|call|completion|response|invocation|quer|operation|answer|generation|chat")
ERROR_LABELS = (
    "status",
    "status_code",
    "code",
    "http_status",
    "http_status_code",
    "http_response_status_code",
    "response_code",
    "outcome",
    "result",
    "error_type",
    "error",
    "success",
)
NOT_APPLICATION = re.compile(
    r"^(up|ALERTS|ALERTS_FOR_STATE|target_info)$|^(scrape|go|process|python|promhttp|prometheus|jvm|nodejs|"
    r"net_conntrack)_"
)
FAMILY_TYPES = ("histogram", "summary", "gaugehistogram")
MAX_LABEL_PROBES = 10
PATTERN_HELP = "Regular expression (RE2 syntax: no backreferences or lookaround) over rule name, query, labels."
METRIC_ENTRY = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$")
MAX_NAMES = 10
MAX_RULES = 50


class PrometheusConnector(Connector):
    name = "prometheus"
    version = "1"
    component_kinds = (ComponentKind.MONITORING_SOURCE,)
    parameters = (
        Parameter(
            "url", "Prometheus URL", required=True, type=URL, attribute="url", help="Default: the url attribute."
        ),
        Parameter(
            "service", "Service label value", attribute="service", help="Defaults to the component's service attribute."
        ),
        Parameter("service_labels", "Service labels", type=LIST, help="Comma-separated; default service, job."),
        Parameter(
            "token_metrics",
            "Token metric names",
            type=LIST,
            help="Empty: discovered. Comma-separated name prefixes or selectors override it.",
        ),
        Parameter(
            "latency_metrics",
            "Latency metric names",
            type=LIST,
            help="Empty: discovered. Comma-separated name prefixes or selectors override it.",
        ),
        Parameter(
            "error_metrics",
            "Error metric names",
            type=LIST,
            help="Empty: discovered. Comma-separated name prefixes or selectors override it.",
        ),
        Parameter("lookback_minutes", "Metrics window (minutes)", type=NUMBER, minimum=1, help="Default 60."),
        Parameter("latency_pattern", "Latency rule pattern", help=PATTERN_HELP),
        Parameter("errors_pattern", "Error rule pattern", help=PATTERN_HELP),
        Parameter("cost_pattern", "Cost rule pattern", help=PATTERN_HELP),
        Parameter("username", "Username", help="For basic authentication, with the password secret."),
        Parameter("password", "Password", secret=True),
        Parameter("token", "Bearer token", secret=True),
    )
    checks = (
        CheckSpec(
            id="prometheus.alert_rules_defined",
            title="Alert rules exist for the LLM service, covering latency, errors and cost",
            fix="Add alerting rules for the service (matching its job/service label) on latency, error rate and "
            "token spend, and load them in Prometheus.",
            questions=("maturity.monitoring.health_alerts",),
            ttl=timedelta(hours=6),
            passes=(
                "Alert rules of the service (by a service label, or a matcher in the query) cover "
                "latency, errors and cost (by the *_pattern settings over name, query, labels and "
                "annotations)."
            ),
            fails="No alert rule belongs to the service.",
            warns="Rules exist but miss at least one of latency, errors and cost.",
        ),
        CheckSpec(
            id="prometheus.alert_rules_healthy",
            title="The LLM service's alert rules evaluate without errors",
            fix="Run promtool check rules on the rule file and fix the query Prometheus reports in lastError.",
            ttl=timedelta(hours=1),
            passes="Every alert rule of the service evaluates without error.",
            fails="At least one rule's last evaluation failed; the reason quotes its error.",
            unknown="The service has no alert rules, or a rule has not been evaluated yet.",
        ),
        CheckSpec(
            id="prometheus.llm_metrics_present",
            title="LLM metrics (tokens, latency, errors) are being collected",
            fix="Export token usage, request latency and error counts (e.g. the OpenTelemetry GenAI metrics) and "
            "make Prometheus scrape them with the service's job/service label.",
            questions=("maturity.monitoring.requests_logged", "maturity.fm_api.latency"),
            ttl=timedelta(hours=1),
            passes=(
                "Token, latency and error metrics of the service have series in the lookback window"
                " (discovered by name, type and labels, or the names set in token_metrics, "
                "latency_metrics, error_metrics); cost is listed when found."
            ),
            fails="None of the three is found.",
            warns="Some of the three are found; the reason lists what was found per category.",
        ),
    )
    max_concurrency = 4

    @classmethod
    def validate_settings(cls, settings: dict) -> dict[str, list[str]]:
        errors = {**super().validate_settings(settings), **location_errors(settings, "url", paths=False)}
        errors.update(number_errors(settings, {"lookback_minutes": (1, None)}))
        for category in CATEGORIES:
            try:
                _pattern(settings, category)
            except ConnectorError as exc:
                errors[f"{category}_pattern"] = [str(exc)]
        for name in METRIC_SETTINGS.values():
            bad = [e for e in as_list(settings.get(name), []) if not METRIC_ENTRY.match(e)]
            if bad:
                errors[name] = [f"Not a metric name or name{{matchers}}: {', '.join(bad)}."]
        return errors

    def target(self) -> str:
        return safe_location(self.url)

    def run(self):
        rules = self._service_rules()
        return [self._rules_defined(rules), self._rules_healthy(rules), self._metrics_present()]

    @cached_property
    def url(self) -> str:
        url = checked_location(
            self.settings.get("url") or self.component.attributes.get("url"), missing="Set the Prometheus URL."
        )
        if not is_url(url):
            raise ConnectorError("The Prometheus URL must start with http:// or https://.", transient=False)
        return url

    def _service(self) -> str:
        return str(self.settings.get("service") or self.component.attributes.get("service") or "")

    def _labels(self) -> list[str]:
        return as_list(self.settings.get("service_labels"), ["service", "job"])

    def _api(self, path: str, params, what: str):
        headers = {"Authorization": f"Bearer {self.secrets['token']}"} if self.secrets.get("token") else None
        username = self.settings.get("username")
        auth = (username, self.secrets.get("password") or "") if username else None
        body = request_json(
            "GET",
            self.url + path,
            system=SYSTEM,
            what=what,
            timeout=self.timeout,
            headers=headers,
            params=params,
            auth=auth,
        )
        if not isinstance(body, dict) or body.get("status") != "success" or "data" not in body:
            raise ConnectorError(
                f"Prometheus at {self.target()} answered {what} without the Prometheus API envelope; is the URL right?",
                transient=False,
            )
        return body["data"]

    def _service_rules(self) -> list[dict]:
        data = self._api("/api/v1/rules", {"type": "alert"}, "alert rules")
        groups = data.get("groups") if isinstance(data, dict) else None
        if not isinstance(groups, list):
            raise ConnectorError("Prometheus answered the rules without a list of groups.", transient=False)
        service, labels = self._service(), self._labels()
        return [
            {**rule, "group": group.get("name", "")}
            for group in groups
            for rule in group.get("rules") or []
            if rule.get("type") == "alerting" and (not service or _belongs(rule, service, labels))
        ]

    def _scope(self) -> str:
        service = self._service()
        return f"{'/'.join(self._labels())}={service}" if service else "any service (no service label set)"

    def _rules_defined(self, rules):
        check_id = "prometheus.alert_rules_defined"
        patterns = {c: _pattern(self.settings, c) for c in CATEGORIES}
        described = []
        for rule in rules:
            text = " ".join(
                [
                    rule.get("name", ""),
                    rule.get("query", ""),
                    json.dumps(rule.get("labels") or {}),
                    json.dumps(rule.get("annotations") or {}),
                ]
            )
            described.append(
                {
                    "group": rule["group"],
                    "name": rule.get("name"),
                    "covers": [c for c in CATEGORIES if patterns[c].search(text)],
                }
            )
        covered = [c for c in CATEGORIES if any(c in r["covers"] for r in described)]
        missing = [c for c in CATEGORIES if c not in covered]
        facts = {"scope": self._scope(), "rules": described[:MAX_RULES], "covered": covered, "missing": missing}
        if not rules:
            return CheckOutcome(
                check_id, FAIL, f"No alert rules found for {self._scope()}; add latency, error and cost alerts.", facts
            )
        if missing:
            return CheckOutcome(
                check_id,
                WARN,
                f"{len(rules)} alert rules cover {', '.join(covered) or 'nothing'}; missing {', '.join(missing)}.",
                facts,
            )
        return CheckOutcome(check_id, PASS, f"{len(rules)} alert rules cover latency, errors and cost.", facts)

    def _rules_healthy(self, rules):
        check_id = "prometheus.alert_rules_healthy"
        broken = [
            {"name": r.get("name"), "group": r["group"], "last_error": (r.get("lastError") or "")[:300]}
            for r in rules
            if r.get("health") == "err"
        ]
        pending = [r.get("name") for r in rules if r.get("health") not in ("ok", "err")]
        facts = {
            "scope": self._scope(),
            "rules": len(rules),
            "broken": broken[:MAX_RULES],
            "not_evaluated": pending[:MAX_RULES],
        }
        if not rules:
            return CheckOutcome(check_id, UNKNOWN, f"No alert rules for {self._scope()} to evaluate.", facts)
        if broken:
            first = broken[0]
            return CheckOutcome(
                check_id,
                FAIL,
                f"{len(broken)} alert rule(s) fail to evaluate, e.g. {first['name']}: {first['last_error'][:120]}",
                facts,
            )
        if pending:
            return CheckOutcome(
                check_id, UNKNOWN, f"{len(pending)} alert rule(s) not evaluated yet; refresh in a minute.", facts
            )
        return CheckOutcome(check_id, PASS, f"All {len(rules)} alert rules evaluate without errors.", facts)

    def _metrics_present(self):
        check_id = "prometheus.llm_metrics_present"
        lookback = setting_number(self.settings, "lookback_minutes", 60, minimum=1)
        end = time.time()
        window = [("start", end - lookback * 60), ("end", end)]
        discovered = self._discover(window)
        found, families = {}, {}
        for kind in REPORTED_KINDS:
            configured = as_list(self.settings.get(METRIC_SETTINGS.get(kind, "")), [])
            if configured:
                names = self._configured_series(kind, configured, window)
                found[kind], families[kind] = names, names
            else:
                found[kind] = discovered["series"][kind][:MAX_NAMES]
                families[kind] = discovered["families"][kind][:MAX_NAMES]
        present = [k for k in METRIC_KINDS if found[k]]
        missing = [k for k in METRIC_KINDS if not found[k]]
        error_labels = {} if self.settings.get("error_metrics") else discovered["error_labels"]
        facts = {
            "scope": self._scope(),
            "window_minutes": lookback,
            "metrics": found,
            "families": families,
            "error_labels": error_labels,
            "metadata_types": discovered["types"],
            "configured": [k for k in METRIC_KINDS if self.settings.get(METRIC_SETTINGS[k])],
            "present": present,
            "missing": missing,
        }
        listing = "; ".join(
            f"{kind}: {', '.join(_described(f, kind, facts) for f in families[kind][:3]) or 'none'}"
            for kind in REPORTED_KINDS
        )
        if not present:
            return CheckOutcome(
                check_id,
                FAIL,
                f"No token, latency or error metrics for {self._scope()} in the last {lookback:g} min ({listing}).",
                facts,
            )
        if missing:
            return CheckOutcome(
                check_id,
                WARN,
                f"LLM metrics found for {', '.join(present)}, none for {', '.join(missing)}: {listing}.",
                facts,
            )
        return CheckOutcome(check_id, PASS, f"Token, latency and error metrics are being collected: {listing}.", facts)

    def _scopes(self) -> list[str]:
        service = self._service()
        return [f'{label}="{_quote(service)}"' for label in self._labels()] if service else []

    def _discover(self, window) -> dict:
        """The service's metric names sorted into categories, as series names and as families, with the label that
        carries errors on request counters and the types the metadata API gave for the families found."""
        scopes = self._scopes()
        names = self._api(
            "/api/v1/label/__name__/values",
            [("match[]", "{" + scope + "}") for scope in scopes] + window,
            "metric names",
        )
        if not isinstance(names, list):
            raise ConnectorError("Prometheus answered the metric names without a list.", transient=False)
        names = {
            n for n in names if isinstance(n, str) and not n.endswith("_created") and not NOT_APPLICATION.search(n)
        }
        metadata = self._api("/api/v1/metadata", None, "metric metadata") if names else {}
        types = {
            name: str(entries[0].get("type", "")) if entries and isinstance(entries[0], dict) else ""
            for name, entries in (metadata.items() if isinstance(metadata, dict) else ())
            if isinstance(entries, list)
        }
        series_by_family = group_families(names, types)
        result = {
            "series": {kind: [] for kind in REPORTED_KINDS},
            "families": {kind: [] for kind in REPORTED_KINDS},
            "error_labels": {},
            "types": {},
        }
        probes = []
        for family in sorted(series_by_family):
            family_type = type_of(family, types)
            kind = classify(family, family_type)
            if family_type:
                result["types"][family] = family_type
            if kind:
                result["families"][kind].append(family)
                result["series"][kind] += sorted(series_by_family[family])
            if kind != "errors" and (
                (kind == "latency" and family_type in FAMILY_TYPES)
                or (is_counter(family, family_type) and REQUEST_NAME.search(family))
            ):
                probes.append(family)
        for family in probes[:MAX_LABEL_PROBES]:
            series = family if family in series_by_family[family] else f"{family}_count"
            selectors = [
                "{" + ", ".join(p for p in (f'__name__="{_quote(series)}"', scope) if p) + "}"
                for scope in scopes or [""]
            ]
            labels = self._api("/api/v1/labels", [("match[]", m) for m in selectors] + window, "metric labels")
            label = next((name for name in ERROR_LABELS if isinstance(labels, list) and name in labels), None)
            if label:
                result["error_labels"][family] = label
                result["families"]["errors"].append(family)
                result["series"]["errors"].append(series)
        return result

    def _configured_series(self, kind: str, entries: list[str], window) -> list[str]:
        params = [("match[]", m) for m in self._selectors(entries)] + window
        series = self._api("/api/v1/series", params, f"{kind} metrics")
        if not isinstance(series, list):
            raise ConnectorError("Prometheus answered the series query without a list.", transient=False)
        names = {s.get("__name__", "") for s in series if isinstance(s, dict)}
        return sorted(n for n in names if not n.endswith("_created"))[:MAX_NAMES]

    def _selectors(self, entries: list[str]) -> list[str]:
        """Series selectors for metric entries (name prefix, optionally with matchers), one per service label."""
        service = self._service()
        scopes = [f'{label}="{_quote(service)}"' for label in self._labels()] if service else [""]
        selectors = []
        for entry in entries:
            match = METRIC_ENTRY.match(entry.strip())
            if not match:
                raise ConnectorError(
                    f"Metric setting {entry!r} is not a metric name or name{{matchers}}.", transient=False
                )
            name, matchers = match.groups()
            parts = [f'__name__=~"{name}(_[a-zA-Z0-9]+)*"', matchers or ""]
            selectors += ["{" + ", ".join(p for p in [*parts, scope] if p) + "}" for scope in scopes]
        return selectors


def _pattern(settings: dict, category: str):
    name = f"{category}_pattern"
    return user_regex(str(settings.get(name) or DEFAULT_COVERAGE[category]), name=name, ignore_case=True)


def group_families(names: set[str], types: dict[str, str]) -> dict[str, set[str]]:
    """Series names by family: a histogram's or summary's ``_bucket``/``_sum``/``_count`` series are one family
    (by the metadata type, or without metadata by a ``_bucket`` series or a ``_sum`` and ``_count`` pair)."""
    families: dict[str, set[str]] = {}
    for name in names:
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            base = name.removesuffix(suffix)
            if base != name and (
                types.get(base) in FAMILY_TYPES
                or f"{base}_bucket" in names
                or (f"{base}_sum" in names and f"{base}_count" in names)
            ):
                family = base
                break
        families.setdefault(family, set()).add(name)
    return families


def type_of(family: str, types: dict[str, str]) -> str:
    """The metadata type of a family; counters are listed with or without ``_total`` depending on the format."""
    return types.get(family) or types.get(family.removesuffix("_total")) or ""


def is_counter(family: str, family_type: str) -> bool:
    return family_type == "counter" or (not family_type and family.endswith("_total"))


def classify(family: str, family_type: str) -> str | None:
    """The category of a metric family by its name, then a histogram or summary in a time unit is a latency."""
    name = family.lower()
    for kind, pattern in NAME_PATTERNS:
        if pattern.search(name):
            return kind
    if family_type in FAMILY_TYPES and TIME_UNIT.search(name):
        return "latency"
    return None


def _described(family: str, kind: str, facts: dict) -> str:
    label = facts["error_labels"].get(family) if kind == "errors" else None
    family_type = facts["metadata_types"].get(family)
    note = f"{label} label" if label else (family_type if family_type in FAMILY_TYPES else "")
    return f"{family} ({note})" if note else family


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _belongs(rule: dict, service: str, labels: list[str]) -> bool:
    """Whether a rule targets the service: by a static label, or a matcher in its query that selects it."""
    rule_labels = rule.get("labels") or {}
    if any(rule_labels.get(label) == service for label in labels):
        return True
    query = rule.get("query") or ""
    for label in labels:
        for op, value in re.findall(rf'\b{re.escape(label)}\s*(=~|=)\s*"((?:[^"\\]|\\.)*)"', query):
            if op == "=" and value == service:
                return True
            if op == "=~":
                try:
                    if user_regex(value, name="the rule's matcher").fullmatch(service):
                        return True
                except ConnectorError:
                    continue
    return False
