"""The per-token rate limit holds across server processes, as it must behind gunicorn's workers or several hosts.

With the Redis broker configured, the cache defaults to that Redis; before, each process counted on its own and a
"600/min" limit really allowed 600 per worker. A second Django process (a real subprocess on the same PostgreSQL
test database and the same Redis) answers after this one has spent the budget.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import token_create

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
RATE = "3/min"


def requests_from_another_process(url, raw, count, cache_key_prefix):
    """Status codes of ``count`` gate requests made by a separate Django process."""
    database = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.test_settings",
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        CACHE_KEY_PREFIX=cache_key_prefix,
        PLUMBLINE_TOKEN_RATE=RATE,
    )
    code = (
        "from django.test import Client\n"
        "client = Client()\n"
        f"print(' '.join(str(client.get({url!r}, HTTP_AUTHORIZATION={'Bearer ' + raw!r}).status_code) "
        f"for _ in range({count})))\n"
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return [int(code) for code in done.stdout.split()[-count:]]


def test_a_second_process_sees_the_requests_the_first_one_counted(project, member, settings, cache_key_prefix):
    settings.PLUMBLINE_TOKEN_RATE = RATE
    _, raw = token_create(user=member, name="CI", scope=ApiToken.Scope.CI, project=project)
    url = f"/api/v1/projects/{project.slug}/gate?stage=production"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    here = [client.get(url).status_code for _ in range(2)]
    there = requests_from_another_process(url, raw, 2, cache_key_prefix)

    assert here == [200, 200]
    assert there == [200, 429], "the other process must count this one's requests against the same limit"
