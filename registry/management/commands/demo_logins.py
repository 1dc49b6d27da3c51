import importlib

from django.conf import settings
from django.core.management.base import BaseCommand

from registry.demo import DEMO_PASSWORD, USERS


class Command(BaseCommand):
    help = "Print the demo URL and one login per role."

    def handle(self, *args, **options):
        self.stdout.write(f"\nPlumbline demo: {settings.SITE_URL}/  (password for every demo user: {DEMO_PASSWORD})\n")
        for username, _first, _last, role, teams in USERS:
            team = f" of {', '.join(teams)}" if teams else ""
            self.stdout.write(f"  {role.label + team:<34} {username}")
        self.stdout.write("")
        for module_name in ("gates.demo", "connectors.demo"):
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            for line in getattr(module, "demo_notes", list)():
                self.stdout.write(line)
        self.stdout.write("")
