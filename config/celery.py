"""The Celery application.

Without ``CELERY_BROKER_URL`` tasks run in-process (eager), so the demo and the fast tests need no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("plumbline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
