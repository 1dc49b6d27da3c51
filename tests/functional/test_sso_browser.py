"""Single sign-on end to end: Chromium signs in at a real OpenID Connect provider (panva's oidc-provider under
Node, started here on loopback), and Plumbline creates or updates the user with the role and teams its claims map to."""

import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest
from django.test import override_settings

from accounts.models import ExternalIdentity, User
from registry.models import ChangeRecord
from tests.factories import TeamFactory, make_user
from tests.integration.servers import free_port, stop, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.needs_server, pytest.mark.django_db(transaction=True)]

PROVIDER_JS = Path(__file__).resolve().parents[1] / "oidc" / "provider.mjs"
CLIENT_ID = "plumbline-tests"
CLIENT_SECRET = "oidc-client-secret-5b9e"  # planted: must never reach a page


@pytest.fixture
def identity_provider(live_server, tmp_path):
    """Start the provider with the people ``accounts`` names; yields a function that (re)starts it with them."""
    processes = []

    def start(accounts: dict) -> str:
        port = free_port()
        env = {
            **os.environ,
            "PORT": str(port),
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
            "REDIRECT_URI": f"{live_server.url}/oidc/callback/",
            "PLUMBLINE_TEST_OIDC_ACCOUNTS": json.dumps(accounts),
        }
        log = open(tmp_path / f"provider-{port}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(["node", str(PROVIDER_JS)], env=env, stdout=log, stderr=subprocess.STDOUT)
        processes.append((process, log))
        issuer = f"http://127.0.0.1:{port}"
        wait_until(
            lambda: httpx.get(f"{issuer}/.well-known/openid-configuration").status_code == 200,
            timeout=20,
            what="oidc-provider",
        )
        return issuer

    yield start
    for process, log in processes:
        stop(process)
        log.close()


def sso_settings(issuer, **extra):
    return override_settings(
        OIDC_ENABLED=True,
        OIDC_RP_CLIENT_ID=CLIENT_ID,
        OIDC_RP_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_OP_ISSUER=issuer,
        OIDC_OP_AUTHORIZATION_ENDPOINT=f"{issuer}/auth",
        OIDC_OP_TOKEN_ENDPOINT=f"{issuer}/token",
        OIDC_OP_USER_ENDPOINT=f"{issuer}/me",
        OIDC_OP_JWKS_ENDPOINT=f"{issuer}/jwks",
        OIDC_RP_SCOPES="openid email profile groups",
        PLUMBLINE_OIDC_PROVIDER_NAME="Acme ID",
        PLUMBLINE_OIDC_ROLE_MAP={"plumbline-admins": "admin", "plumbline-reviewers": "reviewer"},
        PLUMBLINE_OIDC_TEAM_CLAIM="teams",
        AUTHENTICATION_BACKENDS=[
            "axes.backends.AxesStandaloneBackend",
            "django.contrib.auth.backends.ModelBackend",
            "accounts.oidc.PlumblineOIDCBackend",
        ],
        **extra,
    )


def sign_in_at_provider(page, login_name):
    page.goto("/login/")
    page.get_by_role("link", name="Sign in with Acme ID").click()
    page.locator("input[name=login]").fill(login_name)
    page.locator("input[name=password]").fill("any password the provider accepts")
    page.locator("button[type=submit]").click()
    page.wait_for_load_state()
    if "/interaction/" in page.url:  # the provider's consent page
        page.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_first_sign_in_creates_the_user_with_the_mapped_role_and_teams(identity_provider, page):
    fraud = TeamFactory(name="Fraud analytics", slug="fraud-analytics")
    TeamFactory(name="Search", slug="search")
    issuer = identity_provider(
        {
            "idp-7f3a": {
                "preferred_username": "alice",
                "email": "alice@example.com",
                "given_name": "Alice",
                "family_name": "Ng",
                "groups": ["staff", "plumbline-reviewers"],
                "teams": ["fraud-analytics", "no-such-team"],
            }
        }
    )
    with sso_settings(issuer):
        sign_in_at_provider(page, "idp-7f3a")

        assert "/login/" not in page.url, page.content()[:2000]
        assert "Alice Ng" in page.content()
        assert CLIENT_SECRET not in page.content()
    alice = User.objects.get(username="alice")
    assert alice.role == User.Role.REVIEWER
    assert alice.email == "alice@example.com"
    assert list(alice.teams.all()) == [fraud]
    assert not alice.has_usable_password()
    assert ExternalIdentity.objects.get(user=alice).subject == "idp-7f3a"
    assert ChangeRecord.objects.filter(object_type="user", object_id=str(alice.pk)).exists()


def test_a_provisioned_user_is_linked_and_kept_in_step_with_the_claims(identity_provider, page):
    old_team = TeamFactory(name="Old team", slug="old-team")
    search = TeamFactory(name="Search", slug="search")
    bob = make_user(username="bob", role=User.Role.MEMBER, teams=[old_team], first_name="Bob", last_name="Ray")
    issuer = identity_provider(
        {
            "idp-b0b": {
                "preferred_username": "bob",
                "email": "bob@example.com",
                "groups": ["plumbline-admins"],
                "teams": ["search"],
            }
        }
    )
    with sso_settings(issuer):
        sign_in_at_provider(page, "idp-b0b")
        assert "/login/" not in page.url

    bob.refresh_from_db()
    assert bob.role == User.Role.ADMIN
    assert list(bob.teams.all()) == [search]
    assert User.objects.filter(username="bob").count() == 1
    change = ChangeRecord.objects.filter(object_type="user", object_id=str(bob.pk)).latest("pk")
    assert change.changes["role"] == ["member", "admin"]
    assert change.changes["teams"] == [["Old team"], ["Search"]]


def test_a_deactivated_user_stays_out_and_is_told_why(identity_provider, page):
    carol = make_user(username="carol", is_active=False)
    issuer = identity_provider({"idp-ca": {"preferred_username": "carol", "email": "carol@example.com", "groups": []}})
    with sso_settings(issuer):
        sign_in_at_provider(page, "idp-ca")

        assert "/login/" in page.url
        assert page.get_by_role("alert").inner_text().startswith("Single sign-on did not complete")
    carol.refresh_from_db()
    assert not carol.is_active


def test_a_person_with_no_mapped_role_is_refused_when_the_default_is_none(identity_provider, page):
    issuer = identity_provider(
        {"idp-d": {"preferred_username": "dave", "email": "dave@example.com", "groups": ["staff"]}}
    )
    with sso_settings(issuer, PLUMBLINE_OIDC_DEFAULT_ROLE="none"):
        sign_in_at_provider(page, "idp-d")

        assert "/login/" in page.url
        assert "did not complete" in page.get_by_role("alert").inner_text()
    assert not User.objects.filter(username="dave").exists()


def test_with_passwords_off_the_login_page_offers_only_single_sign_on(identity_provider, page, member):
    issuer = identity_provider({})
    with sso_settings(issuer, PLUMBLINE_LOCAL_LOGIN=False):
        page.goto("/login/")
        assert page.get_by_role("link", name="Sign in with Acme ID").is_visible()
        assert page.get_by_label("Password").count() == 0


def test_the_login_page_with_single_sign_on_has_no_serious_accessibility_violation(
    identity_provider, page, axe_violations
):
    issuer = identity_provider({})
    with sso_settings(issuer):
        page.goto("/login/?sso=failed")
        assert axe_violations(page) == []


def test_oidc_discover_prints_the_settings_from_the_providers_discovery_document(identity_provider):
    from io import StringIO

    from django.core.management import call_command

    issuer = identity_provider({})
    out = StringIO()
    call_command("oidc_discover", issuer, stdout=out)

    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines())
    assert lines["OIDC_OP_AUTHORIZATION_ENDPOINT"] == f"{issuer}/auth"
    assert lines["OIDC_OP_JWKS_ENDPOINT"] == f"{issuer}/jwks"
    assert lines["OIDC_OP_USER_ENDPOINT"] == f"{issuer}/me"
