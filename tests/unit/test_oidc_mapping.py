"""How identity-provider claims become a Plumbline role and teams (accounts.oidc.OidcMapping), and the settings that
refuse a mapping nobody could sign in with."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.test import override_settings

from accounts.oidc import OidcMapping

MAPPING = OidcMapping(
    role_map=(("gov-admins", "admin"), ("gov-reviewers", "reviewer"), ("readers", "viewer")),
    team_claim="teams",
)


def test_the_highest_mapped_role_wins_whatever_the_order_of_groups():
    assert MAPPING.role({"groups": ["readers", "gov-admins", "gov-reviewers"]}) == "admin"
    assert MAPPING.role({"groups": "readers gov-reviewers"}) == "reviewer"


def test_no_mapped_group_gives_the_default_role_or_none_when_the_default_is_none():
    assert MAPPING.role({"groups": ["staff"]}) == "member"
    assert OidcMapping(default_role="none").role({"groups": ["staff"]}) is None


def test_teams_are_left_alone_unless_a_team_claim_is_configured():
    assert OidcMapping().team_slugs({"teams": ["search"]}) is None
    assert MAPPING.team_slugs({"teams": ["search", "search", "fraud"]}) == ["fraud", "search"]
    mapped = OidcMapping(team_claim="groups", team_map=(("cn=search-eng", "search"),))
    assert mapped.team_slugs({"groups": ["cn=search-eng", "cn=other"]}) == ["search"]


def test_a_claim_of_the_wrong_shape_maps_to_nothing():
    assert MAPPING.role({"groups": {"gov-admins": True}}) == "member"
    assert MAPPING.username({"preferred_username": ["x" * 200]}) == "x" * 150
    assert MAPPING.username({}) == ""


def test_a_role_map_naming_an_unknown_role_stops_the_start():
    with override_settings(PLUMBLINE_OIDC_ROLE_MAP={"gov-admins": "adminn"}):
        errors = [error for error in run_checks() if error.id == "plumbline.E010"]
    assert errors and "adminn" in errors[0].msg


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"OIDC_RP_CLIENT_ID": "plumbline"}, "also needs OIDC_RP_CLIENT_SECRET, OIDC_OP_AUTHORIZATION_ENDPOINT"),
        ({"PLUMBLINE_LOCAL_LOGIN": "false"}, "PLUMBLINE_LOCAL_LOGIN=false needs single sign-on"),
    ],
)
def test_settings_that_would_lock_everyone_out_are_refused_at_start(environment, message):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env={"PATH": "/usr/bin:/bin", "PLUMBLINE_ENV": "development", **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.django_db
def test_with_passwords_off_a_password_post_is_refused_and_password_change_is_gone(client, member):
    with override_settings(PLUMBLINE_LOCAL_LOGIN=False, OIDC_ENABLED=True):
        response = client.post("/login/", {"username": member.username, "password": "pw-for-tests-1"})
        assert response.status_code == 403
        assert "_auth_user_id" not in client.session
        client.force_login(member)
        assert client.get("/password/").status_code == 404


@pytest.mark.django_db
def test_single_sign_on_pages_answer_404_while_it_is_off(client):
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404
