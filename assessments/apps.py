from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self):
        from connectors import capabilities

        from .selectors import risk_tier

        capabilities.set_risk_tier_source(risk_tier)  # evaluations.tiers judges by the project's risk tier
