"""Which address a login attempt comes from, for the lockout after repeated wrong passwords (django-axes).

Behind a TLS-terminating proxy every request arrives from the proxy's address, so all users would share one
failure count; the client's own address is the last one the trusted proxy appended to X-Forwarded-For (earlier
entries are whatever the client chose to send, so they are never trusted).
"""

from django.conf import settings


def client_ip(request) -> str:
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "")
