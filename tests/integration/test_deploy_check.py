"""Production settings pass Django's deployment checks, warnings included (what `make prod` runs first)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_", "DEBUG", "ALLOWED_HOSTS", "STATICFILES"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="k" * 20 + "production-like-secret-key-with-enough-entropy-0123456789",
        ALLOWED_HOSTS="plumbline.example.com",
        DATABASE_URL="postgres://plumbline@db.example.com:5432/plumbline",
        CELERY_BROKER_URL="redis://redis.example.com:6379/0",
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
