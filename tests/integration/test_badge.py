"""The README badge: public only when the owner enabled it, cacheable, and it says level and production status."""

import pytest
from django.urls import reverse

from tests.factories import make_gate_ready

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_a_private_badge_is_404_for_anonymous_visitors(client, project):
    assert client.get(reverse("gates:project-badge", args=[project.slug])).status_code == 404


def test_a_private_badge_is_shown_to_signed_in_users_without_shared_caching(client, project, viewer):
    client.force_login(viewer)
    response = client.get(reverse("gates:project-badge", args=[project.slug]))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


def test_a_public_badge_shows_level_and_production_status_and_is_cacheable(client, project):
    project.badge_public = True
    project.save()
    make_gate_ready(project)
    response = client.get(reverse("gates:project-badge", args=[project.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    svg = response.content.decode()
    assert svg.startswith("<svg") and "L2 · production blocked" in svg


def test_an_unknown_project_badge_is_404(client):
    assert client.get("/badges/nope.svg").status_code == 404
