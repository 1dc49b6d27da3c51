from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.importers import import_files


class Command(BaseCommand):
    help = "Import projects from Plumbline CSV/YAML or Backstage catalog-info.yaml files, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check the files and report; import nothing.")

    def handle(self, *args, paths, dry_run, **options):
        files = []
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: no such file.")
            files.append((str(path), path.read_bytes()))
        result = import_files(files, dry_run=dry_run)
        for warning in result.warnings:
            self.stderr.write(f"skipped: {warning}")
        if not result.ok:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(result.errors)} problem(s) found; nothing was imported.")
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(f"{verb} {result.summary()}.")
