"""Settings for the test suite: production settings with the network-facing hardening relaxed.

Everything else (login required, CSRF, hashed tokens) stays exactly as in production.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghijklmnop")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("ALLOWED_HOSTS", "*")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")

from config.settings import *  # noqa: F403
from config.settings import VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"
# A key of the test run's own, made on first use (production refuses to generate one).
PLUMBLINE_SIGNING_KEY = VAR_DIR / "test-signing-key.pem"
PLUMBLINE_SIGNING_KEY_GENERATE = True
CELERY_TASK_EAGER_PROPAGATES = True
# The connector tests build git repositories and vector stores in pytest's temporary folders.
PLUMBLINE_LOCAL_SOURCE_ROOTS = [tempfile.gettempdir()]

# WhiteNoise warns on every request when the collected-static directory is missing; tests never collect.
(VAR_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)
