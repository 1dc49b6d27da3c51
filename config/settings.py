"""Plumbline settings, read from the environment (12-factor, django-environ).

One file for every environment: defaults are safe for production (DEBUG off, secure cookies, HSTS);
`make demo` and the test suite relax them through environment variables, never by editing this file.
A checkout with none of the production variables set (PLUMBLINE_ENV decides when given) is a development
checkout: DEBUG on, a fixed development SECRET_KEY, localhost only, so `manage.py` runs with nothing exported.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Any of these means a deployment; there the defaults are production's and SECRET_KEY is required.
PRODUCTION_VARIABLES = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL")
PLUMBLINE_ENV = env(
    "PLUMBLINE_ENV",
    default="production" if any(name in env.ENVIRON for name in PRODUCTION_VARIABLES) else "development",
)
if PLUMBLINE_ENV not in ("production", "development"):
    raise environ.ImproperlyConfigured(f"PLUMBLINE_ENV must be production or development, not {PLUMBLINE_ENV!r}")
DEVELOPMENT = PLUMBLINE_ENV == "development"
DEBUG = env.bool("DEBUG", default=DEVELOPMENT)
if not DEVELOPMENT and "SECRET_KEY" not in env.ENVIRON:
    _why = [name for name in PRODUCTION_VARIABLES if name in env.ENVIRON] or ["PLUMBLINE_ENV=production"]
    raise environ.ImproperlyConfigured(
        f"Set the SECRET_KEY environment variable (50+ random characters): {', '.join(_why)} make this a production "
        "start. For a development checkout unset them, or set PLUMBLINE_ENV=development."
    )
SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-only-for-debug")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "accounts",
    "registry",
    "questionnaires",
    "assessments",
    "connectors",
    "gates",
    "frameworks",
    "reports",
    "webhooks",
    "notifications",
    "packs",
]

MIDDLEWARE = [
    "config.request_log.RequestIdMiddleware",  # X-Request-ID in and out, on every log line and task it starts
    "config.health.HealthMiddleware",  # /healthz and /readyz, before host checks, the HTTPS redirect and login
    "config.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.api.JsonErrorsForApiMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.null_characters.RejectNullCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.LoginRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "notifications.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'plumbline.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and DATABASES["default"]["NAME"] != ":memory:":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets readers and a writer work at once. Every transaction (each service's ``atomic``) begins IMMEDIATE,
    # taking SQLite's one write lock up front: a second writer then waits up to the timeout for its turn. A
    # deferred transaction would read first and fail at once with "database is locked" when it came to write,
    # since SQLite cannot make it wait without deadlocking; it also makes the services' select_for_update (a no-op
    # on SQLite) hold: the whole transaction is serialised, so a double-clicked "start" finds the first draft.
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Axes comes first whatever the configured back-ends (SSO included): it refuses a login attempt for a username
# from an address after too many failures, before any back-end checks a password.
# Single sign-on with OpenID Connect (mozilla-django-oidc: authorization code flow with PKCE, state, nonce and the
# ID token's signature checked), on when OIDC_RP_CLIENT_ID is set. The provider's endpoints are named explicitly
# (`manage.py oidc_discover ISSUER` prints them from the provider's discovery document). Role and teams come from
# claims: PLUMBLINE_OIDC_ROLE_MAP maps group values to roles (the highest wins; PLUMBLINE_OIDC_DEFAULT_ROLE when none
# matches, "none" to refuse the sign-in), PLUMBLINE_OIDC_TEAM_CLAIM names the claim with team slugs (or group values
# mapped by PLUMBLINE_OIDC_TEAM_MAP). PLUMBLINE_LOCAL_LOGIN=false turns passwords off (SSO only). docs/operations.md.
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", default="")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_ISSUER = env("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", default="openid email profile")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=failed"
PLUMBLINE_OIDC_PROVIDER_NAME = env("PLUMBLINE_OIDC_PROVIDER_NAME", default="single sign-on")
PLUMBLINE_OIDC_USERNAME_CLAIM = env("PLUMBLINE_OIDC_USERNAME_CLAIM", default="preferred_username")
PLUMBLINE_OIDC_ROLE_CLAIM = env("PLUMBLINE_OIDC_ROLE_CLAIM", default="groups")
PLUMBLINE_OIDC_ROLE_MAP = env.dict("PLUMBLINE_OIDC_ROLE_MAP", default={})
PLUMBLINE_OIDC_DEFAULT_ROLE = env("PLUMBLINE_OIDC_DEFAULT_ROLE", default="member")
PLUMBLINE_OIDC_TEAM_CLAIM = env("PLUMBLINE_OIDC_TEAM_CLAIM", default="")
PLUMBLINE_OIDC_TEAM_MAP = env.dict("PLUMBLINE_OIDC_TEAM_MAP", default={})
PLUMBLINE_LOCAL_LOGIN = env.bool("PLUMBLINE_LOCAL_LOGIN", default=True)
if OIDC_ENABLED:
    _missing = [
        name
        for name in (
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
        )
        if not globals()[name]
    ]
    if _missing:
        raise environ.ImproperlyConfigured(f"Single sign-on (OIDC_RP_CLIENT_ID) also needs {', '.join(_missing)}.")
if not PLUMBLINE_LOCAL_LOGIN and not OIDC_ENABLED:
    raise environ.ImproperlyConfigured(
        "PLUMBLINE_LOCAL_LOGIN=false needs single sign-on (OIDC_RP_CLIENT_ID): nobody could sign in."
    )
_PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    *[
        backend
        for backend in env.list("AUTHENTICATION_BACKENDS", default=[_PASSWORD_BACKEND])
        if PLUMBLINE_LOCAL_LOGIN or backend != _PASSWORD_BACKEND
    ],
    *(["accounts.oidc.PlumblineOIDCBackend"] if OIDC_ENABLED else []),
]
# Password guessing: after AXES_FAILURE_LIMIT failures for one username from one address, that pair is locked out
# for AXES_COOLOFF_MINUTES (a success resets the count). Per pair, so a stranger cannot lock a colleague out.
# Admins unlock at once with `manage.py axes_reset_username <name>` or in the admin site.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15.0) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- Security: secure unless the environment says otherwise (the demo runs over plain http). ---
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
# The client's address for login lockouts (behind the proxy: the one it appended to X-Forwarded-For).
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
# The DEBUG error page (the demo) hides every *_URL, *KEY*, *TOKEN*, *PASSWORD*, *SECRET* and proxy setting and
# environment variable, and any URL with a password in it (config/debug.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.debug.PlumblineExceptionReporterFilter"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# --- E-mail ---
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="plumbline@localhost")
if "EMAIL_URL" in env.ENVIRON:
    vars().update(env.email("EMAIL_URL"))

# --- Celery ---
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")

# --- Cache: per-token rate limits and per-target connector call limits ---
# These limits must be shared by every gunicorn worker and Celery worker, or each process enforces its own and
# the real limit is multiplied by the number of processes. So with a Redis broker the cache defaults to that same
# Redis (keys prefixed, so they never meet Celery's); local memory is only the default for the one-process demo.
_DEFAULT_CACHE_URL = CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
CACHES = {"default": env.cache("CACHE_URL", default=_DEFAULT_CACHE_URL or "locmemcache://plumbline")}
CACHES["default"].setdefault("KEY_PREFIX", env("CACHE_KEY_PREFIX", default="plumbline"))
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Celery still opens a producer for an in-process task: an in-memory one, not a warning about "localhost".
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = env.bool("CELERY_TASK_EAGER_PROPAGATES", default=False)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900)}
CELERY_BEAT_SCHEDULE = {}
# Workers log through LOGGING below (request ids, LOG_FORMAT=json), not through Celery's own root handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- REST API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.TokenScopePermission",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "config.null_characters.JSONParser",
        "config.null_characters.FormParser",
        "config.null_characters.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Plumbline API",
    "DESCRIPTION": "Inventory, assessments, evidence and stage gates for LLM projects.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs pages are for signed-in users and tokens like the API itself (CI tokens excluded).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated", "accounts.permissions.TokenScopePermission"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    # Several models have a "kind"; name each choice set so the schema is stable and `check --deploy` is quiet.
    "ENUM_NAME_OVERRIDES": {
        "AssessmentStateEnum": "assessments.models.Assessment.State",
        "ComponentKindEnum": "registry.choices.ComponentKind",
        "QuestionnaireKindEnum": "questionnaires.models.QuestionnaireKind",
        "ReportKindEnum": "reports.models.Report.Kind",
        "WebhookEventEnum": "webhooks.events.EVENT_NAMES",
        "WebhookFormatEnum": "webhooks.models.Endpoint.Format",
    },
    # Every operation documents the shared error responses (400/401/403/404) in the one error shape.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.openapi.error_responses"],
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Plumbline ---
PLUMBLINE_CURRENCY = env("PLUMBLINE_CURRENCY", default="EUR")
# A submitted assessment waiting longer than this for a reviewer is an overdue approval on the portfolio one-pager.
PLUMBLINE_REVIEW_DUE_DAYS = env.int("PLUMBLINE_REVIEW_DUE_DAYS", default=7)
PLUMBLINE_QUESTIONNAIRE_DIRS = [BASE_DIR / "questionnaires" / "definitions"]
PLUMBLINE_UPLOAD_MAX_BYTES = env.int("PLUMBLINE_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
PLUMBLINE_UPLOAD_CONTENT_TYPES = env.list(
    "PLUMBLINE_UPLOAD_CONTENT_TYPES",
    default=[
        "application/pdf",
        "text/plain",
        "text/markdown",
        "text/csv",
        "application/json",
        "image/png",
        "image/jpeg",
    ],
)
# Bounded input (config/limits.py): what one request or file may hold, so no input costs unbounded time or memory.
# Nesting depth of JSON and YAML; YAML values counted with aliases expanded; characters in one YAML/CSV value.
PLUMBLINE_INPUT_MAX_DEPTH = env.int("PLUMBLINE_INPUT_MAX_DEPTH", default=32)
PLUMBLINE_INPUT_MAX_NODES = env.int("PLUMBLINE_INPUT_MAX_NODES", default=100_000)
PLUMBLINE_INPUT_MAX_FIELD_CHARS = env.int("PLUMBLINE_INPUT_MAX_FIELD_CHARS", default=100_000)
# Numbers in answers, imports, pushed evidence and query strings: digits, and the power of ten either way.
PLUMBLINE_NUMBER_MAX_DIGITS = env.int("PLUMBLINE_NUMBER_MAX_DIGITS", default=30)
PLUMBLINE_NUMBER_MAX_EXPONENT = env.int("PLUMBLINE_NUMBER_MAX_EXPONENT", default=30)
# One CI evidence push (gates/evidence.py): metrics, characters in a metric name, bytes in the body.
PLUMBLINE_PUSH_MAX_METRICS = env.int("PLUMBLINE_PUSH_MAX_METRICS", default=200)
PLUMBLINE_PUSH_MAX_METRIC_NAME = env.int("PLUMBLINE_PUSH_MAX_METRIC_NAME", default=200)
PLUMBLINE_PUSH_MAX_BYTES = env.int("PLUMBLINE_PUSH_MAX_BYTES", default=1024 * 1024)
# Evidence packs (packs/): the server's Ed25519 signing key (PEM, PKCS#8) as a file path; never rendered or logged.
# Development generates one under VAR_DIR on first use; elsewhere a missing key makes packs refuse with a message.
PLUMBLINE_SIGNING_KEY = env.path("PLUMBLINE_SIGNING_KEY", default=VAR_DIR / "signing-key.pem")
PLUMBLINE_SIGNING_KEY_GENERATE = env.bool("PLUMBLINE_SIGNING_KEY_GENERATE", default=DEVELOPMENT)
# Public keys (PEM file paths) of retired signing keys, still served by id so older packs keep verifying.
PLUMBLINE_SIGNING_RETIRED_KEYS = env.list("PLUMBLINE_SIGNING_RETIRED_KEYS", default=[])
# Verifying a pack (packs.pack.verify and `plumbline verify-pack`): largest zip, most files, largest file unpacked.
PLUMBLINE_PACK_MAX_BYTES = env.int("PLUMBLINE_PACK_MAX_BYTES", default=200 * 1024 * 1024)
PLUMBLINE_PACK_MAX_ENTRIES = env.int("PLUMBLINE_PACK_MAX_ENTRIES", default=2000)
PLUMBLINE_PACK_MAX_ENTRY_BYTES = env.int("PLUMBLINE_PACK_MAX_ENTRY_BYTES", default=100 * 1024 * 1024)
# Connector back-ends, Django-style: alias -> {"BACKEND": dotted path, "OPTIONS": {...}}.
PLUMBLINE_CONNECTORS = {
    "mlflow": {"BACKEND": "connectors.backends.mlflow.MLflowConnector", "OPTIONS": {}},
    "git": {"BACKEND": "connectors.backends.git.GitRepositoryConnector", "OPTIONS": {}},
    "qdrant": {"BACKEND": "connectors.backends.qdrant.QdrantConnector", "OPTIONS": {}},
    "chroma": {"BACKEND": "connectors.backends.chroma.ChromaConnector", "OPTIONS": {}},
    "prometheus": {"BACKEND": "connectors.backends.prometheus.PrometheusConnector", "OPTIONS": {}},
    "pushed": {"BACKEND": "connectors.backends.pushed.PushedEvaluationConnector", "OPTIONS": {}},
    "phoenix": {"BACKEND": "connectors.backends.phoenix.PhoenixConnector", "OPTIONS": {}},
}
# Hosts a connector may reach; empty means any public host. Private/link-local addresses need listing.
PLUMBLINE_CONNECTOR_ALLOWED_HOSTS = env.list("PLUMBLINE_CONNECTOR_ALLOWED_HOSTS", default=[])
PLUMBLINE_CONNECTOR_TIMEOUT = env.float("PLUMBLINE_CONNECTOR_TIMEOUT", default=10.0)
# Largest answer a connector reads from one REST call (Phoenix); a bigger one reads error instead of filling memory.
PLUMBLINE_CONNECTOR_MAX_RESPONSE_BYTES = env.int("PLUMBLINE_CONNECTOR_MAX_RESPONSE_BYTES", default=8 * 1024 * 1024)
# Longest regular expression a connector setting may hold (they run in RE2, in linear time, whatever their length).
PLUMBLINE_REGEX_MAX_LENGTH = env.int("PLUMBLINE_REGEX_MAX_LENGTH", default=500)
# An http(s):// egress proxy for connector calls and git clones (credentials allowed); allowed hosts bypass it.
PLUMBLINE_CONNECTOR_PROXY = env("PLUMBLINE_CONNECTOR_PROXY", default="")
# Environment variables a component may name for a connector secret (``{"token_env": "NAME"}``): names and PREFIX*
# patterns. The variables these settings read (SECRET_KEY, DATABASE_URL, ...) are refused whatever this says.
PLUMBLINE_CONNECTOR_SECRET_ENV = env.list("PLUMBLINE_CONNECTOR_SECRET_ENV", default=["PLUMBLINE_SECRET_*"])
# Folders under which git repositories and embedded vector stores may be read by local path; none: local paths off.
# Plumbline's own folders (the checkout, VAR_DIR, MEDIA_ROOT, the connector cache) are refused even under a root.
PLUMBLINE_LOCAL_SOURCE_ROOTS = env.list("PLUMBLINE_LOCAL_SOURCE_ROOTS", default=[])
# Embedded vector stores are read from a private copy (so reading never changes them); larger ones are refused.
PLUMBLINE_LOCAL_STORE_MAX_BYTES = env.int("PLUMBLINE_LOCAL_STORE_MAX_BYTES", default=1024**3)
# Refresh evidence before its time-to-live runs out (connectors.tasks.REFRESH_AHEAD), every 15 minutes.
CELERY_BEAT_SCHEDULE["connectors-refresh-expiring"] = {
    "task": "connectors.tasks.refresh_expiring_evidence",
    "schedule": 15 * 60,
}
# Re-assessment reminders to project owners; idempotent per day, so running it hourly is harmless.
CELERY_BEAT_SCHEDULE["assessments-reassessment-reminders"] = {
    "task": "assessments.tasks.send_reassessment_reminders",
    "schedule": 60 * 60,
}
# Stored report PDFs older than this are deleted daily, except the newest of each project or portfolio filter.
PLUMBLINE_REPORT_RETENTION_DAYS = env.int("PLUMBLINE_REPORT_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE["notifications-assignment-reminders"] = {
    "task": "notifications.tasks.send_assignment_reminders",
    "schedule": 60 * 60,
}
CELERY_BEAT_SCHEDULE["notifications-prune"] = {
    "task": "notifications.tasks.prune_notifications",
    "schedule": 24 * 60 * 60,
}
# Read notices older than this many days are deleted daily (unread ones stay).
PLUMBLINE_NOTIFICATION_RETENTION_DAYS = env.int("PLUMBLINE_NOTIFICATION_RETENTION_DAYS", default=90)
# One event (a submission, a verdict change) is told to at most this many people.
PLUMBLINE_NOTIFICATION_MAX_RECIPIENTS = env.int("PLUMBLINE_NOTIFICATION_MAX_RECIPIENTS", default=200)
# Assignees are told this many days before a part is due (and again once it is overdue).
PLUMBLINE_ASSIGNMENT_DUE_SOON_DAYS = env.int("PLUMBLINE_ASSIGNMENT_DUE_SOON_DAYS", default=2)
CELERY_BEAT_SCHEDULE["reports-prune"] = {"task": "reports.tasks.prune_old_reports", "schedule": 24 * 60 * 60}
# A portfolio report job is killed after this many seconds; one silent for longer has lost its worker and reads failed
# (checked when its page or the API reads it, and every 5 minutes by Celery beat).
PLUMBLINE_REPORT_JOB_TIME_LIMIT = env.int("PLUMBLINE_REPORT_JOB_TIME_LIMIT", default=600)
CELERY_BEAT_SCHEDULE["reports-fail-dead-jobs"] = {"task": "reports.tasks.fail_dead_report_jobs", "schedule": 5 * 60}
# Requests per API token (gate and CI evidence endpoints), DRF rate syntax; beyond it the API answers 429.
PLUMBLINE_TOKEN_RATE = env("PLUMBLINE_TOKEN_RATE", default="600/min")
# Seconds a stored gate verdict is trusted at most when none of its inputs expires sooner (gates.services).
PLUMBLINE_GATE_VERDICT_MAX_AGE = env.int("PLUMBLINE_GATE_VERDICT_MAX_AGE", default=3600)
# Webhooks (webhooks.services): attempts per event, back-off doubling from BACKOFF up to BACKOFF_MAX seconds,
# and the seconds each call may take. Addresses follow the connectors' policy (PLUMBLINE_CONNECTOR_ALLOWED_HOSTS).
PLUMBLINE_WEBHOOK_MAX_ATTEMPTS = env.int("PLUMBLINE_WEBHOOK_MAX_ATTEMPTS", default=6)
PLUMBLINE_WEBHOOK_BACKOFF = env.int("PLUMBLINE_WEBHOOK_BACKOFF", default=30)
PLUMBLINE_WEBHOOK_BACKOFF_MAX = env.int("PLUMBLINE_WEBHOOK_BACKOFF_MAX", default=3600)
PLUMBLINE_WEBHOOK_TIMEOUT = env.float("PLUMBLINE_WEBHOOK_TIMEOUT", default=10.0)

# /metrics (Prometheus) answers a scraper sending `Authorization: Bearer <token>` or one whose address is in the
# list (addresses or networks, e.g. 10.0.0.0/8); with neither set it answers nobody.
PLUMBLINE_METRICS_TOKEN = env("PLUMBLINE_METRICS_TOKEN", default="")
PLUMBLINE_METRICS_ALLOWED_IPS = env.list("PLUMBLINE_METRICS_ALLOWED_IPS", default=[])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secrets": {"()": "connectors.secrets.RedactSecretsFilter"},
        "request_id": {"()": "config.request_log.RequestIdFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.request_log.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # LOG_FORMAT=json: one JSON object per line (time, level, logger, message, request_id) for collectors.
            "formatter": env("LOG_FORMAT", default="plain"),
            "filters": ["redact_secrets", "request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},  # reports: its INFO lines narrate every render step
        "fontTools": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},  # connectors: one INFO line per request, with full URLs
        # In-process (eager) tasks would log one "succeeded" line each; a real worker keeps its own logging.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}
