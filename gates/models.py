from django.conf import settings
from django.db import models


class GatePolicy(models.Model):
    """A version of the stage-gate policy, as data. The newest active version is the one in force.

    Versions are never edited: admins save a new version, so every verdict can name the policy it used.
    ``rules`` format: see docs/gate-policy.md.
    """

    version = models.PositiveIntegerField(unique=True)
    rules = models.JSONField()
    note = models.CharField(max_length=250, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "gate policies"

    def __str__(self):
        return f"Gate policy v{self.version}"


class StoredVerdict(models.Model):
    """The current verdict of one project for one gated stage, recomputed whenever one of its inputs changes.

    ``verdict`` is ``GateVerdict.to_dict()``. ``valid_until`` is the earliest moment an input expires on its own
    (a check result's or a waiver's or an assessment's expiry, a stage's maximum age): a read after it
    recomputes (``gates.services.verdict_current``).
    """

    project = models.ForeignKey("registry.Project", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=16)
    allowed = models.BooleanField()
    verified_level = models.PositiveSmallIntegerField(null=True)
    claimed_level = models.PositiveSmallIntegerField(null=True)
    required_level = models.PositiveSmallIntegerField(null=True)
    tier = models.CharField(max_length=16, blank=True)
    policy_version = models.PositiveIntegerField(null=True)
    verdict = models.JSONField()
    computed_at = models.DateTimeField()
    valid_until = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "stage"], name="one_stored_verdict_per_stage")]

    def __str__(self):
        return f"{self.project_id} {self.stage}: {'allowed' if self.allowed else 'refused'}"


class VerdictChange(models.Model):
    """One change of a stored verdict: when, from what to what, and which input changed it."""

    project = models.ForeignKey("registry.Project", on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=16)
    changed_at = models.DateTimeField()
    before = models.JSONField(null=True, help_text="Summary before (null: first computed).")
    after = models.JSONField(help_text='{"allowed", "verified_level", "claimed_level", "required_level", "tier"}')
    cause = models.CharField(max_length=250)
    policy_version = models.PositiveIntegerField(null=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["project", "stage", "changed_at"])]

    def __str__(self):
        return f"{self.project_id} {self.stage} at {self.changed_at:%Y-%m-%d %H:%M}: {self.cause}"


class EvaluationThresholds(models.Model):
    """One version of a project's evaluation thresholds, owned by Plumbline: proposed by the team, in force once a
    reviewer approves it. ``thresholds`` is ``[{"names": [metric, ...], "min": x} | {"names": [...], "max": x}]``
    (the metric may be reported under any of its names). Without an approved version the policy's defaults for the
    project's tier apply (``gates.selectors.thresholds_in_force``). Versions are never edited."""

    class State(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved (in force)"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded"

    project = models.ForeignKey("registry.Project", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    thresholds = models.JSONField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PROPOSED)
    note = models.CharField(max_length=250, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "evaluation thresholds"
        constraints = [models.UniqueConstraint(fields=["project", "version"], name="one_threshold_version_per_project")]

    def __str__(self):
        return f"Evaluation thresholds v{self.version} ({self.state})"
