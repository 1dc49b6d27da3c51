"""Evaluation thresholds belong to Plumbline: proposed by the team, in force only once a reviewer approves them,
versioned and audited; an approval judges the newest push again and the stored verdict follows (with history)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.services import token_create
from gates import signals
from gates.selectors import thresholds_in_force, verdict_history
from gates.services import evidence_push, verdict_current
from registry.choices import ComponentKind
from registry.models import ChangeRecord
from tests.factories import ComponentFactory, make_check_result, make_gate_ready, make_user
from tests.integration.servers import git, make_repo

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "app", [{"app.py": "print(1)\n"}])


@pytest.fixture
def verified(project, repo, member):
    """Everything production needs, with a verified push of correctness 0.91 and faithfulness 0.88."""
    make_gate_ready(project)
    for check_id in ("vectorstore.index_fresh", "vectorstore.chunk_source_metadata"):
        make_check_result(project, check_id)
    ComponentFactory(
        project=project,
        kind=ComponentKind.CODE_REPOSITORY,
        name="app-repo",
        connector="git",
        connector_settings={"location": str(repo)},
        attributes={},
    )
    evidence_push(
        project=project,
        payload={
            "evaluated_at": "2026-12-01T12:00:00Z",
            "metrics": [{"name": "correctness", "value": 0.91}, {"name": "faithfulness", "value": 0.88}],
            "dataset": {"name": "golden", "version": "7"},
            "model_version": "v7",
            "git_commit": git(repo, "rev-parse", "HEAD").strip(),
        },
        user=member,
    )
    assert verdict_current(project=project, stage="production")["allowed"] is True
    return project


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def propose(user, project, thresholds, note="stricter"):
    return client_for(user).post(
        reverse("api-project-thresholds", args=[project.slug]), {"thresholds": thresholds, "note": note}, format="json"
    )


def decide(user, project, version, approve=True):
    return client_for(user).post(
        reverse("api-project-thresholds-decision", args=[project.slug, version]), {"approve": approve}, format="json"
    )


STRICT = [{"names": ["correctness"], "min": 0.95}, {"names": ["faithfulness", "groundedness"], "min": 0.8}]


def test_defaults_come_from_the_policy_by_tier_and_rag(verified):
    in_force = thresholds_in_force(project_id=verified.pk)
    assert in_force.source == "policy"
    assert in_force.tier == "medium"
    assert in_force.thresholds == [
        {"names": ["correctness", "answer_correctness"], "min": 0.75},
        {"names": ["faithfulness", "groundedness"], "min": 0.8},
    ]


def test_a_proposal_does_not_apply_until_a_reviewer_approves_it(verified, member, reviewer):
    assert propose(member, verified, STRICT).status_code == 201
    assert thresholds_in_force(project_id=verified.pk).source == "policy"
    assert verdict_current(project=verified, stage="production")["allowed"] is True

    changed = []
    signals.verdict_changed.connect(lambda sender, **kw: changed.append(kw), dispatch_uid="test-thresholds", weak=False)
    try:
        response = decide(reviewer, verified, 1)
    finally:
        signals.verdict_changed.disconnect(dispatch_uid="test-thresholds")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "approved"
    verdict = verdict_current(project=verified, stage="production")
    assert verdict["allowed"] is False
    assert any("correctness 0.91 (Plumbline requires at least 0.95)" in r for r in verdict["reasons"])
    latest = verdict_history(project=verified, stage="production").first()
    assert latest.cause == "Evaluation thresholds v1 approved"
    assert latest.before["allowed"] is True and latest.after["allowed"] is False
    assert any(c["stage"] == "production" and c["cause"] == "Evaluation thresholds v1 approved" for c in changed)


def test_the_proposer_cannot_approve_and_a_ci_token_cannot_propose(verified, member):
    admin = make_user(User.Role.ADMIN, username="boss")
    assert propose(admin, verified, STRICT).status_code == 201
    assert decide(admin, verified, 1).status_code == 403
    assert decide(member, verified, 1).status_code == 403
    _token, raw = token_create(user=member, name="CI", scope=ApiToken.Scope.CI, project=verified)
    ci = APIClient()
    ci.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = reverse("api-project-thresholds", args=[verified.slug])
    assert ci.post(url, {"thresholds": [{"names": ["correctness"], "min": 0.1}]}, format="json").status_code == 403
    assert thresholds_in_force(project_id=verified.pk).source == "policy"


def test_bad_thresholds_are_refused_naming_the_entry(verified, member):
    response = propose(member, verified, [{"names": ["correctness"], "min": 0.9, "max": 1}])
    assert response.status_code == 400
    assert "thresholds: 0" in response.json()["errors"]


def test_a_decided_version_cannot_be_decided_again(verified, member, reviewer):
    propose(member, verified, STRICT)
    assert decide(reviewer, verified, 1, approve=False).status_code == 200
    assert decide(reviewer, verified, 1).status_code == 409
    assert thresholds_in_force(project_id=verified.pk).source == "policy"


def test_every_step_is_in_the_project_history(verified, member, reviewer):
    propose(member, verified, STRICT)
    decide(reviewer, verified, 1)
    notes = list(
        ChangeRecord.objects.filter(project=verified, object_type="evaluationthresholds")
        .order_by("id")
        .values_list("note", "actor__username")
    )
    assert notes == [
        ("Evaluation thresholds v1 proposed (not in force until a reviewer approves them)", "member"),
        ("Evaluation thresholds v1 approved", "reviewer"),
    ]


def test_the_gate_page_shows_thresholds_and_lets_the_team_propose_and_a_reviewer_approve(
    client, verified, member, reviewer
):
    client.force_login(member)
    page = client.get(reverse("gates:project-gate", args=[verified.slug])).content.decode()
    assert "correctness | answer_correctness &gt;= 0.75" in page
    assert "the defaults of gate policy" in page
    client.post(
        reverse("gates:project-thresholds", args=[verified.slug]),
        {"thresholds": "correctness >= 0.95\nfaithfulness | groundedness >= 0.8", "note": "stricter"},
    )
    assert thresholds_in_force(project_id=verified.pk).source == "policy"
    client.force_login(reviewer)
    page = client.get(reverse("gates:project-gate", args=[verified.slug])).content.decode()
    assert "awaiting a reviewer" not in page and "Approve" in page
    client.post(reverse("gates:project-thresholds-decide", args=[verified.slug, 1]), {"decision": "approve"})
    assert thresholds_in_force(project_id=verified.pk).thresholds == STRICT


def test_the_project_page_shows_verdict_history_and_the_latest_push_provenance(client, verified, member):
    client.force_login(member)
    page = client.get(verified.get_absolute_url()).content.decode()
    assert "Verdict history" in page
    assert "Latest CI evaluation push" in page and "verified" in page
