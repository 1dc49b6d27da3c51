from django.conf import settings
from django.db import models
from django.urls import reverse


class Assessment(models.Model):
    """A project's answers to one questionnaire version, and, once submitted, its immutable record.

    While a draft, answers live in ``Answer`` rows (one per question, versioned for conflict detection).
    On submit, ``record`` freezes everything (questionnaire version and hash, answers, comments, evidence
    references, scores) and ``content_hash`` is the SHA-256 of its canonical JSON, so it verifies later.
    ``result`` caches the last computed score (the scoring result's ``to_dict()``).
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned"

    project = models.ForeignKey("registry.Project", on_delete=models.CASCADE, related_name="assessments")
    questionnaire = models.ForeignKey(
        "questionnaires.QuestionnaireVersion", on_delete=models.PROTECT, related_name="assessments"
    )
    kind = models.CharField(max_length=16, db_index=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.DRAFT, db_index=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The assessment this one was pre-filled from.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    record = models.JSONField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    result = models.JSONField(null=True, blank=True)
    prefill = models.JSONField(
        default=dict,
        blank=True,
        help_text="How the draft was pre-filled: carried-forward, new and removed questions, inventory and evidence.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "kind", "state"])]

    def __str__(self):
        return f"{self.get_kind_display()} assessment of {self.project} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("assessments:detail", args=[self.pk])

    def get_kind_display(self):
        return self.kind.capitalize()

    @property
    def is_editable(self):
        return self.state == self.State.DRAFT


class Answer(models.Model):
    """The current answer to one question. ``version`` increments on every save (optimistic locking)."""

    class Source(models.TextChoices):
        PERSON = "person", "Given by a person"
        EVIDENCE = "evidence", "Pre-filled from evidence, to confirm"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question_id = models.CharField(max_length=200)
    value = models.JSONField(null=True, blank=True)
    comment = models.TextField(blank=True)
    justification = models.TextField(blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.PERSON)
    version = models.PositiveIntegerField(default=0)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question_id"]
        constraints = [models.UniqueConstraint(fields=["assessment", "question_id"], name="one_answer_per_question")]

    def __str__(self):
        return f"{self.question_id} = {self.value!r}"


class AnswerRevision(models.Model):
    """Every saved value of an answer: who answered what, and when."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    value = models.JSONField(null=True, blank=True)
    comment = models.TextField(blank=True)
    justification = models.TextField(blank=True)
    source = models.CharField(max_length=16, default=Answer.Source.PERSON)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self):
        return f"{self.answer.question_id} v{self.version}"


def evidence_upload_path(instance, filename):
    return f"evidence/{instance.answer.assessment.project_id}/{instance.answer.assessment_id}/{filename}"


class AnswerEvidence(models.Model):
    """A link or an uploaded file supporting an answer."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField(max_length=1000, blank=True)
    file = models.FileField(upload_to=evidence_upload_path, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at"]

    def __str__(self):
        return self.url or self.filename


class Review(models.Model):
    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned for changes"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    comment = models.TextField(blank=True)
    domain = models.CharField(
        max_length=40, blank=True, help_text="The sign-off this approval gives: an approver domain, or 'any'."
    )
    acknowledgements = models.JSONField(
        default=list, blank=True, help_text="Contradicted claims the approver acknowledged: question, check, note."
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.get_decision_display()} by {self.reviewer}"


class ReassessmentReminder(models.Model):
    """One reminder e-mail about an expired or expiring assessment; unique per day so the task is idempotent."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="reminders")
    sent_on = models.DateField()
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on"]
        constraints = [models.UniqueConstraint(fields=["assessment", "sent_on"], name="one_reminder_per_day")]

    def __str__(self):
        return f"Reminder for assessment {self.assessment_id} on {self.sent_on}"


class ApprovalPolicy(models.Model):
    """A version of the approval policy, as data: which sign-offs each kind of assessment needs per risk tier.

    Versions are never edited: admins save a new one; the newest active version is in force
    (``assessments.selectors.approval_policy_in_force``). ``rules`` format: docs/approvals.md.
    """

    version = models.PositiveIntegerField(unique=True)
    rules = models.JSONField()
    note = models.CharField(max_length=250, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "approval policies"

    def __str__(self):
        return f"Approval policy v{self.version}"


class ApproverGroup(models.Model):
    """The people who sign off one domain (security, legal, privacy, ...), managed by admins."""

    domain = models.SlugField(max_length=40, unique=True, help_text="The name the approval policy uses.")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="approver_groups")

    class Meta:
        ordering = ["domain"]

    def __str__(self):
        return self.name or self.domain


class ApprovalCondition(models.Model):
    """A condition attached to an approval: an open item with an owner and a due date until someone closes it."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="conditions")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="conditions")
    text = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    close_note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["assessment", "closed_at"])]

    def __str__(self):
        return self.text[:60]

    @property
    def is_open(self):
        return self.closed_at is None


class SectionAssignment(models.Model):
    """A section (or one question of it) of a draft given to a team member to answer, by a due date."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="assignments")
    section_id = models.CharField(max_length=200)
    question_id = models.CharField(max_length=200, blank=True, help_text="Empty: the whole section.")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "section_id", "question_id"], name="one_assignee_per_section_or_question"
            )
        ]
        indexes = [models.Index(fields=["assignee", "due_date"])]

    def __str__(self):
        return f"{self.question_id or self.section_id} → {self.assignee}"
