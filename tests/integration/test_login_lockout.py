"""Password guessing is stopped: after five wrong passwords a username is locked out from that address, even with
the right password, while other people and other addresses log in as usual; an admin unlocks at once."""

import pytest
from django.core.management import call_command

from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory


def log_in(client, username, password, address="203.0.113.7", **headers):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def fail_five_times(client, username, address="203.0.113.7", **headers):
    statuses = [log_in(client, username, "wrong-guess", address, **headers).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429], "the fifth wrong password locks the username from that address"


def test_the_right_password_is_refused_after_five_wrong_ones(client):
    make_user(username="maria")
    fail_five_times(client, "maria")

    response = log_in(client, "maria", PASSWORD)

    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_holds_only_for_that_username_from_that_address(client):
    make_user(username="maria")
    make_user(username="tomas")
    fail_five_times(client, "maria")

    assert log_in(client, "tomas", PASSWORD).status_code == 302
    client.logout()
    assert log_in(client, "maria", PASSWORD, address="198.51.100.20").status_code == 302


def test_a_success_resets_the_count(client):
    make_user(username="maria")
    for _ in range(4):
        log_in(client, "maria", "wrong-guess")
    assert log_in(client, "maria", PASSWORD).status_code == 302
    client.logout()

    for _ in range(4):
        log_in(client, "maria", "wrong-guess")
    assert log_in(client, "maria", PASSWORD).status_code == 302


def test_an_admin_unlocks_a_username_at_once(client):
    make_user(username="maria")
    fail_five_times(client, "maria")

    call_command("axes_reset_username", "maria", verbosity=0)

    assert log_in(client, "maria", PASSWORD).status_code == 302


def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw(client, settings):
    """Every request comes from the proxy: locking by its address would lock everybody out together."""
    settings.BEHIND_TLS_PROXY = True
    make_user(username="maria")
    proxy = "10.0.0.2"
    fail_five_times(client, "maria", proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")

    from_elsewhere = log_in(client, "maria", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="198.51.100.20")
    client.logout()
    spoofed = log_in(client, "maria", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="198.51.100.20, 203.0.113.7")

    assert from_elsewhere.status_code == 302
    assert spoofed.status_code == 429, "a client-supplied X-Forwarded-For entry must not escape the lockout"
