"""Every role × every inventory/accounts page and endpoint: allowed or refused, with the status a user sees.

Roles: admin, reviewer, member of the project's team, member of another team, viewer, anonymous.
Pages answer anonymous users with a redirect to the login page; the API answers 401 in JSON.
"""

import uuid

import pytest
from django.conf import settings

from accounts.models import User
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
    ("GET", "/projects/docs-qa/packs/ml-bom.cdx.json", READ_PAGE),
    ("GET", "/projects/docs-qa/packs/evidence.zip", READ_PAGE),
    ("GET", "/packs/portfolio/ml-bom.cdx.json", READ_PAGE),
    # Public keys are public by design: whoever holds a pack checks it without an account.
    ("GET", "/.well-known/plumbline-signing-key.pem", row(OK, OK, OK, OK, OK, OK)),
    ("GET", "/.well-known/plumbline-signing-keys.json", row(OK, OK, OK, OK, OK, OK)),
    ("GET", "/projects/docs-qa/frameworks/", READ_PAGE),
    ("GET", "/projects/docs-qa/frameworks/owasp-llm-2025/", READ_PAGE),
    ("GET", "/reports/projects/docs-qa/frameworks/owasp-llm-2025.csv", READ_PAGE),
    ("GET", "/reports/projects/docs-qa/frameworks/owasp-llm-2025.json", READ_PAGE),
    ("GET", "/frameworks/portfolio/", READ_PAGE),
    ("POST", "/frameworks/portfolio/", row(FOUND, FOUND, 403, 403, 403, LOGIN)),
]

API_READ = row(OK, OK, OK, OK, OK, 401)


def chroma_with(extra):
    settings_ = {"location": "https://chroma.example.com", "collection": "docs", **extra}
    return {
        "project": "docs-qa",
        "kind": "vector_store",
        "name": "v",
        "connector": "chroma",
        "connector_settings": settings_,
    }


def git_at(path):
    return {
        "project": "docs-qa",
        "kind": "code_repository",
        "name": "r",
        "connector": "git",
        "connector_settings": {"location": path},
    }


API = [
    ("GET", "/api/v1/projects/", None, API_READ),
    ("GET", "/api/v1/projects/docs-qa/", None, API_READ),
    ("GET", "/api/v1/projects/docs-qa/history/", None, API_READ),
    ("GET", "/api/v1/projects/docs-qa/frameworks/", None, API_READ),
    ("GET", "/api/v1/projects/docs-qa/frameworks/iso42001-2023/", None, API_READ),
    ("GET", "/api/v1/projects/docs-qa/frameworks/owasp-llm-2025/oscal/", None, API_READ),
    ("GET", "/api/v1/reports/framework-reports/docs-qa/owasp-llm-2025/csv/", None, API_READ),
    ("GET", "/api/v1/portfolio/frameworks/", None, API_READ),
    ("POST", "/api/v1/portfolio/frameworks/", None, row(CREATED, CREATED, 403, 403, 403, 401)),
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
    # Connector secrets from env vars: only allow-listed names, never Plumbline's own settings, admin or not.
    ("POST", "/api/v1/components/", chroma_with({"token_env": "SECRET_KEY"}), row(400, 403, 400, 403, 403, 401)),
    ("POST", "/api/v1/components/", chroma_with({"token_env": "DATABASE_URL"}), row(400, 403, 400, 403, 403, 401)),
    ("POST", "/api/v1/components/", chroma_with({"token_env": "HOME"}), row(400, 403, 400, 403, 403, 401)),
    (
        "POST",
        "/api/v1/components/",
        chroma_with({"token_env": "PLUMBLINE_SECRET_CHROMA"}),
        row(CREATED, 403, CREATED, 403, 403, 401),
    ),
    (
        "PATCH",
        "/api/v1/components/{component}/",
        {"connector": "chroma", "connector_settings": chroma_with({"token_env": "SECRET_KEY"})["connector_settings"]},
        row(400, 403, 400, 403, 403, 401),
    ),
    # Local paths: only under PLUMBLINE_LOCAL_SOURCE_ROOTS, never the server's own folders, admin or not.
    ("POST", "/api/v1/components/", git_at("/etc"), row(400, 403, 400, 403, 403, 401)),
    ("POST", "/api/v1/components/", git_at(str(settings.BASE_DIR)), row(400, 403, 400, 403, 403, 401)),
    ("POST", "/api/v1/components/", git_at("/tmp/../etc"), row(400, 403, 400, 403, 403, 401)),
    ("DELETE", "/api/v1/components/{component}/", None, row(GONE, 403, GONE, 403, 403, 401)),
    ("GET", "/api/v1/tokens/", None, API_READ),
    (
        "POST",
        "/api/v1/tokens/",
        {"name": "script", "scope": "read"},
        row(CREATED, CREATED, CREATED, CREATED, CREATED, 401),
    ),
    ("GET", "/api/v1/me", None, API_READ),
    ("GET", "/api/v1/users/", None, ADMIN_ONLY := row(OK, 403, 403, 403, 403, 401)),
    ("GET", "/api/v1/users/viewer/", None, ADMIN_ONLY),
    (
        "POST",
        "/api/v1/users/",
        {"username": "new.person", "email": "new@example.com", "role": "member", "teams": ["search"]},
        row(CREATED, 403, 403, 403, 403, 401),
    ),
    ("PATCH", "/api/v1/users/viewer/", {"role": "reviewer", "teams": ["support"]}, ADMIN_ONLY),
    ("GET", "/api/v1/projects/docs-qa/ml-bom", None, API_READ),
    ("GET", "/api/v1/projects/docs-qa/evidence-pack", None, API_READ),
    ("GET", "/api/v1/portfolio/ml-bom", None, API_READ),
    ("GET", "/api/v1/signing-keys/", None, API_READ),
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


# --- The stage gate has no side door: whatever creates or edits a project, a stage past the first passes the gate.

NEW_AT_PRODUCTION = {"name": "Shortcut", "slug": "shortcut", "team": "search", "stage": "production"}
GATE_REASON = "Missing: no approved impact assessment."


@pytest.mark.parametrize("role", ["admin", "member"])
def test_api_create_at_a_gated_stage_is_refused_by_the_gate(as_role, role, team, member):
    response = as_role(role).post("/api/v1/projects/", NEW_AT_PRODUCTION, content_type="application/json")

    assert response.status_code == 409, response.content
    assert set(response.json()) == {"detail", "errors"}
    assert GATE_REASON in response.json()["errors"]["stage"]
    from registry.models import Project

    assert not Project.objects.filter(slug="shortcut").exists()


@pytest.mark.parametrize("role", ["admin", "member"])
def test_form_create_at_a_gated_stage_is_a_field_error_naming_the_gate(as_role, role, team, member):
    response = as_role(role).post(
        "/projects/new/",
        {"name": "Shortcut", "slug": "shortcut", "team": team.pk, "archetype": "chatbot",
         "llm_usage": "foundation_api", "exposure": "internal", "stage": "production"},
    )  # fmt: skip

    assert response.status_code == 400
    assert GATE_REASON in response.context["form"].errors["stage"]
    from registry.models import Project

    assert not Project.objects.filter(slug="shortcut").exists()


@pytest.mark.parametrize("role", ["admin", "member"])
def test_import_at_a_gated_stage_is_an_import_error_naming_the_gate(as_role, role, team, member):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from registry.models import Project

    upload = SimpleUploadedFile("inventory.csv", b"slug,name,team,stage\nshortcut,Shortcut,search,pilot\n")
    response = as_role(role).post("/import/", {"files": upload})

    assert response.status_code == 400
    assert f"inventory.csv:2: stage: {GATE_REASON}" in response.content.decode()
    assert not Project.objects.filter(slug="shortcut").exists()


def test_create_at_a_stage_the_gate_allows_goes_through_the_gate_and_says_so(as_role, team, member):
    from gates.services import policy_create
    from registry.models import ChangeRecord, Project

    policy = policy_create(rules={"format": 1, "stages": {}}, note="No requirements", actor=None)
    response = as_role("member").post("/api/v1/projects/", NEW_AT_PRODUCTION, content_type="application/json")

    assert response.status_code == 201, response.content
    project = Project.objects.get(slug="shortcut")
    assert project.stage == "production"
    move = project.changes.get(action=ChangeRecord.Action.STAGE)
    assert move.changes == {"stage": ["idea", "production"]} and move.note == f"Gate policy v{policy.version}"


@pytest.mark.parametrize("role", ["admin", "member"])
def test_admin_site_shows_the_stage_read_only_and_never_changes_it(as_role, role, project, admin_user, member):
    user = {"member": member, "admin": admin_user}[role]
    user.is_staff = True
    user.save()
    client = as_role(role)
    url = f"/admin/registry/project/{project.pk}/change/"
    data = {
        "name": "Docs Q&A", "slug": "docs-qa", "team": project.team_id, "archetype": "knowledge_qa",
        "llm_usage": "foundation_api", "exposure": "internal", "stage": "production", "regions": "[]",
        "links": "[]", "components-TOTAL_FORMS": "0", "components-INITIAL_FORMS": "0",
    }  # fmt: skip

    assert 'name="stage"' not in client.get(url).content.decode()
    client.post(url, data)
    client.post("/admin/registry/project/add/", {**data, "name": "Added", "slug": "added"})

    from registry.models import Project

    project.refresh_from_db()
    assert project.stage == "idea"
    assert Project.objects.get(slug="added").stage == "idea"


# --- Provisioning users and team memberships (admin only, audited) ---


def test_an_admin_provisions_a_user_with_role_and_teams_and_it_is_audited(client, admin_user, team):
    from registry.models import ChangeRecord

    client.force_login(admin_user)
    response = client.post(
        "/api/v1/users/",
        {"username": "ana", "email": "ana@example.com", "first_name": "Ana", "role": "reviewer", "teams": ["search"]},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    ana = User.objects.get(username="ana")
    assert (ana.role, [t.slug for t in ana.teams.all()], ana.has_usable_password()) == ("reviewer", ["search"], False)
    record = ChangeRecord.objects.get(object_type="user", object_id=str(ana.pk))
    assert (record.action, record.actor, record.changes["role"], record.changes["teams"]) == (
        "create",
        admin_user,
        [None, "reviewer"],
        [None, ["Search"]],
    )


def test_changing_role_and_teams_is_audited_with_before_and_after(client, admin_user, member, other_team):
    from registry.models import ChangeRecord

    client.force_login(admin_user)
    response = client.patch(
        "/api/v1/users/member/", {"role": "viewer", "teams": ["support"]}, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["teams"] == ["support"]
    record = ChangeRecord.objects.get(object_type="user", object_id=str(member.pk), action="update")
    assert record.changes == {"role": ["member", "viewer"], "teams": [["Search"], ["Support"]]}


def test_deactivating_a_user_revokes_their_tokens_for_good_and_ends_their_sessions(client, admin_user, member):
    from django.test import Client

    from accounts import services
    from accounts.models import ApiToken

    token, raw = services.token_create(user=member, name="script")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    session = Client()
    session.force_login(member)
    client.force_login(admin_user)

    assert (
        client.patch("/api/v1/users/member/", {"is_active": False}, content_type="application/json").json()["is_active"]
        is False
    )
    assert session.get("/api/v1/me").status_code in (401, 403)
    client.patch("/api/v1/users/member/", {"is_active": True}, content_type="application/json")

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.objects.active().filter(user=member).count() == 0
    client.logout()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_deactivating_in_the_admin_site_revokes_tokens_too(client, admin_user, member):
    from accounts import services

    token, _ = services.token_create(user=member, name="script")
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    page = client.get(f"/admin/accounts/user/{member.pk}/change/")
    initial = page.context["adminform"].form.initial
    form = {k: v for k, v in initial.items() if v is not None and not isinstance(v, list)}
    form.update(
        {
            "username": "member",
            "role": "member",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "Team_members-TOTAL_FORMS": "0",
            "Team_members-INITIAL_FORMS": "0",
        }
    )
    form.pop("is_active", None)

    response = client.post(f"/admin/accounts/user/{member.pk}/change/", form)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    member.refresh_from_db()
    token.refresh_from_db()
    assert member.is_active is False and token.revoked_at is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "member", "role": "member"}, "username"),
        ({"username": "x", "role": "owner"}, "role"),
        ({"username": "x", "teams": ["no-such-team"]}, "teams"),
        ({"username": "x", "email": "not-an-email"}, "email"),
        ({"username": "bad name!"}, "username"),
    ],
)
def test_bad_provisioning_input_is_a_400_naming_the_field_and_creates_nothing(client, admin_user, member, body, field):
    client.force_login(admin_user)
    users = User.objects.count()

    response = client.post("/api/v1/users/", body, content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"} and field in response.json()["errors"]
    assert User.objects.count() == users


def test_an_admin_cannot_deactivate_themselves(client, admin_user):
    client.force_login(admin_user)

    response = client.patch("/api/v1/users/admin/", {"is_active": False}, content_type="application/json")

    assert response.status_code == 400 and "is_active" in response.json()["errors"]
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_a_read_token_of_an_admin_cannot_provision(client, admin_user):
    from accounts import services

    _, raw = services.token_create(user=admin_user, name="ro")
    response = client.post(
        "/api/v1/users/", {"username": "x"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 403


def test_team_membership_changes_through_the_teams_api_are_audited(client, admin_user, team, member, viewer):
    from registry.models import ChangeRecord

    client.force_login(admin_user)
    response = client.patch("/api/v1/teams/search/", {"members": ["viewer"]}, content_type="application/json")

    assert response.status_code == 200, response.content
    record = ChangeRecord.objects.get(object_type="team", object_id=str(team.pk))
    assert (record.action, record.actor, record.changes) == (
        "update",
        admin_user,
        {"members": [[str(member)], [str(viewer)]]},
    )


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
