"""Settings for the gate benchmark's gunicorn server only: the test settings plus a bench-only URLconf that adds a
bare DRF endpoint (the baseline), and a per-token rate high enough not to throttle the load. Never used in production.
"""

from config.test_settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.gate_urls"
PLUMBLINE_TOKEN_RATE = "100000000/min"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
