"""API tokens: stored hashed, found by hash, refused once revoked or expired, last use recorded."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_raw_token_is_never_stored(member):
    token, raw = services.token_create(user=member, name="script")

    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in str(stored)
    assert stored["key_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(stored["prefix"])


def test_a_token_authenticates_by_its_hash(client, member):
    _, raw = services.token_create(user=member, name="script")

    response = client.get("/api/v1/me", **bearer(raw))

    assert response.status_code == 200 and response.json()["username"] == "member"


def test_it_rejects_bad_token(client, member):
    response = client.get("/api/v1/me", **bearer("plb_not-a-real-token"))

    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid, expired or revoked API token."


def test_a_revoked_token_gets_401(client, member):
    token, raw = services.token_create(user=member, name="script")
    services.token_revoke(token=token, actor=member)

    assert client.get("/api/v1/me", **bearer(raw)).status_code == 401


def test_an_expired_token_gets_401(client, member):
    token, raw = services.token_create(user=member, name="script", expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get("/api/v1/me", **bearer(raw)).status_code == 401


def test_last_used_time_is_recorded(client, member):
    token, raw = services.token_create(user=member, name="script")

    client.get("/api/v1/me", **bearer(raw))

    token.refresh_from_db()
    assert token.last_used_at is not None and timezone.now() - token.last_used_at < timedelta(minutes=1)


def test_api_create_returns_the_raw_token_once(client, member):
    client.force_login(member)
    created = client.post("/api/v1/tokens/", {"name": "ci", "scope": "read"}, content_type="application/json")
    listed = client.get("/api/v1/tokens/")

    assert created.status_code == 201 and created.json()["token"].startswith("plb_")
    assert "token" not in listed.json()["results"][0]


def test_revoke_through_the_api_makes_the_token_fail(client, member):
    token, raw = services.token_create(user=member, name="script")
    client.force_login(member)

    assert client.post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 200
    client.logout()
    assert client.get("/api/v1/me", **bearer(raw)).status_code == 401


def test_users_cannot_revoke_others_tokens(client, member, outsider):
    token, _ = services.token_create(user=member, name="script")
    client.force_login(outsider)

    assert client.delete(f"/api/v1/tokens/{token.pk}/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_read_token_cannot_write(client, member, project):
    _, raw = services.token_create(user=member, name="script", scope="read")

    response = client.patch(
        "/api/v1/projects/docs-qa/", {"description": "x"}, content_type="application/json", **bearer(raw)
    )

    assert response.status_code == 403


def test_project_scoped_token_sees_only_its_project(client, member, project):
    ProjectFactory(team=project.team, slug="other", name="Other")
    _, raw = services.token_create(user=member, name="scoped", scope="write", project=project)

    listing = client.get("/api/v1/projects/", **bearer(raw)).json()

    assert [p["slug"] for p in listing["results"]] == ["docs-qa"]
    assert client.get("/api/v1/projects/other/", **bearer(raw)).status_code == 404


def test_ci_token_needs_a_project(member):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.token_create(user=member, name="ci", scope="ci")


def test_token_page_shows_the_raw_value_once(client, member):
    client.force_login(member)

    created = client.post("/tokens/", {"name": "laptop", "scope": "read"})
    listed = client.get("/tokens/")

    raw = created.context["raw_token"]
    assert raw in created.content.decode() and raw not in listed.content.decode()


def test_token_page_revoke(client, member):
    token, _ = services.token_create(user=member, name="script")
    client.force_login(member)

    client.post(f"/tokens/{token.pk}/revoke/")

    token.refresh_from_db()
    assert token.revoked_at is not None


def test_ci_token_is_refused_by_inventory_endpoints(client, member, project):
    _, raw = services.token_create(user=member, name="ci", scope="ci", project=project)

    assert client.get("/api/v1/projects/docs-qa/", **bearer(raw)).status_code == 403
    assert client.get("/api/v1/me", **bearer(raw)).json()["token"]["scope"] == "ci"


def test_scoped_write_token_cannot_add_components_to_another_project(client, member, project):
    ProjectFactory(team=project.team, slug="other", name="Other")
    _, raw = services.token_create(user=member, name="scoped", scope="write", project=project)

    response = client.post(
        "/api/v1/components/",
        {"project": "other", "kind": "prompt_set", "name": "P"},
        content_type="application/json",
        **bearer(raw),
    )

    assert response.status_code == 403
