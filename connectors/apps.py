from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "connectors"
    verbose_name = "Evidence connectors"

    def ready(self):
        from questionnaires.hooks import register_known_checks
        from registry.hooks import register_connector_hooks

        from .validation import component_connector_errors, connectors_described, known_check_ids

        register_connector_hooks(validate=component_connector_errors, describe=connectors_described)
        register_known_checks(known_check_ids)
