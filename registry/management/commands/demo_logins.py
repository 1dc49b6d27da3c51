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
