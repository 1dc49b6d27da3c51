from django.core.management.base import BaseCommand, CommandError

from questionnaires.validation import definition_files, validate_file

from ._paths import DEFINITIONS_DIR


class Command(BaseCommand):
    help = "Validate questionnaire YAML files (default: the shipped ones); prints file:line:col: field: message."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help=f"files or directories (default: {DEFINITIONS_DIR})")

    def handle(self, *args, paths, **options):
        files = definition_files(paths or [DEFINITIONS_DIR])
        if not files:
            raise CommandError("No questionnaire files found: pass .yaml files or a directory holding them.")
        problems = [p for f in files for p in validate_file(f).problems]
        for problem in problems:
            self.stdout.write(str(problem))
        if problems:
            bad = len({p.file for p in problems})
            raise CommandError(f"{len(problems)} problem(s) in {bad} of {len(files)} file(s).", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"{len(files)} questionnaire file(s) valid."))
