"""A server error shows a page that says what happened and that saved work is safe, without a traceback."""

import pytest
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as plumbline_urlpatterns

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def broken_view(request):
    raise RuntimeError("database exploded: secret-internal-detail")


urlpatterns = [path("broken/", broken_view), path("api/v1/broken/", broken_view), *plumbline_urlpatterns]
handler500 = "config.api.server_error"


def test_a_server_error_shows_the_plumbline_error_page_without_details(settings, member):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(member)

    response = client.get("/broken/")

    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in body and "Nothing you saved before is lost" in body
    assert "secret-internal-detail" not in body and "Traceback" not in body


def test_a_server_error_in_the_api_answers_json_in_the_shared_error_shape(settings, member):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(member)

    response = client.get("/api/v1/broken/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("Server error") and response.json()["errors"] == {}
    assert "secret-internal-detail" not in response.content.decode()


def test_an_unknown_page_shows_the_not_found_page(client, member):
    client.force_login(member)

    response = client.get("/projects/no-such-project/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_the_debug_error_page_hides_urls_keys_tokens_passwords_and_the_proxy(settings, member, monkeypatch):
    """The DEBUG page (the demo) once showed ``EMAIL_URL`` with its password to any signed-in user."""
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = True
    settings.PLUMBLINE_CONNECTOR_PROXY = "http://egress:proxy-pw-1@proxy.internal:3128"
    settings.SOME_SERVICE_URL = "https://svc:svc-pw-2@svc.internal/"
    settings.UPSTREAM_KEY_ID = "key-id-3"
    monkeypatch.setenv("EMAIL_URL", "smtp://mailer:mail-pw-4@mail.example:587")
    client = Client(raise_request_exception=False)
    client.force_login(member)

    response = client.get(
        "/broken/",
        EMAIL_URL="smtp://mailer:mail-pw-4@mail.example:587",
        DATABASE_URL="postgres://plumbline:db-pw-5@db:5432/plumbline",
        PLUMBLINE_SECRET_TOKEN="tok-6",
        HTTP_X_FORWARDED_FOR="10.0.0.1",
    )

    body = response.content.decode()
    assert response.status_code == 500 and "database exploded" in body  # the technical page itself
    for secret in ("proxy-pw-1", "svc-pw-2", "key-id-3", "mail-pw-4", "db-pw-5", "tok-6"):
        assert secret not in body
    assert "EMAIL_URL" in body and "PLUMBLINE_CONNECTOR_PROXY" in body  # named, value hidden
