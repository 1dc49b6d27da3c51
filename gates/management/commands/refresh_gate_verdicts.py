"""Compute and store every active project's gate verdicts now (e.g. right after upgrading, instead of lazily)."""

from django.core.management.base import BaseCommand

from gates.services import verdicts_refresh_all


class Command(BaseCommand):
    help = "Recompute and store the gate verdicts of every active project (history records the cause)."

    def add_arguments(self, parser):
        parser.add_argument("--cause", default="Recomputed by manage.py refresh_gate_verdicts")

    def handle(self, *args, cause, **options):
        count = verdicts_refresh_all(cause=cause)
        self.stdout.write(f"Stored the gate verdicts of {count} projects.")
