import importlib
import os
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

# Apps that prepare something slow before the rest (the MLflow server boots meanwhile), when they provide it.
PREPARES = [("connectors.demo", "demo_prepare")]


class Command(BaseCommand):
    help = "Set up the demo in one process (one start-up instead of four): migrate, seed, print the logins."

    def step(self, text):
        started = float(os.environ.get("PLUMBLINE_T0") or self.started)
        self.stdout.write(f"==> [{time.time() - started:4.0f}s] {text}")

    def handle(self, *args, **options):
        self.started = time.time()
        for module_name, function_name in PREPARES:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            getattr(module, function_name)()
        self.step("Migrating the SQLite database in var/")
        call_command("migrate", interactive=False, verbosity=0)
        self.step("Loading the questionnaires")
        call_command("load_questionnaires")
        self.step("Seeding the demo portfolio and its evidence (git repositories, Qdrant, Chroma, an MLflow server)")
        call_command("seed_demo")
        call_command("demo_logins")
