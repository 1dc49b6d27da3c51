"""Benchmarks run Django against a throw-away database: SQLite in var/bench, or DATABASE_URL if set."""

import os

import django


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    django.setup()
