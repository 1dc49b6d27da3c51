"""Pushed evaluation results are capped: metric count, metric name length, value magnitude and body size, each a
400 naming the limit and storing nothing. Before, 45,000 metrics in one push made a 5 MB gate page and a
12.7 s PDF; nothing limited what a CI token could store.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import token_create
from connectors.models import PushedEvaluation

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def ci(project, member):
    _, raw = token_create(user=member, name="CI", scope=ApiToken.Scope.CI, project=project)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def push(client, project, payload, fmt=None):
    url = reverse("api-project-evidence", args=[project.slug]) + (f"?format={fmt}" if fmt else "")
    return client.post(url, payload, format="json")


def plumbline(metrics):
    return {
        "evaluated_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "metrics": metrics,
        "dataset": {"name": "golden"},
        "model_version": "m1",
    }


def refused(response, limit):
    assert response.status_code == 400, response.content
    assert limit in str(response.json()), response.json()
    assert not PushedEvaluation.objects.exists()


def test_too_many_metrics_are_refused_naming_the_limit(ci, project, settings):
    settings.PLUMBLINE_PUSH_MAX_METRICS = 50
    metrics = [{"name": f"m{i}", "value": 0.5} for i in range(51)]

    refused(push(ci, project, plumbline(metrics)), "PLUMBLINE_PUSH_MAX_METRICS")


def test_too_many_mlflow_metrics_are_refused_too(ci, project, settings):
    settings.PLUMBLINE_PUSH_MAX_METRICS = 50

    refused(push(ci, project, {f"m{i}": 0.5 for i in range(51)}, fmt="mlflow"), "PLUMBLINE_PUSH_MAX_METRICS")


def test_a_long_mlflow_metric_name_is_refused_naming_the_limit(ci, project):
    refused(push(ci, project, {"x" * 201: 0.5}, fmt="mlflow"), "PLUMBLINE_PUSH_MAX_METRIC_NAME")


@pytest.mark.parametrize("value", [1e300, -1e31, 10**40])
def test_a_huge_metric_value_is_refused_naming_the_limit(ci, project, value):
    refused(push(ci, project, plumbline([{"name": "score", "value": value}])), "PLUMBLINE_NUMBER_MAX_")


def test_a_huge_mlflow_threshold_tag_is_refused(ci, project):
    payload = {
        "info": {"end_time": int((timezone.now() - timedelta(hours=1)).timestamp() * 1000)},
        "data": {"metrics": {"score": 0.9}, "tags": {"plumbline.threshold.score": "1e1000000"}},
    }

    refused(push(ci, project, payload, fmt="mlflow"), "PLUMBLINE_NUMBER_MAX")


def test_a_body_over_the_size_limit_is_refused_naming_the_limit(ci, project, settings):
    settings.PLUMBLINE_PUSH_MAX_BYTES = 2000
    payload = plumbline([{"name": "score", "value": 0.5}]) | {
        "prompt_version": "p" * 190,
        "run_url": "https://x/" + "a" * 1900,
    }

    refused(push(ci, project, payload), "PLUMBLINE_PUSH_MAX_BYTES")


def test_a_push_within_the_caps_is_stored(ci, project, settings):
    settings.PLUMBLINE_PUSH_MAX_METRICS = 50
    metrics = [{"name": f"m{i}", "value": i / 100, "threshold": 0.1} for i in range(50)]

    response = push(ci, project, plumbline(metrics))

    assert response.status_code == 201, response.content
    assert len(PushedEvaluation.objects.get().metrics) == 50


def test_the_caps_are_in_the_openapi_description(client, member):
    client.force_login(member)

    schema = client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/projects/{slug}/evidence/"]["post"]
    assert "PLUMBLINE_PUSH_MAX_METRICS" in operation["description"]
    assert "PLUMBLINE_PUSH_MAX_BYTES" in operation["description"]
