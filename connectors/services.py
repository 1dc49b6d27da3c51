"""Writes of the connectors app: refresh runs, running one component's checks, waivers.

``component_check`` is the one place where a back-end's behaviour becomes stored evidence. Whatever goes
wrong there (unreachable, too slow, bad credentials, a bug in the back-end) becomes ``unknown`` or ``error``
with a reason a person can act on: a failure to look is never reported as ``pass`` or ``fail``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import connections, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts import permissions as rules
from config.metrics import CHECK_RESULTS
from registry.audit import record_change
from registry.models import ChangeRecord, Component

from . import signals, throttle
from .base import ERROR, UNKNOWN, CheckOutcome, Connector, ConnectorError
from .check_ids import canonical
from .loading import all_check_specs, connector_for_component, get_connector_class
from .models import CheckResult, CheckResultHistory, RefreshRun, Waiver
from .secrets import redact, resolve_secret
from .urls_policy import validate_component_urls

logger = logging.getLogger(__name__)

# A refresh requested while another one for the same project is still under way joins it.
RUN_REUSE_WINDOW = timedelta(minutes=10)
# How long a check waits for a free slot on a busy target before it gives up and is retried.
SLOT_WAIT_SECONDS = 5.0
MAX_WAIVER_DAYS = 365
DEFAULT_TTL = timedelta(hours=24)


class CheckRetry(Exception):
    """Raised by ``component_check`` for a transient failure that the task should retry with back-off."""


@dataclass(frozen=True)
class Limits:
    """``call_timeout`` bounds each network call of a back-end; ``wall_limit`` bounds the whole run."""

    call_timeout: float
    wall_limit: float

    @property
    def task_soft_limit(self) -> int:
        return int(self.wall_limit + SLOT_WAIT_SECONDS + 5)

    @property
    def task_hard_limit(self) -> int:
        return self.task_soft_limit + 10


def limits_for(alias: str) -> Limits:
    """Per-connector limits: ``TIMEOUT`` / ``WALL_LIMIT`` in the alias config, else the global timeout."""
    config = settings.PLUMBLINE_CONNECTORS.get(alias, {})
    timeout = float(config.get("TIMEOUT", settings.PLUMBLINE_CONNECTOR_TIMEOUT))
    return Limits(call_timeout=timeout, wall_limit=float(config.get("WALL_LIMIT", 3 * timeout)))


# --- Refresh runs -----------------------------------------------------------------------------------------


def evidence_refresh(*, project, actor=None) -> RefreshRun:
    """Start a refresh of every connected component of ``project``: one task per component, sent on commit.

    A refresh already queued or running for the project is returned instead of starting a second one, so a
    double click or an impatient script does not double the load on the target systems.
    """
    from .tasks import enqueue_component_check

    with transaction.atomic():
        ongoing = (
            RefreshRun.objects.select_for_update()
            .filter(
                project=project,
                status__in=[RefreshRun.Status.QUEUED, RefreshRun.Status.RUNNING],
                created_at__gte=timezone.now() - RUN_REUSE_WINDOW,
            )
            .first()
        )
        if ongoing:
            return ongoing
        component_ids = [
            (pk, alias)
            for pk, alias in project.components.exclude(connector="").order_by("pk").values_list("pk", "connector")
            if _loadable(alias)
        ]
        run = RefreshRun.objects.create(project=project, requested_by=actor, components_total=len(component_ids))
        if not component_ids:
            run.status, run.finished_at = RefreshRun.Status.DONE, timezone.now()
            run.save(update_fields=["status", "finished_at"])
            return run
        transaction.on_commit(
            lambda: [
                enqueue_component_check(component_id=pk, alias=alias, run_id=run.pk) for pk, alias in component_ids
            ]
        )
    return run


def _loadable(alias) -> bool:
    try:
        get_connector_class(alias)
    except ImproperlyConfigured:
        logger.exception("Components using the connector %r are skipped", alias)
        return False
    return True


def _mark_running(run_id):
    RefreshRun.objects.filter(pk=run_id, status=RefreshRun.Status.QUEUED).update(status=RefreshRun.Status.RUNNING)


def _record_progress(run: RefreshRun) -> None:
    """Recount finished components from stored results, so a redelivered task never counts twice."""
    done = CheckResult.objects.filter(refresh_run=run).values("component_id").distinct().count()
    fields = {"components_done": min(done, run.components_total)}
    if done >= run.components_total:
        fields.update(status=RefreshRun.Status.DONE, finished_at=timezone.now())
    RefreshRun.objects.filter(pk=run.pk).update(**fields)


# --- Running one component --------------------------------------------------------------------------------


def _resolve_secrets(component, connector_class) -> dict:
    return {
        p.name: value
        for p in connector_class.parameters
        if p.secret and (value := resolve_secret(component, p.name)) is not None
    }


def connector_ready(component) -> Connector:
    """The component's back-end, ready to be asked one question outside a refresh (the corroboration of a CI
    push): its per-call timeout, its secrets resolved and its URLs checked against the connector URL policy."""
    connector = connector_for_component(component, timeout=limits_for(component.connector).call_timeout)
    validate_component_urls(connector)
    connector.secrets = _resolve_secrets(component, type(connector))
    connector.prepare()
    return connector


def _run_with_wall_limit(connector: Connector, wall_limit: float) -> list[CheckOutcome]:
    """Run the back-end in a helper thread and stop waiting after ``wall_limit`` seconds.

    Per-call timeouts do not bound a server that trickles bytes or a back-end that loops; this does, so the
    worker is free again on time. An abandoned thread ends by itself at its next call timeout.
    """
    if connector.local_only:
        return connector.run()
    box: dict = {}

    def target():
        try:
            box["outcomes"] = connector.run()
        except BaseException as exc:
            box["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, name=f"connector-{connector.name}", daemon=True)
    thread.start()
    thread.join(wall_limit)
    if thread.is_alive():
        raise ConnectorError(
            f"The {connector.name} check did not finish within {wall_limit:g} s; the system may be overloaded.",
            transient=True,
        )
    if "error" in box:
        raise box["error"]
    return box["outcomes"]


def _failure_outcomes(check_ids, state, reason) -> list[CheckOutcome]:
    return [CheckOutcome(check_id, state, reason) for check_id in check_ids]


def _clean(outcome: CheckOutcome) -> CheckOutcome:
    """Blank out any secret a back-end may have echoed from the system into the reason or the facts."""
    facts = json.loads(redact(json.dumps(outcome.facts, default=str)))
    return CheckOutcome(outcome.check_id, outcome.state, redact(outcome.reason)[:500], facts)


def component_check(*, component: Component, run: RefreshRun | None = None, final_attempt: bool = True) -> list:
    """Run the component's connector and store one current result (plus history) per check.

    Raises ``CheckRetry`` for a transient failure unless ``final_attempt``: the task then retries with
    back-off. On the final attempt a transient failure is stored as ``unknown`` with its reason.
    """
    if run is not None:
        _mark_running(run.pk)
    started = time.monotonic()
    try:
        connector = connector_for_component(component)
    except ImproperlyConfigured as exc:
        logger.error("Connector of component %s is misconfigured: %s", component.pk, exc)
        CheckResult.objects.filter(component=component).update(state=ERROR, reason=str(exc)[:500])
        return []
    check_ids = [spec.id for spec in connector.checks]
    limits = limits_for(component.connector)
    connector.timeout = limits.call_timeout
    try:
        validate_component_urls(connector)
        connector.secrets = _resolve_secrets(component, type(connector))
        connector.prepare()
        target = connector.target() or component.connector
        with throttle.target_slot(
            target, connector.max_concurrency, lease=limits.wall_limit + 30, wait=SLOT_WAIT_SECONDS
        ):
            outcomes = _run_with_wall_limit(connector, limits.wall_limit)
    except ConnectorError as exc:
        reason = redact(str(exc))
        if exc.transient and not final_attempt:
            logger.info("Transient failure checking component %s, will retry: %s", component.pk, reason)
            raise CheckRetry(reason) from None
        state = UNKNOWN if exc.transient else ERROR
        logger.warning("Checks of component %s read %s: %s", component.pk, state, reason)
        return _store(component, run, connector, _failure_outcomes(check_ids, state, reason), started)
    except ValueError as exc:  # e.g. stored secrets that the configured keys cannot decrypt
        return _store(component, run, connector, _failure_outcomes(check_ids, ERROR, redact(str(exc))), started)
    except Exception as exc:
        logger.exception("The %s connector failed on component %s", component.connector, component.pk)
        reason = (
            f"The {component.connector} connector failed unexpectedly ({type(exc).__name__}); "
            "an administrator can find the details in the worker log."
        )
        return _store(component, run, connector, _failure_outcomes(check_ids, ERROR, reason), started)
    reported = {o.check_id for o in outcomes}
    missing = [
        CheckOutcome(cid, ERROR, "The connector did not report this check; this is a bug in the back-end.")
        for cid in check_ids
        if cid not in reported
    ]
    return _store(component, run, connector, [_clean(o) for o in outcomes] + missing, started)


_RESULT_FIELDS = (
    "project", "state", "reason", "facts", "checked_at", "duration_ms", "connector_version", "expires_at",
    "refresh_run",
)  # fmt: skip


def _store(component, run, connector, outcomes, started) -> list[CheckResult]:
    """One transaction: the current results upserted in one statement, their history in another, results of
    checks the back-end no longer has removed, the run's progress, then ``check_results_stored`` (whose gate
    receiver re-judges the project's verdicts on the rows just written)."""
    now = timezone.now()
    duration_ms = int((time.monotonic() - started) * 1000)
    specs = {spec.id: spec for spec in connector.checks}
    with transaction.atomic():
        if run is not None:
            run = RefreshRun.objects.select_for_update().get(pk=run.pk)
        before = dict(CheckResult.objects.filter(component=component).values_list("check_id", "state"))
        rows = {
            outcome.check_id: CheckResult(
                component=component,
                project_id=component.project_id,
                check_id=outcome.check_id,
                state=outcome.state,
                reason=redact(outcome.reason)[:500],
                facts=outcome.facts,
                checked_at=now,
                duration_ms=duration_ms,
                connector_version=connector.version,
                expires_at=now + (specs[outcome.check_id].ttl if outcome.check_id in specs else DEFAULT_TTL),
                refresh_run=run,
            )
            for outcome in outcomes
        }  # one row per check: a back-end reporting a check twice is stored once, its last word
        results = CheckResult.objects.bulk_create(
            rows.values(),
            update_conflicts=True,
            unique_fields=["component", "check_id"],
            update_fields=_RESULT_FIELDS,
        )
        CheckResultHistory.objects.bulk_create(
            CheckResultHistory(
                component=component,
                project_id=component.project_id,
                check_id=r.check_id,
                state=r.state,
                reason=r.reason,
                facts=r.facts,
                checked_at=now,
                duration_ms=duration_ms,
                connector_version=connector.version,
            )
            for r in results
        )
        CheckResult.objects.filter(component=component).exclude(check_id__in=specs).delete()
        if run is not None:
            _record_progress(run)
        _send_stored(
            component.project_id, f"Checks of {component.name} refreshed", results, before, component.pk, component.name
        )
    for result in results:
        CHECK_RESULTS.labels(component.connector, result.state).inc()
    return results


def _send_stored(project_id, cause, results, before, component_id, source):
    signals.check_results_stored.send(
        sender=CheckResult,
        project_id=project_id,
        cause=cause,
        changes=[
            {
                "check_id": r.check_id,
                "component_id": component_id,
                "source": source,
                "before": before.get(r.check_id),
                "after": r.state,
                "reason": r.reason,
            }
            for r in results
        ],
    )


def project_result_store(
    *, project, outcome: CheckOutcome, ttl: timedelta, checked_at, version: str = "1", cause: str = ""
):
    """Store a result that belongs to the project itself (no component), with its history.

    The CI push calls this inside its own transaction, so the check result every page reads changes together
    with the push: nothing re-judges pushes later.
    """
    outcome = _clean(outcome)
    with transaction.atomic():
        before = dict(
            CheckResult.objects.filter(project=project, component=None, check_id=outcome.check_id).values_list(
                "check_id", "state"
            )
        )
        result, _ = CheckResult.objects.update_or_create(
            project=project,
            component=None,
            check_id=outcome.check_id,
            defaults={
                "state": outcome.state,
                "reason": outcome.reason,
                "facts": outcome.facts,
                "checked_at": checked_at,
                "duration_ms": 0,
                "connector_version": version,
                "expires_at": checked_at + ttl,
                "refresh_run": None,
            },
        )
        CheckResultHistory.objects.create(
            component=None,
            project=project,
            check_id=result.check_id,
            state=result.state,
            reason=result.reason,
            facts=result.facts,
            checked_at=checked_at,
            connector_version=version,
        )
        cause = cause or f"{result.check_id} stored: {result.state}"
        _send_stored(project.pk, cause, [result], before, None, "CI push")
    return result


def refresh_expiring(*, within: timedelta, limit: int = 500) -> int:
    """Enqueue a check of every connected component whose evidence expires within ``within`` (or has none)."""
    from .tasks import enqueue_component_check

    soon = timezone.now() + within
    results = CheckResult.objects.filter(component=OuterRef("pk"))
    pairs = list(
        Component.objects.exclude(connector="")
        .filter(project__archived_at__isnull=True)
        .filter(~Exists(results) | Exists(results.filter(expires_at__lte=soon)))
        .values_list("pk", "connector")
        .order_by("pk")[:limit]
    )
    for pk, alias in pairs:
        enqueue_component_check(component_id=pk, alias=alias, run_id=None)
    _send_expiring(soon)
    return len(pairs)


def _send_expiring(soon) -> None:
    """Tell the apps above (webhooks) which current results of active projects expire before ``soon``."""
    expiring: dict[int, list] = {}
    rows = (
        CheckResult.objects.filter(expires_at__gt=timezone.now(), expires_at__lte=soon)
        .filter(project__archived_at__isnull=True)
        .values("pk", "project_id", "check_id", "component_id", "component__name", "expires_at")
        .order_by("project_id", "check_id", "pk")
    )
    for row in rows:
        expiring.setdefault(row["project_id"], []).append(
            {
                "result_id": row["pk"],
                "check_id": row["check_id"],
                "component_id": row["component_id"],
                "source": row["component__name"] or "CI push",
                "expires_at": row["expires_at"],
            }
        )
    for project_id, results in expiring.items():
        signals.evidence_expiring.send(
            sender=CheckResult, project_id=project_id, cause="Evidence expires soon", results=results
        )


# --- Waivers ----------------------------------------------------------------------------------------------


def waiver_create(*, project, check_id, reason, expires_at, actor, component=None) -> Waiver:
    """Accept a failing check knowingly until ``expires_at``; only reviewers and admins may approve one."""
    if not rules.can_review(actor):
        raise PermissionDenied("Only reviewers and admins can approve a waiver.")
    errors = {}
    check_id = canonical(check_id)  # a waiver asked for under an old id waives the check it became
    if check_id not in all_check_specs():
        errors["check_id"] = [f"Unknown check {check_id!r}; see the list of checks at /checks/."]
    if not (reason or "").strip():
        errors["reason"] = ["Say why the failure is acceptable and what is done instead."]
    now = timezone.now()
    if expires_at is None or expires_at <= now:
        errors["expires_at"] = ["Choose an expiry date in the future."]
    elif expires_at > now + timedelta(days=MAX_WAIVER_DAYS):
        errors["expires_at"] = [f"A waiver can last at most {MAX_WAIVER_DAYS} days; renew it when it expires."]
    if component is not None and component.project_id != project.pk:
        errors["component"] = ["That component belongs to another project."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        waiver = Waiver.objects.create(
            project=project,
            component=component,
            check_id=check_id,
            reason=reason.strip(),
            approved_by=actor,
            expires_at=expires_at,
        )
        record_change(
            instance=waiver,
            project=project,
            action=ChangeRecord.Action.CREATE,
            actor=actor,
            changes={"check_id": [None, check_id], "expires_at": [None, expires_at.isoformat()]},
            note=reason.strip()[:250],
        )
        signals.waiver_changed.send(
            sender=Waiver, project_id=project.pk, cause=f"Waiver of {check_id} approved", waiver=waiver
        )
    return waiver


def waiver_revoke(*, waiver: Waiver, actor) -> Waiver:
    if not rules.can_review(actor):
        raise PermissionDenied("Only reviewers and admins can revoke a waiver.")
    if waiver.revoked_at is not None:
        return waiver
    with transaction.atomic():
        waiver.revoked_at, waiver.revoked_by = timezone.now(), actor
        waiver.save(update_fields=["revoked_at", "revoked_by"])
        record_change(
            instance=waiver,
            project=waiver.project,
            action=ChangeRecord.Action.UPDATE,
            actor=actor,
            changes={"revoked_at": [None, waiver.revoked_at.isoformat()]},
            note="Waiver revoked",
        )
        signals.waiver_changed.send(
            sender=Waiver, project_id=waiver.project_id, cause=f"Waiver of {waiver.check_id} revoked", waiver=waiver
        )
    return waiver
