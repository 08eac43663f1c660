"""Atelier settings: one module, read from the environment, safe defaults for local use.

The embedded default (no env set) runs on SQLite with kombu's filesystem broker, so
`make run` needs no server. Production-like runs set DATABASE_URL and CELERY_BROKER_URL.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ATELIER_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and os.environ.get("ATELIER_REQUIRE_SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in production")
    # Local default only: production sets SECRET_KEY (docker-compose.yml requires it).
    SECRET_KEY = "atelier-local-development-key-not-for-production-use-0123456789"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

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
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "atelier",
    "accounts",
    "configurator",
    "orders",
    "production",
]

MIDDLEWARE = [
    "atelier.url_length.UrlLengthLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "atelier.urls"
WSGI_APPLICATION = "atelier.wsgi.application"
ASGI_APPLICATION = "atelier.asgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "atelier.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web process and worker share the file: IMMEDIATE transactions, WAL and a timeout,
    # or concurrent writes fail with "database is locked" (MACHINE-NOTES.md). Connections
    # are kept (CONN_MAX_AGE as for PostgreSQL, one per gunicorn thread): opening one and
    # closing it cost ~1.7 ms of CPU on every configure click (Django registers its SQL
    # functions, the PRAGMAs run, SQLite reads the schema again on the first query; the
    # last one closed checkpoints and deletes the WAL), about a sixth of the click's server CPU
    # (benchmarks/README.md, "Issue 15, stop 13"). An idle connection holds no snapshot
    # (autocommit), so it sees every commit and blocks no checkpoint.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport with whole-file writes (atelier/broker.py: its own
    # wrote files a reader could catch half-written, and the worker died on them).
    CELERY_BROKER_TRANSPORT = "atelier.broker:FilesystemTransport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Exchange tables (kombu's default is ./control, wherever the process started).
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
    # Made here, so a bare `celery -A atelier worker` works on the default too.
    for _folder in ("queue", "processed", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
else:
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        # kombu's, with a restore of unacknowledged messages that survives a lost
        # connection (atelier/broker.py; workers exited on it during a Redis stop).
        CELERY_BROKER_TRANSPORT = "atelier.broker:RedisTransport"
    # No task is ever sent with an ETA or a countdown (tests/production/
    # test_no_future_dated_tasks.py), so a message stays unacknowledged only while its
    # task runs: an hour is far beyond the longest one (a replan), and is when Redis
    # hands a message a dead worker held to another.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection around every task unless this is
# set: a new PostgreSQL connection per task, ~5 ms each. Workers keep theirs instead;
# atelier.celery drops broken or over-age (CONN_MAX_AGE) ones between tasks as Django
# does between requests.
CELERY_DB_REUSE_MAX = 10_000
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that loses Redis retries for ever: with 3 retries (2 + 4 + 6 s) every worker
# exited ("Unrecoverable error") after a 12-s broker outage and orders stayed `received`
# until someone restarted them (tests/reliability/test_broker_outage.py). Publishing from
# the web process has its own short retry policy and never waits on this.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BEAT_SCHEDULE = {
    "sweep-received-orders": {
        "task": "production.tasks.sweep_received_orders",
        "schedule": timedelta(seconds=int(os.environ.get("ATELIER_SWEEP_SECONDS", "60"))),
    },
    # Webhook retries: a failed delivery's next attempt is a row (2, 4, 8 … s ahead);
    # this sweep is what sends it, so its interval is the back-off's resolution.
    "retry-webhook-deliveries": {
        "task": "orders.tasks.sweep_webhook_deliveries",
        "schedule": timedelta(seconds=int(os.environ.get("ATELIER_WEBHOOK_SWEEP_SECONDS", "5"))),
    },
}

# --- Auth, i18n, static ---------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Customers' accounts (accounts/): the e-mail address is the login name. Staff pages
# (staff_member_required) keep sending to the admin's own login.
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "shop:products"
# Failed log-ins allowed per account name and per client address in a window, before
# further attempts are refused unchecked (429; accounts/throttling.py, counted in CACHES).
ATELIER_LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("ATELIER_LOGIN_FAILURES_PER_ACCOUNT", "5"))
ATELIER_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("ATELIER_LOGIN_FAILURES_PER_ADDRESS", "20"))
ATELIER_LOGIN_WINDOW_SECONDS = int(os.environ.get("ATELIER_LOGIN_WINDOW_SECONDS", "900"))
# Sign-ups and password reset requests (each sends an e-mail) in the same window, per
# address typed and per client address: no flooding a mailbox through the shop.
ATELIER_ACCOUNT_MAILS_PER_ACCOUNT = int(os.environ.get("ATELIER_ACCOUNT_MAILS_PER_ACCOUNT", "5"))
ATELIER_ACCOUNT_MAILS_PER_ADDRESS = int(os.environ.get("ATELIER_ACCOUNT_MAILS_PER_ADDRESS", "20"))
# How long an e-mail confirmation link and a password reset link work.
ATELIER_VERIFY_MAX_AGE = int(os.environ.get("ATELIER_VERIFY_MAX_AGE", str(3 * 86400)))
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", "3600"))

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # The npm package (package.json; `make setup` runs `npm ci`) under the path the
    # configure page names. htmx comes with django-htmx (static django_htmx/htmx-2.min.js):
    # nothing third-party is copied into the repository or fetched at run time.
    ("vendor/idiomorph", BASE_DIR / "node_modules" / "idiomorph" / "dist"),
]
# Serve straight from the app folders when collectstatic has not run (tests, first start).
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploaded and imported media (the catalogue's pictures): Django's storage API. By default
# a folder (var/media; a named volume in docker-compose.yml). Any backend takes its place
# by settings, e.g. S3 with django-storages installed:
#   ATELIER_MEDIA_STORAGE=storages.backends.s3.S3Storage
#   ATELIER_MEDIA_STORAGE_OPTIONS='{"bucket_name": "atelier-media", "querystring_auth": false}'
# Stored names are content-hashed (configurator/media.py), so any cache may keep them.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_STORAGE = os.environ.get(
    "ATELIER_MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage"
)
MEDIA_STORAGE_OPTIONS = json.loads(os.environ.get("ATELIER_MEDIA_STORAGE_OPTIONS", "{}"))
# Serve MEDIA_URL from the app (atelier/media_serving.py: with cache headers), DEBUG or
# not, so `make run` and compose's gunicorn need no other server. Turn off where a CDN,
# a bucket or a front server answers /media/ itself.
ATELIER_SERVE_MEDIA = env_bool("ATELIER_SERVE_MEDIA", MEDIA_STORAGE.endswith("FileSystemStorage"))
# Largest picture a catalogue import or an admin upload accepts, in bytes.
ATELIER_MEDIA_MAX_BYTES = int(os.environ.get("ATELIER_MEDIA_MAX_BYTES", str(5 * 1024 * 1024)))
STORAGES = {
    "default": {"BACKEND": MEDIA_STORAGE, "OPTIONS": MEDIA_STORAGE_OPTIONS},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("ATELIER_MANIFEST_STATIC", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- E-mail ---------------------------------------------------------------------------
# Console locally (mails are printed); docker-compose.yml sets SMTP from the environment.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "shop@atelier.example")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))

# --- Security (production values when DEBUG is off and HTTPS is declared) -------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if env_bool("ATELIER_HTTPS", False):
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Longest path + query accepted (414 problem above it: atelier/url_length.py). Below
# gunicorn's limit_request_line (8190, atelier/gunicorn_conf.py) minus the method and
# protocol, so such a URL reaches Django rather than gunicorn's HTML error page.
ATELIER_MAX_URL_BYTES = int(os.environ.get("ATELIER_MAX_URL_BYTES", "8000"))

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "orders.authentication.PartnerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["atelier.filtering.CheckedFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "atelier.throttling.AnonymousRateThrottle",
        "atelier.throttling.PartnerRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("ATELIER_ANON_RATE", "600/min"),
        "user": os.environ.get("ATELIER_PARTNER_RATE", "6000/min"),
    },
    # Reverse proxies in front of the app that append to X-Forwarded-For. DRF's default
    # (None) believes the header as the client sent it, so an anonymous caller could
    # claim a new address per request and never be throttled. 0 = use REMOTE_ADDR
    # (gunicorn serves directly in docker-compose.yml); behind one proxy set 1.
    "NUM_PROXIES": int(os.environ.get("ATELIER_NUM_PROXIES", "0")),
    "EXCEPTION_HANDLER": "atelier.problems.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser plus 400s for bodies it would let through to a 500 (deep nesting,
    # NUL and unpaired surrogates): see atelier/parsers.py.
    "DEFAULT_PARSER_CLASSES": ["atelier.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Atelier partner API",
    "DESCRIPTION": "Price, configure and order configured products. See docs/partner-quickstart.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # A quote's status (with the computed `expired`) beside an order's: both named (the
    # order's keeps the name it had), not hashed.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "orders.models.Order.Status",
        "QuoteStatusEnum": ["issued", "accepted", "withdrawn", "expired"],
    },
}


# Throttle counters must be shared by all web processes in production: Redis there. While
# Redis is away each process answers from its own memory and logs it (atelier/cache.py);
# the short socket timeouts keep a Redis that hangs from holding requests up.
def caches(url: str | None) -> dict:
    """The cache settings for CACHE_URL `url` (Redis, with a per-process fallback), or the
    in-process default without one. The fault tests build theirs with this too."""
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    timeout = float(os.environ.get("ATELIER_CACHE_TIMEOUT", "0.5"))
    return {
        "default": {
            "BACKEND": "atelier.cache.FallbackRedisCache",
            "LOCATION": url,
            "OPTIONS": {
                "socket_connect_timeout": timeout,
                "socket_timeout": timeout,
                "FALLBACK_RETRY_SECONDS": 5,
                "FALLBACK_LOG_SECONDS": 60,
            },
        }
    }


CACHES = caches(os.environ.get("CACHE_URL"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"atelier": {"level": os.environ.get("LOG_LEVEL", "INFO")}},
}

# Demo data is opt-in: `manage.py bootstrap` loads the demo catalogue and makes a staff
# login only with ATELIER_DEMO=1 (`make run`). Production never sets it.
ATELIER_DEMO = env_bool("ATELIER_DEMO", False)
# Orders one worker places per plan-lock transaction (throughput vs lock hold time).
ATELIER_SCHEDULE_BATCH = int(os.environ.get("ATELIER_SCHEDULE_BATCH", "20"))
# Seconds a configurator click may run on the published version this process already
# knows, unchecked: a publish by another process shows within this time (never in orders).
ATELIER_CATALOGUE_MAX_AGE = float(os.environ.get("ATELIER_CATALOGUE_MAX_AGE", "1"))
# Days between the last operation and the ship date (packing, carrier pick-up).
ATELIER_SHIPPING_DAYS = int(os.environ.get("ATELIER_SHIPPING_DAYS", "1"))

# Days a quote stays valid from its issue (staff may extend one in admin).
QUOTE_VALID_DAYS = int(os.environ.get("ATELIER_QUOTE_VALID_DAYS", "30"))
if QUOTE_VALID_DAYS < 1:
    raise ImproperlyConfigured("ATELIER_QUOTE_VALID_DAYS must be a whole number of days, >= 1")

# Where customers reach the shop: links in e-mails (order status page) are built on it.
ATELIER_SITE_URL = os.environ.get("ATELIER_SITE_URL", "http://localhost:8000")
