"""schemathesis over the whole OpenAPI schema, through the real Django WSGI app, authenticated with a token.

The schema is generated from the URL conf at collection time, so endpoints other apps add later are covered
without touching this file. Checks: every check schemathesis has (no server error, every status code and
response documented and matching its schema, invalid data refused, valid data accepted, ...).
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from accounts import services as account_services
from accounts.models import User
from registry import services
from tests.factories import TeamFactory, make_user

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.xdist_group("api-schema")]

# Valid data may still be refused with 400 where no schema can tell: a reference to an object that does not exist
# (a team or project slug), a slug already taken, a business rule. Every other check runs as schemathesis ships it.
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "3xx", 400, 401, 403, 404, 409, 429]}}}
)
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True), config=CONFIG)
schema.app = get_wsgi_application()


@pytest.fixture
def wsgi_in_test_transaction():
    """Keep the WSGI handler from closing the connection holding the test transaction, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, wsgi_in_test_transaction):
    """An admin's write token, and a little inventory for the endpoints to find."""
    team = TeamFactory(name="Search", slug="search")
    admin = make_user(User.Role.ADMIN, username="schema-admin", teams=[team])
    project = services.project_create(actor=admin, name="Docs Q&A", slug="docs-qa", team=team, tags=["rag"])
    services.component_create(
        actor=admin, project=project, kind="vector_store", name="Vectors", secrets={"api_key": "sk-x"}
    )
    _, raw = account_services.token_create(user=admin, name="schemathesis", scope="write")
    return raw


# In the suite the examples are derived from the schema, not drawn at random, so CI gives the same answer on the
# same code; ``make fuzz`` explores at random with many more examples (how the NUL-character 500 was found).
EXPLORE = os.environ.get("PLUMBLINE_FUZZ_EXPLORE", "") == "1"
load_all_checks()
ALL_CHECKS = CHECKS.get_all()


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("PLUMBLINE_FUZZ_EXAMPLES", "8")),
    derandomize=not EXPLORE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=ALL_CHECKS,
    )


def test_the_token_reaches_the_api_through_the_wsgi_app(token):
    """Guards the fuzzing above: it must run authenticated, not collect 401s."""
    response = schema["/api/v1/me"]["GET"].Case().call(headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200 and response.json()["username"] == "schema-admin"
