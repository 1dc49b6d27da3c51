"""Signed webhooks, against a real HTTP server on loopback that checks every signature it receives.

Events come from the real workflows (assessment submit/review, a CI result turning fail, the beat tasks for
expiring evidence and assessments); delivery runs in-process (no broker: Celery eager), retries included.
"""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import services as assessment_services
from connectors import services as connector_services
from connectors.base import CheckOutcome
from tests.factories import COMPLETE_MATURITY_ANSWERS, GATE_READY_CHECKS, make_check_result, make_gate_ready
from tests.integration.servers import QuietJsonHandler
from webhooks.events import EXAMPLE_DATA
from webhooks.models import Delivery, Endpoint

pytest_plugins = ["tests.integration.servers"]
pytestmark = [
    pytest.mark.usefixtures("one_reviewer_policy", "eager_celery"),
    pytest.mark.integration,
    pytest.mark.django_db,
]


def verify(secret: str, header: str, body: bytes) -> bool:
    """The receiver's check, as docs/webhooks.md shows it (written apart from Plumbline's own code)."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(time.time() - int(fields["t"])) < 300 and hmac.compare_digest(expected, fields["v1"])


class Receiver:
    """What arrived (headers and body of each POST), answering the next status of ``statuses`` (then 200)."""

    def __init__(self):
        self.requests, self.statuses, self.lock = [], [], threading.Lock()
        receiver = self

        class Handler(QuietJsonHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.requests.append({"headers": dict(self.headers), "body": body, "at": time.monotonic()})
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_json(status, b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/plumbline"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self):
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def receiver(loopback_allowed):
    server = Receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def api(member):
    client = APIClient()
    client.force_login(member)
    return client


def register(api, url, **extra):
    response = api.post(reverse("api-webhooks"), {"team": "search", "url": url, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def store_ci(project, state):
    return connector_services.project_result_store(
        project=project,
        outcome=CheckOutcome("ci.eval_results_recent", state, f"evaluation {state}"),
        ttl=timedelta(days=7),
        checked_at=timezone.now(),
    )


def test_each_event_is_delivered_once_with_a_signature_that_verifies(
    api, receiver, project, member, reviewer, assessment_questionnaires, django_capture_on_commit_callbacks
):
    secret = register(api, receiver.url)["secret"]
    maturity = assessment_services.assessment_start(project=project, kind="maturity", actor=member)
    for qid, value in COMPLETE_MATURITY_ANSWERS.items():
        assessment_services.answer_save(
            assessment=maturity, question_id=qid, value=value, expected_version=0, actor=member
        )
    with django_capture_on_commit_callbacks(execute=True):
        assessment_services.assessment_submit(assessment=maturity, actor=member)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_services.assessment_review(assessment=maturity, reviewer=reviewer, decision="approved")
    again = assessment_services.assessment_reopen(assessment=maturity, actor=member)
    assessment_services.assessment_submit(assessment=again, actor=member)
    with django_capture_on_commit_callbacks(execute=True):
        assessment_services.assessment_review(
            assessment=again, reviewer=reviewer, decision="returned", comment="Say who owns monitoring."
        )
    make_gate_ready(
        project, checks=(*GATE_READY_CHECKS, "vectorstore.index_fresh", "vectorstore.chunk_source_metadata")
    )
    with django_capture_on_commit_callbacks(execute=True):
        store_ci(project, "pass")  # the production gate opens: gate.verdict_changed
    with django_capture_on_commit_callbacks(execute=True):
        store_ci(project, "fail")  # check.failed, and the gate closes again
    make_check_result(project, "git.architecture_doc_present", ttl_hours=1)
    type(maturity).objects.filter(project=project, kind="risk").update(expires_at=timezone.now() + timedelta(days=3))
    for _ in range(2):  # the beat runs again: nothing is sent twice
        with django_capture_on_commit_callbacks(execute=True):
            connector_services.refresh_expiring(within=timedelta(hours=2))
        with django_capture_on_commit_callbacks(execute=True):
            assessment_services.reassessment_reminders_send()

    received = receiver.events()
    names = sorted(e["event"] for e in received)
    assert names.count("gate.verdict_changed") >= 2
    assert {n for n in names if n != "gate.verdict_changed"} == {
        "check.failed",
        "assessment.submitted",
        "assessment.approved",
        "assessment.returned",
        "evidence.expiring",
        "assessment.expiring",
    }
    once = [n for n in names if n != "gate.verdict_changed"]
    assert sorted(once) == sorted(set(once)), "an event was delivered twice"
    assert len({e["id"] for e in received}) == len(received)
    for request in receiver.requests:
        assert verify(secret, request["headers"]["Plumbline-Signature"], request["body"])
        assert not verify("whsec_wrong", request["headers"]["Plumbline-Signature"], request["body"])
    for body in received:  # the documented schema (GET /api/v1/webhooks/events/, docs/webhooks.md) is what is sent
        assert set(body) == {"event", "id", "schema", "occurred_at", "project", "data"}
        assert set(body["data"]) == set(EXAMPLE_DATA[body["event"]]), body["event"]
    by_name = {e["event"]: e for e in received}
    assert by_name["check.failed"]["data"]["check_id"] == "ci.eval_results_recent"
    assert by_name["check.failed"]["project"] == {
        "slug": "docs-qa",
        "name": "Docs Q&A",
        "team": "search",
        "url": "http://127.0.0.1:8000/projects/docs-qa/",
    }
    opened = next(
        e
        for e in received
        if e["event"] == "gate.verdict_changed" and e["data"]["stage"] == "production" and e["data"]["after"]["allowed"]
    )
    assert opened["data"]["stage"] == "production" and opened["data"]["before"]["allowed"] is False
    assert by_name["assessment.returned"]["data"]["comment"] == "Say who owns monitoring."
    assert by_name["evidence.expiring"]["data"]["check_id"] == "git.architecture_doc_present"
    assert Delivery.objects.filter(status="delivered").count() == len(received)


def test_a_failing_receiver_gets_retries_with_back_off_and_the_log_shows_them(
    api, receiver, project, settings, django_capture_on_commit_callbacks
):
    settings.PLUMBLINE_WEBHOOK_MAX_ATTEMPTS = 4
    settings.PLUMBLINE_WEBHOOK_BACKOFF = 10
    settings.PLUMBLINE_WEBHOOK_BACKOFF_MAX = 25
    endpoint = register(api, receiver.url, events=["check.failed"])
    receiver.statuses = [500] * 10
    store_ci(project, "pass")

    with django_capture_on_commit_callbacks(execute=True):
        store_ci(project, "fail")

    assert len(receiver.requests) == 4
    assert len({json.loads(r["body"])["id"] for r in receiver.requests}) == 1  # the same event each time
    log = api.get(reverse("api-webhook-deliveries", args=[endpoint["id"]])).json()["results"]
    assert len(log) == 1 and log[0]["status"] == "failed"
    attempts = [(a["number"], a["status_code"], a["retry_in_seconds"]) for a in log[0]["attempts"]]
    assert attempts == [(1, 500, 10), (2, 500, 20), (3, 500, 25), (4, 500, None)]
    assert log[0]["attempts"][0]["error"] == "The receiver answered HTTP 500."

    receiver.statuses = []
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(reverse("api-webhook-redeliver", args=[endpoint["id"], log[0]["id"]]))
    assert response.status_code == 202
    log = api.get(reverse("api-webhook-deliveries", args=[endpoint["id"]])).json()["results"]
    assert log[0]["status"] == "delivered"
    assert log[0]["attempts"][-1] | {"started_at": None, "duration_ms": None} == {
        "number": 5,
        "manual": True,
        "started_at": None,
        "status_code": 200,
        "duration_ms": None,
        "error": "",
        "retry_in_seconds": None,
    }
    assert receiver.events()[-1]["id"] == receiver.events()[0]["id"]


def test_a_receiver_refusing_the_request_is_not_retried(api, receiver, project, django_capture_on_commit_callbacks):
    register(api, receiver.url, events=["check.failed"])
    receiver.statuses = [410]
    store_ci(project, "pass")
    with django_capture_on_commit_callbacks(execute=True):
        store_ci(project, "fail")
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().status == "failed"


def test_the_delivery_log_page_lists_attempts_and_redelivers(
    client, member, receiver, api, project, django_capture_on_commit_callbacks
):
    endpoint = register(api, receiver.url, events=["check.failed"])
    receiver.statuses = [503] * 10
    store_ci(project, "pass")
    with django_capture_on_commit_callbacks(execute=True):
        store_ci(project, "fail")
    client.force_login(member)
    page = client.get(reverse("webhooks:endpoint-detail", args=[endpoint["id"]])).content.decode()
    assert "HTTP 503" in page and "next try in 30 s" in page and "Failed" in page

    receiver.statuses = []
    delivery = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("webhooks:delivery-redeliver", args=[endpoint["id"], delivery.pk]))
    page = client.get(reverse("webhooks:endpoint-detail", args=[endpoint["id"]])).content.decode()
    assert "(by hand): HTTP 200" in page and "Delivered" in page


def test_a_slack_endpoint_gets_a_slack_message(api, receiver, project, django_capture_on_commit_callbacks):
    register(api, receiver.url, format="slack", events=["check.failed"])
    store_ci(project, "pass")
    with django_capture_on_commit_callbacks(execute=True):
        store_ci(project, "fail")
    message = receiver.events()[0]
    assert message["text"] == "Docs Q&amp;A: check ci.eval_results_recent fails on CI push: evaluation fail"
    assert message["blocks"][0] == {"type": "section", "text": {"type": "mrkdwn", "text": message["text"]}}


def test_the_secret_is_shown_once_and_stored_encrypted_with_the_full_address(api, receiver, client, member):
    """A Slack incoming-webhook URL is a secret too: pages and the API show its host and first segment only."""
    slack_like = receiver.url + "/T0001/B0002/xoxb-planted-secret"
    created = register(api, slack_like)
    secret = created["secret"]
    endpoint = Endpoint.objects.get()
    assert secret.startswith("whsec_") and secret not in endpoint.encrypted_secret
    assert "planted" not in endpoint.encrypted_secret and "planted" not in endpoint.url
    assert created["url"] == receiver.url.rsplit("/", 1)[0] + "/…"
    assert "secret" not in api.get(reverse("api-webhook", args=[created["id"]])).json()
    shown = [
        api.get(reverse("api-webhooks")).content.decode(),
        api.get(reverse("api-webhook", args=[created["id"]])).content.decode(),
    ]
    client.force_login(member)
    shown += [
        client.get(reverse("webhooks:endpoint-detail", args=[endpoint.pk])).content.decode(),
        client.get(reverse("webhooks:endpoint-list")).content.decode(),
    ]
    for text in shown:
        assert secret not in text and "planted" not in text


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://93.184.216.34/hook", "Use an https:// address"),
        ("https://169.254.169.254/latest", "resolves to the internal address 169.254.169.254"),
        ("https://user:pw@93.184.216.34/hook", "Do not put credentials in the URL"),
        ("ftp://93.184.216.34/hook", "Use an https:// address"),
    ],
)
def test_an_address_the_connector_policy_refuses_is_a_field_error(api, url, message, settings):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = []
    response = api.post(reverse("api-webhooks"), {"team": "search", "url": url}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"} and message in body["errors"]["url"][0]
    assert not Endpoint.objects.exists()


def test_loopback_is_refused_unless_connector_settings_allow_it(api, settings):
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = []
    response = api.post(reverse("api-webhooks"), {"team": "search", "url": "https://127.0.0.1:9/x"}, format="json")
    assert response.status_code == 400 and "internal address 127.0.0.1" in response.json()["errors"]["url"][0]
    settings.PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = ["127.0.0.1"]
    assert api.post(reverse("api-webhooks"), {"team": "search", "url": "http://127.0.0.1:9/x"}).status_code == 201


def test_a_member_cannot_add_a_webhook_for_another_team_nor_read_its_log(api, other_team, outsider, receiver):
    response = api.post(reverse("api-webhooks"), {"team": other_team.slug, "url": receiver.url}, format="json")
    assert response.status_code == 403
    theirs = APIClient()
    theirs.force_login(outsider)
    mine = register(api, receiver.url)
    assert theirs.get(reverse("api-webhook-deliveries", args=[mine["id"]])).status_code == 404
    assert theirs.delete(reverse("api-webhook", args=[mine["id"]])).status_code == 404
    assert Endpoint.objects.filter(pk=mine["id"]).exists()


def test_the_event_catalogue_documents_every_event_with_a_body_that_matches_what_is_sent(api):
    catalogue = api.get(reverse("api-webhook-events")).json()
    assert [e["event"] for e in catalogue] == [
        "gate.verdict_changed",
        "assessment.submitted",
        "assessment.approved",
        "assessment.returned",
        "check.failed",
        "evidence.expiring",
        "assessment.expiring",
    ]
    for entry in catalogue:
        assert set(entry["example"]) == {"event", "id", "schema", "occurred_at", "project", "data"}
        assert set(entry["example"]["project"]) == {"slug", "name", "team", "url"}


def test_the_admin_site_shows_webhooks_and_their_log_to_admins_without_the_secret(
    client, admin_user, api, receiver, project
):
    admin_user.is_staff = True
    admin_user.save()
    created = register(api, receiver.url + "/T1/B2/xoxb-planted")
    delivery = Delivery.objects.create(
        endpoint_id=created["id"],
        project=project,
        event="check.failed",
        event_id="7b0c4f7e-2a55-4a7e-9a57-0c0f5c3b9e11",
        dedupe_key="admin",
        body="{}",
    )
    client.force_login(admin_user)
    pages = [
        client.get(f"/admin/webhooks/endpoint/{created['id']}/change/"),
        client.get(f"/admin/webhooks/delivery/{delivery.pk}/change/"),
        client.get("/admin/webhooks/endpoint/"),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert created["secret"] not in text and "planted" not in text
