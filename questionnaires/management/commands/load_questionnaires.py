from django.core.management.base import BaseCommand, CommandError

from questionnaires.services import QuestionnaireLoadError, questionnaire_load_definition
from questionnaires.validation import definition_files, validate_file

from ._paths import DEFINITIONS_DIR


class Command(BaseCommand):
    help = "Validate, then load questionnaire files as immutable versions (same content twice is a no-op)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help=f"files or directories (default: {DEFINITIONS_DIR})")

    def handle(self, *args, paths, **options):
        files = definition_files(paths or [DEFINITIONS_DIR])
        reports = [validate_file(f) for f in files]
        problems = [p for r in reports for p in r.problems]
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"Nothing loaded: fix the {len(problems)} problem(s) above first.", returncode=1)
        refused = []
        for report in reports:
            try:
                outcome = questionnaire_load_definition(definition=report.definition, source_path=report.file)
            except QuestionnaireLoadError as exc:
                refused.append(str(exc))
                self.stderr.write(f"{report.file}: {exc}")
                continue
            v = outcome.version
            state = "loaded" if outcome.created else "unchanged"
            self.stdout.write(f"{state}: {v.slug} {v.version} ({v.content_hash[:12]}) from {report.file}")
        if refused:
            raise CommandError(f"{len(refused)} file(s) refused; see above.", returncode=1)
