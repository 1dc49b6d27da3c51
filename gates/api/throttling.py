"""A rate limit per API token, so one busy (or runaway) pipeline cannot starve the others."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.permissions import token_of


class ApiTokenRateThrottle(SimpleRateThrottle):
    """Keyed on the token id (never the client address: CI runners share addresses). Sessions are not limited.

    The rate comes from ``settings.PLUMBLINE_TOKEN_RATE`` (e.g. ``"600/min"``); DRF answers 429 with
    ``Retry-After`` when it is exceeded.
    """

    scope = "api_token"

    def get_rate(self):
        return settings.PLUMBLINE_TOKEN_RATE

    def get_cache_key(self, request, view):
        token = token_of(request)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}
