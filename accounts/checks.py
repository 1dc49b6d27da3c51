"""System checks of the single sign-on mapping: a typo in a role name must stop the start, not quietly sign admins in
as members."""

from django.conf import settings
from django.core.checks import Error, register

from .oidc import validate_mapping_settings


@register()
def oidc_mapping(app_configs, **kwargs):
    try:
        validate_mapping_settings(
            role_map=settings.PLUMBLINE_OIDC_ROLE_MAP, default_role=settings.PLUMBLINE_OIDC_DEFAULT_ROLE
        )
    except ValueError as error:
        return [Error(str(error), id="plumbline.E010")]
    return []
