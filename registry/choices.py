"""Vocabularies of the inventory. Questionnaire conditions refer to these values, so they are stable."""

from django.db import models


class Archetype(models.TextChoices):
    KNOWLEDGE_QA = "knowledge_qa", "Knowledge-base Q&A"
    CHATBOT = "chatbot", "Chatbot"
    AGENT = "agent", "Agent"
    MULTI_AGENT = "multi_agent", "Multi-agent system"
    SUMMARISATION = "summarisation", "Summarisation"
    EXTRACTION = "extraction", "Extraction / classification"
    CONTENT_GENERATION = "content_generation", "Content generation"
    OTHER = "other", "Other"


class LlmUsage(models.TextChoices):
    FOUNDATION_API = "foundation_api", "Foundation-model API"
    PRETRAINED_OPEN = "pretrained_open", "Pre-trained open model"
    FINE_TUNED = "fine_tuned", "Fine-tuned model"
    FROM_SCRATCH = "from_scratch", "Trained from scratch"


class Exposure(models.TextChoices):
    INTERNAL = "internal", "Internal"
    CUSTOMER_FACING = "customer_facing", "Customer-facing"
    PUBLIC = "public", "Public"


class Stage(models.TextChoices):
    IDEA = "idea", "Idea"
    POC = "poc", "Proof of concept"
    PILOT = "pilot", "Pilot"
    PRODUCTION = "production", "Production"
    RETIRED = "retired", "Retired"


def derived_flags(*, llm_usage, exposure) -> dict:
    """The project flags derived from inventory fields, derived here once: questionnaire conditions
    (``registry.selectors.project_context``) and gate rules (``gates.facts.project_flags``) both read these."""
    return {
        "fine_tuned": llm_usage in (LlmUsage.FINE_TUNED, LlmUsage.FROM_SCRATCH),
        "customer_facing": exposure in (Exposure.CUSTOMER_FACING, Exposure.PUBLIC),
    }


STAGE_ORDER = [Stage.IDEA, Stage.POC, Stage.PILOT, Stage.PRODUCTION, Stage.RETIRED]


class ComponentKind(models.TextChoices):
    MODEL_ENDPOINT = "model_endpoint", "Model endpoint"
    VECTOR_STORE = "vector_store", "Vector store"
    PROMPT_SET = "prompt_set", "Prompt set"
    EVAL_DATASET = "eval_dataset", "Evaluation dataset"
    CODE_REPOSITORY = "code_repository", "Code repository"
    MONITORING_SOURCE = "monitoring_source", "Monitoring source"
    MLFLOW = "mlflow", "MLflow experiment / registered model"


# Attributes each component kind describes, in the order forms show them. Values live in Component.attributes.
COMPONENT_ATTRIBUTES = {
    ComponentKind.MODEL_ENDPOINT: [
        ("provider", "Provider", "e.g. OpenAI, Azure OpenAI, Anthropic, self-hosted"),
        ("model", "Model", "e.g. gpt-4o-mini"),
        ("version", "Version", "Model version or deployment date pinned in code"),
        ("endpoint_url", "Endpoint URL", ""),
    ],
    ComponentKind.VECTOR_STORE: [
        ("store_kind", "Store", "qdrant, chroma, pgvector, other"),
        ("location", "Location", "URL of the server or path of an embedded store"),
        ("collection", "Collection", ""),
        ("embedding_model", "Embedding model", "As the team declares it"),
    ],
    ComponentKind.PROMPT_SET: [
        ("location", "Location", "Repository path or prompt-registry name"),
        ("registry", "Registry", "git, mlflow, other"),
    ],
    ComponentKind.EVAL_DATASET: [
        ("name", "Dataset name", ""),
        ("version", "Version", ""),
        ("location", "Location", "URL or path"),
        ("size", "Number of examples", ""),
    ],
    ComponentKind.CODE_REPOSITORY: [
        ("url", "Clone URL or local path", ""),
        ("branch", "Branch", "Default branch if empty"),
    ],
    ComponentKind.MONITORING_SOURCE: [
        ("system", "System", "prometheus, mlflow-traces, other"),
        ("url", "URL", ""),
        ("service", "Service label", "Value of the job/service label of the LLM service"),
    ],
    ComponentKind.MLFLOW: [
        ("tracking_uri", "Tracking server URL", ""),
        ("experiment", "Experiment name", ""),
        ("registered_model", "Registered model", ""),
    ],
}
