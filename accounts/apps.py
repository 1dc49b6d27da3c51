from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and API tokens"

    def ready(self):
        from . import checks, schema  # noqa: F401  (registers the SSO mapping check and the OpenAPI token auth)
