from django.apps import AppConfig
from django.db.models.signals import post_save


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "LLM project inventory"

    def ready(self):
        from accounts.signals import user_changed

        from .audit import record_questionnaire_load, record_user_change

        user_changed.connect(record_user_change, dispatch_uid="registry.audit.record_user_change")

        post_save.connect(
            record_questionnaire_load,
            sender="questionnaires.QuestionnaireVersion",
            dispatch_uid="registry.audit.record_questionnaire_load",
        )
