from django.conf import settings
from django.db import models


class CheckState(models.TextChoices):
    PASS = "pass", "Pass"
    FAIL = "fail", "Fail"
    WARN = "warn", "Warning"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    UNKNOWN = "unknown", "Unknown"
    ERROR = "error", "Error"
    WAIVED = "waived", "Waived"


class RefreshRun(models.Model):
    """One "refresh evidence" request for a project: its progress, for the page and the API to poll."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    project = models.ForeignKey("registry.Project", on_delete=models.CASCADE, related_name="refresh_runs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    components_total = models.PositiveIntegerField(default=0)
    components_done = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Refresh of {self.project} ({self.status})"


class CheckResult(models.Model):
    """The latest result of one check on one component (updated in place; history in CheckResultHistory).

    ``expires_at`` is checked_at + the check's time-to-live: after it the result reads stale
    (``connectors.reading``). ``component`` is empty for results that belong to the project itself: the CI
    push writes ``ci.eval_results_recent`` in the same transaction as the push.
    """

    component = models.ForeignKey(
        "registry.Component", on_delete=models.CASCADE, null=True, blank=True, related_name="check_results"
    )
    project = models.ForeignKey("registry.Project", on_delete=models.CASCADE, related_name="check_results")
    check_id = models.CharField(max_length=100, db_index=True)
    state = models.CharField(max_length=16, choices=CheckState.choices)
    reason = models.CharField(max_length=500)
    facts = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    connector_version = models.CharField(max_length=32, blank=True)
    expires_at = models.DateTimeField()
    refresh_run = models.ForeignKey(RefreshRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["check_id"]
        constraints = [
            models.UniqueConstraint(fields=["component", "check_id"], name="one_current_result_per_check"),
            models.UniqueConstraint(
                fields=["project", "check_id"],
                condition=models.Q(component__isnull=True),
                name="one_current_project_result_per_check",
            ),
        ]
        indexes = [models.Index(fields=["project", "check_id"])]

    def __str__(self):
        return f"{self.check_id}: {self.state}"


class CheckResultHistory(models.Model):
    """Every result ever observed, so trends and reports can say what was known at a given time."""

    component = models.ForeignKey(
        "registry.Component", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey("registry.Project", on_delete=models.CASCADE, related_name="+")
    check_id = models.CharField(max_length=100)
    state = models.CharField(max_length=16, choices=CheckState.choices)
    reason = models.CharField(max_length=500)
    facts = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(db_index=True)
    duration_ms = models.PositiveIntegerField(default=0)
    connector_version = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-checked_at"]
        indexes = [models.Index(fields=["project", "check_id", "checked_at"])]

    def __str__(self):
        return f"{self.check_id}: {self.state} at {self.checked_at:%Y-%m-%d %H:%M}"


class Waiver(models.Model):
    """An accepted exception: a check's failure is knowingly tolerated until the expiry date."""

    project = models.ForeignKey("registry.Project", on_delete=models.CASCADE, related_name="waivers")
    component = models.ForeignKey(
        "registry.Component", on_delete=models.CASCADE, null=True, blank=True, related_name="waivers"
    )
    check_id = models.CharField(max_length=100)
    reason = models.TextField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Waiver of {self.check_id} until {self.expires_at:%Y-%m-%d}"


class PushedEvaluation(models.Model):
    """Evaluation results pushed by a CI pipeline, with their provenance. Feeds the eval-coverage checks."""

    class Format(models.TextChoices):
        PLUMBLINE = "plumbline", "Plumbline JSON"
        MLFLOW = "mlflow", "MLflow evaluation output"
        PROMPTFOO = "promptfoo", "promptfoo results"

    project = models.ForeignKey("registry.Project", on_delete=models.CASCADE, related_name="pushed_evaluations")
    token = models.ForeignKey("accounts.ApiToken", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    pushed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    format = models.CharField(max_length=16, choices=Format.choices)
    metrics = models.JSONField(default=list, help_text='[{"name", "value", "threshold", "passed"}]')
    dataset_name = models.CharField(max_length=200, blank=True)
    dataset_version = models.CharField(max_length=100, blank=True)
    dataset_hash = models.CharField(max_length=128, blank=True)
    model_version = models.CharField(max_length=200, blank=True)
    prompt_version = models.CharField(max_length=200, blank=True)
    git_commit = models.CharField(max_length=64, blank=True)
    mlflow_run_id = models.CharField(max_length=64, blank=True, help_text="The MLflow run the push names, if any.")
    run_url = models.URLField(max_length=1000, blank=True, help_text="The CI run that pushed (provenance).")
    evaluated_at = models.DateTimeField()
    verification = models.CharField(
        max_length=16,
        default="unverified",
        help_text="verified | unverified | unknown: what Plumbline read itself (connectors.corroboration).",
    )
    verification_reasons = models.JSONField(default=list, blank=True)
    verification_facts = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(help_text="The payload as received, for provenance.")

    # The newest push is the one that arrived last: ``evaluated_at`` is the client's clock and precision (a re-push
    # stamped to the second would lose to an older one stamped to the millisecond). Every "latest push" uses this.
    NEWEST_FIRST = ("-received_at", "-id")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["project", "received_at"])]

    def __str__(self):
        return f"{self.get_format_display()} for {self.project} at {self.evaluated_at:%Y-%m-%d %H:%M}"
