from django.core.management.base import BaseCommand, CommandError

from frameworks import catalog


class Command(BaseCommand):
    help = "Validate framework crosswalk YAML files (default: the shipped ones); prints file:line:col: field: message."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help=f"files or directories (default: {catalog.DATA_DIR})")

    def handle(self, *args, paths, **options):
        reports = catalog.validate(paths or None)
        if not reports:
            raise CommandError("No framework files found: pass .yaml files or a directory holding them.")
        problems = [p for r in reports for p in r.problems]
        for problem in problems:
            self.stdout.write(str(problem))
        if problems:
            bad = len({p.file for p in problems})
            raise CommandError(f"{len(problems)} problem(s) in {bad} of {len(reports)} file(s).", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"{len(reports)} framework file(s) valid."))
