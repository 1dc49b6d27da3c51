from django.core.management.base import BaseCommand

from connectors.demo import stop_mlflow_server


class Command(BaseCommand):
    help = "Stop the demo's MLflow server (`make demo` runs this when it stops)."

    def handle(self, *args, **options):
        pid = stop_mlflow_server()
        self.stdout.write(f"Stopped the demo MLflow server (pid {pid})." if pid else "No demo MLflow server running.")
