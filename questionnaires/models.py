from django.db import models
from django.urls import reverse


class QuestionnaireKind(models.TextChoices):
    IMPACT = "impact", "Impact"
    RISK = "risk", "Risk"
    MATURITY = "maturity", "Maturity"


class QuestionnaireVersion(models.Model):
    """One immutable version of a questionnaire definition, as loaded from YAML.

    ``definition`` is the validated, normalised definition (see docs/questionnaire-format.md); the content
    hash lets an assessment prove which exact text it was answered against. Loading the same slug and
    version with different content is refused: publish a new version instead.
    """

    slug = models.SlugField(max_length=100)
    version = models.CharField(max_length=32)
    kind = models.CharField(max_length=16, choices=QuestionnaireKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    definition = models.JSONField()
    content_hash = models.CharField(max_length=64)
    source_path = models.CharField(max_length=500, blank=True)
    validity_days = models.PositiveIntegerField(default=365)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug", "-loaded_at"]
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="questionnaire_version_unique")]

    def __str__(self):
        return f"{self.title} v{self.version}"

    def get_absolute_url(self):
        return reverse("questionnaires:detail", args=[self.slug, self.version])
