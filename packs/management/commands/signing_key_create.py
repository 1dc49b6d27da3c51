"""``manage.py signing_key_create [PATH]``: a new Ed25519 signing key for evidence packs (rotation: docs)."""

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from packs import signing


class Command(BaseCommand):
    help = "Create an Ed25519 signing key (PEM, owner-only) and print its key id and public key; never overwrites."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="where to write it (default: PLUMBLINE_SIGNING_KEY)")

    def handle(self, *args, path=None, **options):
        target = Path(path or settings.PLUMBLINE_SIGNING_KEY)
        if target.exists():
            raise CommandError(f"{target} exists; choose a new path (keys are never overwritten).")
        signing.generate(target)
        key = serialization.load_pem_private_key(target.read_bytes(), password=None).public_key()
        self.stdout.write(f"Wrote {target} (key id {signing.key_id(key)}). Public key:\n{signing.public_pem(key)}")
