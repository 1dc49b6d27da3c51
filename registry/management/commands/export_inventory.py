from django.core.management.base import BaseCommand

from registry import exporters, selectors


class Command(BaseCommand):
    help = "Write the active inventory (projects with components, no secrets) to stdout as CSV or YAML."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "yaml"], default="yaml")
        parser.add_argument("--include-archived", action="store_true")

    def handle(self, *args, format, include_archived, **options):
        projects = selectors.project_list().prefetch_related("components").order_by("slug")
        if not include_archived:
            projects = projects.active()
        export = exporters.export_csv if format == "csv" else exporters.export_yaml
        self.stdout.write(export(projects), ending="")
