from django.conf import settings
from django.db import models
from django.urls import reverse

from .choices import Archetype, ComponentKind, Exposure, LlmUsage, Stage


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("registry:team-detail", args=[self.slug])


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)
    slug = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


# What people describe about a project, in the order forms and the API show it; the one list the form, the
# serializer and the services share.
PROJECT_EDITABLE_FIELDS = (
    "name",
    "slug",
    "team",
    "description",
    "business_owner",
    "technical_owner",
    "business_goal",
    "kpis",
    "archetype",
    "llm_usage",
    "uses_rag",
    "exposure",
    "stage",
    "handles_pii",
    "handles_sensitive",
    "handles_confidential",
    "regions",
    "estimated_build_cost",
    "run_cost_per_month",
    "expected_value_per_year",
    "links",
    "tags",
    "badge_public",
)


class ProjectQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)


class Project(models.Model):
    """An LLM application the company builds or runs, with what governance needs to know about it."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="projects")
    business_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    technical_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    business_goal = models.TextField(blank=True)
    kpis = models.TextField("KPIs", blank=True, help_text="One KPI per line, with its target.")
    archetype = models.CharField(max_length=32, choices=Archetype.choices, default=Archetype.OTHER)
    llm_usage = models.CharField(
        "How the LLM is used", max_length=32, choices=LlmUsage.choices, default=LlmUsage.FOUNDATION_API
    )
    uses_rag = models.BooleanField("Uses RAG", default=False)
    exposure = models.CharField(max_length=32, choices=Exposure.choices, default=Exposure.INTERNAL)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.IDEA, db_index=True)
    handles_pii = models.BooleanField("Handles personal data (PII)", default=False)
    handles_sensitive = models.BooleanField("Handles special-category data", default=False)
    handles_confidential = models.BooleanField("Handles confidential business data", default=False)
    regions = models.JSONField(default=list, blank=True, help_text="Regions of users, e.g. EU, UK, US.")
    estimated_build_cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    run_cost_per_month = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    expected_value_per_year = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    links = models.JSONField(default=list, blank=True, help_text='List of {"label": ..., "url": ...}.')
    tags = models.ManyToManyField(Tag, related_name="projects", blank=True)
    badge_public = models.BooleanField(
        default=False, help_text="Allow the status badge to be fetched without logging in."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["team", "stage"]), models.Index(fields=["name"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("registry:project-detail", args=[self.slug])

    @property
    def is_archived(self):
        return self.archived_at is not None


class Component(models.Model):
    """A part of a project that evidence can be gathered from: a model endpoint, a vector store, a repo...

    ``attributes`` holds the kind-specific description (see ``choices.COMPONENT_ATTRIBUTES``);
    ``connector`` names a back-end in ``settings.PLUMBLINE_CONNECTORS`` and ``connector_settings`` its
    non-secret options. Secrets are never stored here in clear: ``encrypted_secrets`` is Fernet-encrypted
    JSON, and a setting may instead name an environment variable.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="components")
    kind = models.CharField(max_length=32, choices=ComponentKind.choices)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    connector = models.CharField(max_length=50, blank=True, help_text="Connector alias, empty for none.")
    connector_settings = models.JSONField(default=dict, blank=True)
    encrypted_secrets = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="component_name_unique_in_project")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.name}"

    @property
    def has_secrets(self):
        return bool(self.encrypted_secrets)


class ChangeRecord(models.Model):
    """Who changed what and when, with values before and after; written by services, never by save()."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        ARCHIVE = "archive", "Archived"
        RESTORE = "restore", "Restored"
        DELETE = "delete", "Deleted"
        IMPORT = "import", "Imported"
        STAGE = "stage", "Stage changed"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, related_name="changes")
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=250)
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    changes = models.JSONField(default=dict, help_text='{"field": [before, after]}; secrets are masked.')
    note = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_type} {self.object_repr}"
