"""A realistic demo portfolio: 4 teams, 12 LLM projects with components, and one user per role.

``seed_inventory()`` is idempotent: it creates what is missing and leaves existing rows alone, so
``make demo`` can run any number of times.
"""

import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from registry.choices import ComponentKind as K
from registry.models import Project, Team

from . import services

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "plumbline-demo"

TEAMS = [
    ("Marketplace", "marketplace", "Buyer and seller experience on the marketplace."),
    ("Trust & Safety", "trust-safety", "Keeps the marketplace safe: moderation, fraud, policy."),
    ("Internal Platform", "internal-platform", "Tools for employees: documentation, HR, engineering."),
    ("Customer Operations", "customer-ops", "Support, translation and legal operations."),
]

USERS = [
    # username, first, last, role, teams
    ("admin", "Ada", "Admin", User.Role.ADMIN, []),
    ("reviewer", "Rosa", "Reviewer", User.Role.REVIEWER, []),
    # Approvers by domain (assessments.demo puts Rosa in security, Lena in legal, Pablo in privacy).
    ("lena", "Lena", "Legal", User.Role.REVIEWER, []),
    ("pablo", "Pablo", "Privacy", User.Role.REVIEWER, []),
    # Business owner of the demo projects: owners may not approve their own projects (separation of duties).
    ("bruno", "Bruno", "Business", User.Role.VIEWER, []),
    ("maria", "Maria", "Marketplace", User.Role.MEMBER, ["marketplace"]),
    ("tomas", "Tomas", "Safety", User.Role.MEMBER, ["trust-safety"]),
    ("priya", "Priya", "Platform", User.Role.MEMBER, ["internal-platform"]),
    ("lukas", "Lukas", "Operations", User.Role.MEMBER, ["customer-ops"]),
    ("viewer", "Vera", "Viewer", User.Role.VIEWER, []),
]
TEAM_OWNER = {"marketplace": "maria", "trust-safety": "tomas", "internal-platform": "priya", "customer-ops": "lukas"}


def _mlflow(experiment, model=""):
    return {
        "kind": K.MLFLOW,
        "name": "MLflow experiment",
        "attributes": {
            "tracking_uri": "http://mlflow.internal:5000",
            "experiment": experiment,
            "registered_model": model,
        },
        "connector": "mlflow",
        "connector_settings": {"tracking_uri": "http://mlflow.internal:5000", "experiment": experiment},
    }


def _repo(name):
    return {
        "kind": K.CODE_REPOSITORY,
        "name": "Repository",
        "attributes": {"url": f"https://git.example.com/llm/{name}.git", "branch": "main"},
        "connector": "git",
    }


def _endpoint(provider, model, version):
    return {"kind": K.MODEL_ENDPOINT, "name": f"{model} endpoint",
            "attributes": {"provider": provider, "model": model, "version": version}}  # fmt: skip


def _vectors(store, collection):
    return {
        "kind": K.VECTOR_STORE,
        "name": "Vector store",
        "attributes": {
            "store_kind": store,
            "location": f"http://{store}.internal:6333",
            "collection": collection,
            "embedding_model": "text-embedding-3-small",
        },
        "connector": store if store in ("qdrant", "chroma") else "",
        "secrets": {"api_key": "demo-not-a-real-key"} if store == "qdrant" else None,
    }


def _traces(service):
    """Production traces in MLflow: monitoring evidence the demo can read (its Prometheus is deliberately not)."""
    return {
        "kind": K.MONITORING_SOURCE,
        "name": "Production traces",
        "attributes": {"system": "mlflow", "service": f"{service}-traces"},
    }


def _monitoring(service):
    return {
        "kind": K.MONITORING_SOURCE,
        "name": "Prometheus",
        "attributes": {"system": "prometheus", "url": "http://prometheus.internal:9090", "service": service},
        "connector": "prometheus",
    }


PROJECTS = [
    {
        "slug": "listing-assistant", "name": "Listing assistant", "team": "marketplace",
        "description": "Writes item titles and descriptions from photos; sellers review before publishing.",
        "business_goal": "Make listing an item take under a minute and improve listing quality.",
        "kpis": "Median time to list: 4 min → 1 min\nListings edited by sellers after generation < 30%",
        "archetype": "content_generation", "llm_usage": "foundation_api", "exposure": "customer_facing",
        "stage": "production", "handles_pii": True, "regions": ["EU", "UK"],
        "estimated_build_cost": 180000, "run_cost_per_month": 14000, "expected_value_per_year": 1200000,
        "tags": ["vision", "sellers", "genai"],
        "links": [{"label": "Runbook", "url": "https://wiki.example.com/listing-assistant/runbook"}],
        "components": [_endpoint("OpenAI", "gpt-4o", "2024-08-06"), _mlflow("listing-assistant", "listing-titles"),
                       _repo("listing-assistant"), _monitoring("listing-assistant")],
    },
    {
        "slug": "shopping-chatbot", "name": "Shopping chatbot", "team": "marketplace",
        "description": "Chatbot that answers buyers' questions and recommends items from the catalogue.",
        "business_goal": "Raise conversion of buyers who ask questions.", "kpis": "Conversion +3%\nEscalations < 5%",
        "archetype": "chatbot", "llm_usage": "foundation_api", "uses_rag": True, "exposure": "public",
        "stage": "pilot", "handles_pii": True, "regions": ["EU", "UK", "US"],
        "estimated_build_cost": 250000, "run_cost_per_month": 22000, "expected_value_per_year": 2000000,
        "tags": ["rag", "buyers", "chat"],
        "components": [_endpoint("Anthropic", "claude-3-5-sonnet", "20241022"), _vectors("qdrant", "catalogue"),
                       _repo("shopping-chatbot"), _monitoring("shopping-chatbot")],
    },
    {
        "slug": "search-query-rewriter", "name": "Search query rewriter", "team": "marketplace",
        "description": "Rewrites vague search queries into structured filters with a small open model.",
        "business_goal": "Fewer zero-result searches.", "kpis": "Zero-result searches -25%",
        "archetype": "extraction", "llm_usage": "fine_tuned", "exposure": "customer_facing", "stage": "poc",
        "regions": ["EU"], "estimated_build_cost": 60000, "run_cost_per_month": 3000,
        "expected_value_per_year": 400000, "tags": ["search", "open-model"],
        "components": [_endpoint("self-hosted", "llama-3.1-8b-instruct", "ft-2025-02"), _mlflow("query-rewriter")],
    },
    {
        "slug": "seller-support-agents", "name": "Seller support agents", "team": "marketplace",
        "description": "Several cooperating agents that resolve seller disputes end-to-end.",
        "archetype": "multi_agent", "llm_usage": "foundation_api", "exposure": "customer_facing", "stage": "idea",
        "handles_pii": True, "regions": ["EU"], "estimated_build_cost": 300000, "tags": ["agents", "sellers"],
        "components": [],
    },
    {
        "slug": "moderation-assistant", "name": "Content-moderation assistant", "team": "trust-safety",
        "description": "Suggests moderation decisions for reported listings, grounded in internal policy documents.",
        "business_goal": "Moderators decide faster and more consistently.",
        "kpis": "Decisions per moderator-hour +40%\nAgreement with senior moderators ≥ 90%",
        "archetype": "knowledge_qa", "llm_usage": "foundation_api", "uses_rag": True, "exposure": "internal",
        "stage": "production", "handles_pii": True, "handles_sensitive": True, "regions": ["EU", "UK", "US"],
        "estimated_build_cost": 150000, "run_cost_per_month": 9000, "expected_value_per_year": 850000,
        "tags": ["rag", "policy", "moderation"],
        "components": [_endpoint("Azure OpenAI", "gpt-4o-mini", "2024-07-18"), _vectors("chroma", "policies"),
                       _mlflow("moderation-assistant"), _repo("moderation-assistant"),
                       {"kind": K.EVAL_DATASET, "name": "Golden decisions",
                        "attributes": {"name": "golden-decisions", "version": "v3", "size": "1200"}}],
    },
    {
        "slug": "fraud-report-triage", "name": "Fraud report triage", "team": "trust-safety",
        "description": "Classifies incoming fraud reports by type and urgency.",
        "archetype": "extraction", "llm_usage": "pretrained_open", "exposure": "internal", "stage": "poc",
        "handles_pii": True, "regions": ["EU"], "estimated_build_cost": 40000, "run_cost_per_month": 1500,
        "expected_value_per_year": 200000, "tags": ["classification", "fraud"],
        "components": [_endpoint("self-hosted", "mistral-7b-instruct", "v0.3")],
    },
    {
        "slug": "docs-qa-bot", "name": "Internal documentation Q&A", "team": "internal-platform",
        "description": "Answers employees' questions from the engineering wiki and handbooks, with sources.",
        "business_goal": "Fewer repeated questions in support channels.", "kpis": "Deflected questions 30%",
        "archetype": "knowledge_qa", "llm_usage": "foundation_api", "uses_rag": True, "exposure": "internal",
        "stage": "production", "handles_confidential": True, "regions": ["EU", "US"],
        "estimated_build_cost": 50000, "run_cost_per_month": 2500, "expected_value_per_year": 300000,
        "tags": ["rag", "employees"],
        "components": [_endpoint("OpenAI", "gpt-4o-mini", "2024-07-18"), _vectors("qdrant", "wiki"),
                       _repo("docs-qa-bot"), _monitoring("docs-qa-bot"), _traces("docs-qa-bot")],
    },
    {
        "slug": "hr-agent", "name": "HR agent", "team": "internal-platform",
        "description": "Answers HR policy questions and files leave requests on the employee's behalf.",
        "business_goal": "Self-service HR for routine requests.", "kpis": "HR tickets -35%",
        "archetype": "agent", "llm_usage": "foundation_api", "uses_rag": True, "exposure": "internal",
        "stage": "pilot", "handles_pii": True, "handles_sensitive": True, "regions": ["EU"],
        "estimated_build_cost": 120000, "run_cost_per_month": 4000, "expected_value_per_year": 350000,
        "tags": ["agents", "employees", "pii"],
        "components": [_endpoint("Azure OpenAI", "gpt-4o", "2024-08-06"), _vectors("chroma", "hr-policies"),
                       _mlflow("hr-agent")],
    },
    {
        "slug": "contract-clause-extractor", "name": "Contract clause extractor", "team": "customer-ops",
        "description": "Extracts liability, termination and data-protection clauses from supplier contracts.",
        "business_goal": "Legal review of supplier contracts in days, not weeks.",
        "kpis": "Review lead time -50%\nClause recall ≥ 95%",
        "archetype": "extraction", "llm_usage": "foundation_api", "exposure": "internal", "stage": "poc",
        "handles_confidential": True, "regions": ["EU"], "estimated_build_cost": 70000,
        "run_cost_per_month": 1200, "expected_value_per_year": 250000, "tags": ["legal", "extraction"],
        "components": [_endpoint("Anthropic", "claude-3-5-haiku", "20241022"),
                       {"kind": K.EVAL_DATASET, "name": "Annotated contracts",
                        "attributes": {"name": "contracts-annotated", "version": "2025-01", "size": "300"}}],
    },
    {
        "slug": "support-ticket-summariser", "name": "Support-ticket summariser", "team": "customer-ops",
        "description": "Summarises long support conversations for the agent who picks up the ticket.",
        "business_goal": "Shorter handling time on escalated tickets.", "kpis": "Average handling time -20%",
        "archetype": "summarisation", "llm_usage": "foundation_api", "exposure": "internal",
        "stage": "production", "handles_pii": True, "regions": ["EU", "UK", "US"],
        "estimated_build_cost": 45000, "run_cost_per_month": 3500, "expected_value_per_year": 500000,
        "tags": ["support", "pii"],
        "components": [_endpoint("OpenAI", "gpt-4o-mini", "2024-07-18"), _mlflow("ticket-summariser"),
                       _repo("ticket-summariser"), _monitoring("ticket-summariser"),
                       {"kind": K.PROMPT_SET, "name": "Summary prompts",
                        "attributes": {"location": "prompts/summary/", "registry": "git"}}],
    },
    {
        "slug": "translation-agent", "name": "Translation agent", "team": "customer-ops",
        "description": "Translates customer messages and replies between 12 languages, keeping the support tone.",
        "business_goal": "Support every market without native speakers on every shift.",
        "kpis": "Tickets answered in the customer's language 98%",
        "archetype": "agent", "llm_usage": "foundation_api", "exposure": "customer_facing", "stage": "pilot",
        "handles_pii": True, "regions": ["EU", "UK", "US"], "estimated_build_cost": 90000,
        "run_cost_per_month": 6000, "expected_value_per_year": 600000, "tags": ["translation", "support"],
        "components": [_endpoint("OpenAI", "gpt-4o", "2024-08-06"), _monitoring("translation-agent")],
    },
    {
        "slug": "email-autoresponder", "name": "Legacy e-mail autoresponder", "team": "customer-ops",
        "description": "First-generation template-filling autoresponder, replaced by the translation agent.",
        "archetype": "content_generation", "llm_usage": "pretrained_open", "exposure": "customer_facing",
        "stage": "retired", "handles_pii": True, "regions": ["EU"], "estimated_build_cost": 30000,
        "run_cost_per_month": 0, "tags": ["support", "legacy"],
        "components": [_endpoint("self-hosted", "flan-t5-xl", "2023-03")],
    },
]  # fmt: skip


def _ensure_users(teams):
    users = {}
    for username, first, last, role, team_slugs in USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "role": role,
                "email": f"{username}@example.com",
                "is_staff": role == User.Role.ADMIN,
                "is_superuser": role == User.Role.ADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            user.teams.set([teams[slug] for slug in team_slugs])
        users[username] = user
    return users


def _create_component(actor, project, spec):
    try:
        services.component_create(actor=actor, project=project, **spec)
    except ValidationError as exc:
        # A connector back-end may demand settings the demo cannot know; keep the component, without it.
        logger.warning("Demo component %s of %s kept without connector: %s", spec["name"], project.slug, exc)
        services.component_create(actor=actor, project=project, **{**spec, "connector": "", "connector_settings": {}})


@transaction.atomic
def seed_inventory():
    """Create the demo teams, users and projects that do not exist yet. Returns the number of new projects."""
    teams = {}
    for name, slug, description in TEAMS:
        teams[slug], _ = Team.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})
    users = _ensure_users(teams)
    existing = set(Project.objects.values_list("slug", flat=True))
    created = 0
    for spec in PROJECTS:
        if spec["slug"] in existing:
            continue
        spec = dict(spec)
        components = spec.pop("components")
        tags = spec.pop("tags")
        owner = users[TEAM_OWNER[spec["team"]]]
        spec["team"] = teams[spec["team"]]
        for key in ("estimated_build_cost", "run_cost_per_month", "expected_value_per_year"):
            if key in spec:
                spec[key] = Decimal(spec[key])
        stage = spec.pop("stage")
        project = services.project_create(
            actor=owner, tags=tags, technical_owner=owner, business_owner=users["bruno"], **spec
        )
        # The demo portfolio starts mid-life: its projects passed their gates before Plumbline (the assessments the
        # gates would ask for are seeded next), so the demo sets the stage itself, as data, not as a user's move.
        Project.objects.filter(pk=project.pk).update(stage=stage)
        project.stage = stage
        for component in components:
            _create_component(owner, project, component)
        created += 1
    return created
