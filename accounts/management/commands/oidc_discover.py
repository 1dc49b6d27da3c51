"""Print the settings single sign-on needs, read from an identity provider's discovery document."""

import httpx
from django.core.management.base import BaseCommand, CommandError

MAX_BYTES = 256 * 1024
SETTINGS = {
    "OIDC_OP_ISSUER": "issuer",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


class Command(BaseCommand):
    help = (
        "Read ISSUER/.well-known/openid-configuration and print the OIDC_OP_* environment lines for single sign-on "
        "(add OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET from your provider's client registration)."
    )

    def add_arguments(self, parser):
        parser.add_argument("issuer", help="the provider's issuer URL, e.g. https://id.example.com/realms/acme")

    def handle(self, *args, issuer, **options):
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            with httpx.stream("GET", url, timeout=10, follow_redirects=False) as response:
                response.raise_for_status()
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:
                        raise CommandError(
                            f"{url} answered more than {MAX_BYTES // 1024} KiB: not a discovery document."
                        )
            document = httpx.Response(200, content=body).json()
        except (httpx.HTTPError, ValueError) as error:
            raise CommandError(f"Could not read {url}: {error}") from error
        if not isinstance(document, dict):
            raise CommandError(f"{url} is not a discovery document (not a JSON object).")
        missing = [key for key in SETTINGS.values() if not isinstance(document.get(key), str)]
        if missing:
            raise CommandError(f"{url} does not name {', '.join(missing)}.")
        if document["issuer"].rstrip("/") != issuer.rstrip("/"):
            raise CommandError(f"{url} names another issuer ({document['issuer']}): check the URL.")
        for setting, key in SETTINGS.items():
            self.stdout.write(f"{setting}={document[key]}")
        algorithms = document.get("id_token_signing_alg_values_supported") or []
        if "RS256" not in algorithms and algorithms:
            self.stdout.write(f"OIDC_RP_SIGN_ALGO={algorithms[0]}")
