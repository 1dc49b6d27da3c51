"""Prometheus: is the LLM service alerted on (latency, errors, cost), do those rules work, are its metrics there?

Alert rules are read from ``/api/v1/rules?type=alert`` (``/api/v1/alerts`` only lists active alerts, so it cannot
say what is defined). A rule belongs to the service when one of the service labels (default ``service``, ``job``)
equals the configured service, either as a label of the rule or as a matcher inside its query — the usual way,
e.g. ``rate(llm_errors_total{job="rag-bot"}[5m]) > 0``. What a rule covers is read from its name, query, labels
and annotations with patterns that are settings. Metrics are looked up with ``/api/v1/series`` over a recent
window, by name prefix (so ``_total``, ``_bucket``, ``_seconds_count`` suffixes match), including the OpenTelemetry
GenAI names as the Prometheus exporter spells them (``_created`` timestamps of client libraries are left out).
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
METRIC_KINDS = tuple(METRIC_SETTINGS)
DEFAULT_METRICS = {
    "tokens": [
        "gen_ai_client_token_usage",
        "llm_tokens",
        "llm_token_usage",
        "llm_prompt_tokens",
        "llm_completion_tokens",
    ],
    "latency": [
        "gen_ai_client_operation_duration",
        "gen_ai_server_request_duration",
        "llm_request_duration",
        "llm_latency",
    ],
    "errors": [
        "llm_errors",
        "llm_request_errors",
        "gen_ai_client_errors",
        'gen_ai_client_operation_duration{error_type!=""}',
    ],
}
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
        Parameter("token_metrics", "Token metric names", type=LIST, help="Comma-separated name prefixes or selectors."),
        Parameter(
            "latency_metrics", "Latency metric names", type=LIST, help="Comma-separated name prefixes or selectors."
        ),
        Parameter("error_metrics", "Error metric names", type=LIST, help="Comma-separated name prefixes or selectors."),
        Parameter("lookback_minutes", "Metrics window (minutes)", type=NUMBER, minimum=1, help="Default 60."),
        Parameter("latency_pattern", "Latency rule pattern", help="Regular expression over rule name, query, labels."),
        Parameter("errors_pattern", "Error rule pattern", help="Regular expression over rule name, query, labels."),
        Parameter("cost_pattern", "Cost rule pattern", help="Regular expression over rule name, query, labels."),
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
        ),
        CheckSpec(
            id="prometheus.alert_rules_healthy",
            title="The LLM service's alert rules evaluate without errors",
            fix="Run promtool check rules on the rule file and fix the query Prometheus reports in lastError.",
            ttl=timedelta(hours=1),
        ),
        CheckSpec(
            id="prometheus.llm_metrics_present",
            title="LLM metrics (tokens, latency, errors) are being collected",
            fix="Export token usage, request latency and error counts (e.g. the OpenTelemetry GenAI metrics) and "
            "make Prometheus scrape them with the service's job/service label.",
            questions=("maturity.monitoring.requests_logged", "maturity.fm_api.latency"),
            ttl=timedelta(hours=1),
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
        found = {}
        for kind in METRIC_KINDS:
            entries = as_list(self.settings.get(METRIC_SETTINGS[kind]), DEFAULT_METRICS[kind])
            params = [("match[]", m) for m in self._selectors(entries)] + [("start", end - lookback * 60), ("end", end)]
            series = self._api("/api/v1/series", params, f"{kind} metrics")
            if not isinstance(series, list):
                raise ConnectorError("Prometheus answered the series query without a list.", transient=False)
            names = {s.get("__name__", "") for s in series if isinstance(s, dict)}
            found[kind] = sorted(n for n in names if not n.endswith("_created"))[:MAX_NAMES]
        present = [k for k in METRIC_KINDS if found[k]]
        missing = [k for k in METRIC_KINDS if not found[k]]
        facts = {
            "scope": self._scope(),
            "window_minutes": lookback,
            "metrics": found,
            "present": present,
            "missing": missing,
        }
        if not present:
            return CheckOutcome(
                check_id,
                FAIL,
                f"No token, latency or error metrics for {self._scope()} in the last {lookback:g} min.",
                facts,
            )
        if missing:
            return CheckOutcome(
                check_id, WARN, f"LLM metrics found for {', '.join(present)}; none for {', '.join(missing)}.", facts
            )
        return CheckOutcome(check_id, PASS, "Token, latency and error metrics are being collected.", facts)

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


def _pattern(settings: dict, category: str) -> re.Pattern:
    try:
        return re.compile(settings.get(f"{category}_pattern") or DEFAULT_COVERAGE[category], re.I)
    except re.error as exc:
        raise ConnectorError(
            f"Setting {category}_pattern is not a valid regular expression: {exc}.", transient=False
        ) from exc


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
                    if re.fullmatch(value, service):
                        return True
                except re.error:
                    continue
    return False
