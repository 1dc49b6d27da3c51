"""What Django's DEBUG error page may show: settings, environment and local variables with secrets hidden.

The demo runs with DEBUG on, and its error page once showed ``EMAIL_URL`` with the SMTP password to any signed-in
user: Django hides settings whose names contain KEY, TOKEN, PASS, SECRET, but not URLs, which in a 12-factor
deployment carry passwords (``EMAIL_URL``, ``DATABASE_URL``, ``CELERY_BROKER_URL``, the connector proxy). This
filter hides every ``*_URL``, ``*KEY*``, ``*TOKEN*``, ``*PASSWORD*``, ``*SECRET*``, proxy and DSN name, in
settings, in request.META (which holds the environment under runserver) and in traceback variables, and any value
that is a URL with a password in it, whatever its name.
"""

import re

from django.views.debug import SafeExceptionReporterFilter

URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/@\s:]*:[^/@\s]*@", re.IGNORECASE)


class PlumblineExceptionReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        r"API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|CREDENTIAL|PROXY|DSN|_URL$|_URLS$|^URL$",
        flags=re.IGNORECASE,
    )

    def cleanse_setting(self, key, value):
        cleansed = super().cleanse_setting(key, value)
        if type(cleansed) is str and URL_WITH_PASSWORD.search(cleansed):  # lazy objects are left to Django
            return self.cleansed_substitute
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, self.cleanse_setting(name, value) if isinstance(name, str) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]
