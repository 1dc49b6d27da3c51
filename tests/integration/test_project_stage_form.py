"""The project form offers no stage move the gate refuses; it names what is held back and why instead (issue #16:
"Move to Production" was offered when the gate refused it, and only the save said no)."""

import re

import pytest
from django.urls import reverse

from tests.factories import make_gate_ready

pytestmark = pytest.mark.django_db


def stage_options(html):
    select = re.search(r'<select name="stage"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', select)


def test_the_project_form_offers_no_stage_the_gate_refuses_and_says_why(client, project, member):
    client.force_login(member)
    html = client.get(reverse("registry:project-edit", args=[project.slug])).content.decode()
    assert stage_options(html) == ["idea", "retired"]
    assert "Not offered until the stage gate allows them: Proof of concept, Pilot, Production." in html
    assert "Missing: no approved impact assessment." in html


def test_the_project_form_offers_the_move_the_gate_allows(client, project, member):
    make_gate_ready(project)
    client.force_login(member)
    html = client.get(reverse("registry:project-edit", args=[project.slug])).content.decode()
    assert stage_options(html)[:2] == ["idea", "poc"]


def test_moving_back_is_always_offered(client, project, member):
    project.__class__.objects.filter(pk=project.pk).update(stage="pilot")
    client.force_login(member)
    html = client.get(reverse("registry:project-edit", args=[project.slug])).content.decode()
    assert {"idea", "poc", "pilot", "retired"} <= set(stage_options(html))
