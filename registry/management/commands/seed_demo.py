import importlib

from django.core.management.base import BaseCommand

from registry.demo import seed_inventory

# Other apps' demo seeds, run in this order when the app provides them.
# Evidence comes before assessments so that submitted maturity assessments record claimed vs verified levels.
LATER_SEEDS = [
    ("connectors.demo", "seed_evidence"),
    ("assessments.demo", "seed_assessments"),
    ("gates.demo", "seed_gates"),
]


class Command(BaseCommand):
    help = "Load the demo portfolio (teams, users, projects, then assessments, evidence and gates). Idempotent."

    def handle(self, *args, **options):
        created = seed_inventory()
        self.stdout.write(f"Inventory: {created} new demo project(s).")
        for module_name, function_name in LATER_SEEDS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            getattr(module, function_name)()
            self.stdout.write(f"{module_name}.{function_name}: done.")
