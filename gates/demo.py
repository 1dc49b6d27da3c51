"""Demo data for the gates app: a CI token for one project and evaluation results pushed for two. Idempotent."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import ApiToken, User, hash_token
from registry.models import Project

from . import services

# Demo only: a fixed, published token so the CI examples in docs/ci.md can be tried against `make demo`.
DEMO_CI_TOKEN = "plb_demo-ci-token-docs-qa-bot-not-a-secret"
DEMO_CI_PROJECT = "docs-qa-bot"


def _token_owner(project):
    return project.technical_owner or User.objects.filter(role=User.Role.ADMIN).order_by("pk").first()


def _plumbline_payload(when, passing, commit):
    """A push naming the head commit of the project's demo repository (so it corroborates) when there is one; the
    failing one also claims its own lenient threshold 0.7 for faithfulness, which Plumbline does not use."""
    payload = {
        "evaluated_at": when.isoformat(),
        "metrics": [
            {"name": "faithfulness", "value": 0.91 if passing else 0.71, "threshold": 0.85 if passing else 0.7},
            {"name": "correctness", "value": 0.86, "threshold": 0.8},
            {"name": "answer_relevance", "value": 0.88, "threshold": 0.8},
            {"name": "p95_latency_s", "value": 2.1, "threshold": 4.0, "higher_is_better": False},
        ],
        "dataset": {"name": "golden-questions", "version": "7", "hash": "sha256:5be1c0de"},
        "model_version": "gpt-4o-mini-2024-07-18",
        "prompt_version": "answer-prompt@12",
        "run_url": "https://ci.example.com/pipelines/1042",
    }
    if commit:
        payload["git_commit"] = commit
    return payload


def _head_commit(slug):
    try:
        from connectors.demo import demo_head_commit
    except ImportError:
        return None
    return demo_head_commit(slug)


def seed_gates():
    project = Project.objects.filter(slug=DEMO_CI_PROJECT).select_related("technical_owner").first()
    if project is None:
        return
    owner = _token_owner(project)
    token = None
    if owner is not None:
        token, _ = ApiToken.objects.get_or_create(
            key_hash=hash_token(DEMO_CI_TOKEN),
            defaults={
                "user": owner,
                "project": project,
                "name": "Demo CI pipeline",
                "scope": ApiToken.Scope.CI,
                "prefix": DEMO_CI_TOKEN[:12],
            },
        )
    now = timezone.now()
    for slug, passing in ((DEMO_CI_PROJECT, True), ("shopping-chatbot", False)):
        target = Project.objects.filter(slug=slug).first()
        if target is None or target.pushed_evaluations.exists():
            continue
        services.evidence_push(
            project=target,
            payload=_plumbline_payload(now - timedelta(hours=20), passing, _head_commit(slug)),
            token=token if target == project else None,
            user=owner,
        )


def demo_notes() -> list[str]:
    """Lines for ``manage.py demo_logins``: how to try the CI gate against the demo."""
    return [
        f"CI token for {DEMO_CI_PROJECT} (demo only): {DEMO_CI_TOKEN}",
        f"  PLUMBLINE_URL={settings.SITE_URL} PLUMBLINE_TOKEN={DEMO_CI_TOKEN} "
        f".venv/bin/plumbline gate --project {DEMO_CI_PROJECT} --stage production",
    ]
