"""Every role × every inventory/accounts page and endpoint: allowed or refused, with the status a user sees.

Roles: admin, reviewer, member of the project's team, member of another team, viewer, anonymous.
Pages answer anonymous users with a redirect to the login page; the API answers 401 in JSON.
"""

import uuid

import pytest

from registry.models import Component
from tests.factories import ComponentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

ROLES = ["admin", "reviewer", "member", "outsider", "viewer", "anonymous"]
FIXTURES = {"admin": "admin_user"}
LOGIN = "login"  # anonymous on a page: redirected to the login page
OK, FOUND, CREATED, GONE = 200, 302, 201, 204


def row(admin, reviewer, member, outsider, viewer, anonymous):
    return dict(zip(ROLES, (admin, reviewer, member, outsider, viewer, anonymous), strict=True))


READ_PAGE = row(OK, OK, OK, OK, OK, LOGIN)
EDIT_PAGE = row(OK, 403, OK, 403, 403, LOGIN)
CREATE_PAGE = row(OK, 403, OK, OK, 403, LOGIN)

PAGES = [
    ("GET", "/", row(FOUND, FOUND, FOUND, FOUND, FOUND, LOGIN)),
    ("GET", "/projects/", READ_PAGE),
    ("GET", "/projects/export.csv", READ_PAGE),
    ("GET", "/projects/export.yaml", READ_PAGE),
    ("GET", "/projects/docs-qa/", READ_PAGE),
    ("GET", "/projects/new/", CREATE_PAGE),
    ("GET", "/projects/docs-qa/edit/", EDIT_PAGE),
    ("POST", "/projects/docs-qa/archive/", row(FOUND, 403, FOUND, 403, 403, LOGIN)),
    ("POST", "/projects/docs-qa/restore/", row(FOUND, 403, FOUND, 403, 403, LOGIN)),
    ("GET", "/projects/docs-qa/components/new/", EDIT_PAGE),
    ("GET", "/projects/docs-qa/components/{component}/edit/", EDIT_PAGE),
    ("GET", "/projects/docs-qa/components/{component}/delete/", EDIT_PAGE),
    ("POST", "/projects/docs-qa/components/{component}/delete/", row(FOUND, 403, FOUND, 403, 403, LOGIN)),
    ("GET", "/teams/", READ_PAGE),
    ("GET", "/teams/search/", READ_PAGE),
    ("GET", "/tokens/", READ_PAGE),
    ("GET", "/import/", CREATE_PAGE),
]

API_READ = row(OK, OK, OK, OK, OK, 401)
API = [
    ("GET", "/api/v1/projects/", None, API_READ),
    ("GET", "/api/v1/projects/docs-qa/", None, API_READ),
    ("GET", "/api/v1/projects/docs-qa/history/", None, API_READ),
    (
        "POST",
        "/api/v1/projects/",
        {"name": "New", "slug": "new", "team": "search"},
        row(CREATED, 403, CREATED, 400, 403, 401),
    ),
    ("PATCH", "/api/v1/projects/docs-qa/", {"description": "Changed"}, row(OK, 403, OK, 403, 403, 401)),
    ("POST", "/api/v1/projects/docs-qa/archive/", None, row(OK, 403, OK, 403, 403, 401)),
    ("POST", "/api/v1/projects/docs-qa/restore/", None, row(OK, 403, OK, 403, 403, 401)),
    ("GET", "/api/v1/teams/", None, API_READ),
    ("GET", "/api/v1/teams/search/", None, API_READ),
    ("POST", "/api/v1/teams/", {"name": "Legal", "slug": "legal"}, row(CREATED, 403, 403, 403, 403, 401)),
    ("PATCH", "/api/v1/teams/search/", {"description": "x"}, row(OK, 403, 403, 403, 403, 401)),
    ("GET", "/api/v1/components/", None, API_READ),
    ("GET", "/api/v1/components/{component}/", None, API_READ),
    (
        "POST",
        "/api/v1/components/",
        {
            "project": "docs-qa",
            "kind": "code_repository",
            "name": "repo",
            "attributes": {"url": "https://x.example/r.git"},
        },
        row(CREATED, 403, CREATED, 403, 403, 401),
    ),
    ("PATCH", "/api/v1/components/{component}/", {"description": "x"}, row(OK, 403, OK, 403, 403, 401)),
    ("DELETE", "/api/v1/components/{component}/", None, row(GONE, 403, GONE, 403, 403, 401)),
    ("GET", "/api/v1/tokens/", None, API_READ),
    (
        "POST",
        "/api/v1/tokens/",
        {"name": "script", "scope": "read"},
        row(CREATED, CREATED, CREATED, CREATED, CREATED, 401),
    ),
    ("GET", "/api/v1/me", None, API_READ),
]


@pytest.fixture
def as_role(client, request):
    def login(role):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(FIXTURES.get(role, role)))
        return client

    return login


@pytest.fixture
def component(project):
    return ComponentFactory(project=project, name="Endpoint")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "expected"), PAGES, ids=[f"{m} {u}" for m, u, _ in PAGES])
def test_page_access(as_role, role, method, url, expected, component):
    response = getattr(as_role(role), method.lower())(url.format(component=component.pk))
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    else:
        assert response.status_code == want


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "body", "expected"), API, ids=[f"{m} {u}" for m, u, _, _ in API])
def test_api_access(
    as_role, role, method, url, body, expected, project, component, outsider, admin_user, reviewer, viewer
):
    response = getattr(as_role(role), method.lower())(
        url.format(component=component.pk), data=body, content_type="application/json"
    )
    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert set(response.json()) == {"detail", "errors"}


@pytest.mark.parametrize("role", ["reviewer", "outsider", "viewer"])
def test_refused_page_posts_change_nothing(as_role, role, project, component):
    as_role(role).post(f"/projects/docs-qa/components/{component.pk}/delete/")
    as_role(role).post("/projects/docs-qa/archive/")
    project.refresh_from_db()
    assert Component.objects.filter(pk=component.pk).exists()
    assert project.archived_at is None


@pytest.mark.parametrize("role", ROLES)
def test_admin_site_user_list_is_for_admins_only(as_role, role, admin_user, reviewer, member, outsider, viewer):
    if role not in ("anonymous", "admin"):
        user = {"reviewer": reviewer, "member": member, "outsider": outsider, "viewer": viewer}[role]
        user.is_staff = True  # even with the staff flag, the role decides
        user.save()
    elif role == "admin":
        admin_user.is_staff = True
        admin_user.save()
    response = as_role(role).get("/admin/accounts/user/")
    if role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if role == "admin" else 403)


@pytest.mark.parametrize(("role", "expected"), [("member", 302), ("outsider", 403), ("viewer", 403), ("admin", 302)])
def test_admin_site_project_change_follows_team_rules(
    as_role, role, expected, project, admin_user, member, outsider, viewer
):
    user = {"member": member, "outsider": outsider, "viewer": viewer, "admin": admin_user}[role]
    user.is_staff = True
    user.save()
    url = f"/admin/registry/project/{project.pk}/change/"
    data = {
        "name": "Docs Q&A renamed",
        "slug": "docs-qa",
        "team": project.team_id,
        "archetype": "knowledge_qa",
        "llm_usage": "foundation_api",
        "exposure": "internal",
        "stage": "idea",
        "regions": "[]",
        "links": "[]",
        "components-TOTAL_FORMS": "0",
        "components-INITIAL_FORMS": "0",
    }
    response = as_role(role).post(url, data)
    assert response.status_code == expected
    project.refresh_from_db()
    assert (project.name == "Docs Q&A renamed") == (expected == 302)


def test_admin_user_page_edits_role_and_teams_and_token_page_hides_secrets(client, admin_user, member):
    from accounts import services

    admin_user.is_staff = True
    admin_user.save()
    token, raw = services.token_create(user=member, name="script")
    client.force_login(admin_user)

    user_page = client.get(f"/admin/accounts/user/{member.pk}/change/").content.decode()
    token_page = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()

    assert 'name="role"' in user_page and "Teams (members edit their teams" in user_page
    assert raw not in token_page and token.key_hash not in token_page


# Webhooks: a team's members and admins manage its webhooks; nobody else sees them (404, not a hint they exist).
NOT_FOUND = 404
TEAM_ONLY_PAGE = row(OK, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND, LOGIN)
WEBHOOK_PAGES = [
    ("GET", "/webhooks/", READ_PAGE),
    ("GET", "/webhooks/{webhook}/", TEAM_ONLY_PAGE),
    ("POST", "/webhooks/{webhook}/deliveries/{delivery}/redeliver/", row(FOUND, 404, FOUND, 404, 404, LOGIN)),
    ("POST", "/webhooks/{webhook}/delete/", row(FOUND, 404, FOUND, 404, 404, LOGIN)),
]
WEBHOOK_API = [
    ("GET", "/api/v1/webhooks/", None, API_READ),
    (
        "POST",
        "/api/v1/webhooks/",
        {"team": "search", "url": "https://93.184.216.34/hook"},
        row(CREATED, 403, CREATED, 403, 403, 401),
    ),
    ("GET", "/api/v1/webhooks/{webhook}/", None, row(OK, 404, OK, 404, 404, 401)),
    ("GET", "/api/v1/webhooks/{webhook}/deliveries/", None, row(OK, 404, OK, 404, 404, 401)),
    ("POST", "/api/v1/webhooks/{webhook}/deliveries/{delivery}/redeliver/", None, row(202, 404, 202, 404, 404, 401)),
    ("DELETE", "/api/v1/webhooks/{webhook}/", None, row(GONE, 404, GONE, 404, 404, 401)),
]


@pytest.fixture
def webhook(project, member):
    from webhooks import services as webhook_services
    from webhooks.models import Delivery

    endpoint, _secret = webhook_services.endpoint_create(
        actor=member, team=project.team, url="https://93.184.216.34/hook"
    )
    delivery = Delivery.objects.create(
        endpoint=endpoint, project=project, event="check.failed", event_id=uuid.uuid4(), dedupe_key="k", body="{}"
    )
    return {"webhook": endpoint.pk, "delivery": delivery.pk}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "expected"), WEBHOOK_PAGES, ids=[f"{m} {u}" for m, u, _ in WEBHOOK_PAGES])
def test_webhook_page_access(as_role, role, method, url, expected, webhook, admin_user, reviewer, outsider, viewer):
    response = getattr(as_role(role), method.lower())(url.format(**webhook))
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    else:
        assert response.status_code == want


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "body", "expected"), WEBHOOK_API, ids=[f"{m} {u}" for m, u, _, _ in WEBHOOK_API]
)
def test_webhook_api_access(
    as_role, role, method, url, body, expected, webhook, admin_user, reviewer, outsider, viewer
):
    response = getattr(as_role(role), method.lower())(url.format(**webhook), data=body, content_type="application/json")
    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert set(response.json()) == {"detail", "errors"}
