"""Benchmarks run Django against a throw-away database: SQLite in var/bench, or DATABASE_URL if set."""

import os

import django


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    django.setup()


def run_in_test_db(measure):
    """Django set up, then ``measure()`` against a test database created for it and destroyed afterwards."""
    setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return measure()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
