"""Django settings, read from the environment; with nothing set, the embedded default.

Embedded default: SQLite under var/, files under var/media, Celery tasks run in-process.
DATABASE_URL, REDIS_URL and the S3 variables switch to real services (see docs/operations.md).
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from hitrec.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("HITREC_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)
# Production (DEBUG off) refuses to start without a secret key of its own: a known one would
# let anyone forge sessions, password-reset and unsubscribe links. In development (DEBUG=1,
# as `make run` sets) a fixed key stands in; its "django-insecure-" prefix fails
# `manage.py check --deploy`.
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "The environment variable SECRET_KEY is not set, and DEBUG is off (production): "
            "set SECRET_KEY to a long random string, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`, "
            "or DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-hitrec-local-development-key"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "hitrec",
    "accounts",
    "contributions",
    "media",
    "projects",
    "royalties",
    "claims",
    "notifications",
    "community",
    "proposals",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hitrec.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Safe-method requests may read from the read replica; whoever writes is pinned to the
    # primary for a moment (hitrec/replicas/; absent without DATABASE_REPLICA_URL).
    "hitrec.replicas.ReplicaReadsMiddleware",
    # The language: the language switch's cookie, else the browser's Accept-Language...
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): signed in with a second factor (accounts/two_factor.py).
    "django_otp.middleware.OTPMiddleware",
    "accounts.two_factor.SecondFactorMiddleware",
    "hitrec.audit.AuditAddressMiddleware",
    # ...unless the person signed in chose one in their settings (docs/i18n.md).
    "hitrec.i18n.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hitrec.urls"
WSGI_APPLICATION = "hitrec.wsgi.application"
ASGI_APPLICATION = "hitrec.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread_count",
            ],
        },
    },
]

# Database: DATABASE_URL (PostgreSQL in production and CI) or SQLite under var/.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # psycopg prepares a statement on the server after this many runs on a connection,
        # for the cursors that bind on the server: only the lineage walk's
        # (contributions/lineage.py); Django's own cursors bind on the client and never
        # prepare. 0 turns it off (Django's default), e.g. behind a transaction-pooling
        # PgBouncer older than 1.21, which cannot keep prepared statements.
        _prepare_threshold = env_int("HITREC_DB_PREPARE_THRESHOLD", 5)
        # Behind a transaction-pooling PgBouncer a connection is another server's between
        # transactions: no prepared statements, and no cursor held open across them (Django's
        # `.iterator()` outside a transaction; the exports stream inside one and keep theirs).
        if env_bool("HITREC_DB_TRANSACTION_POOLING", False):
            _prepare_threshold = 0
            DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
            _prepare_threshold or None
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "hitrec.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            # A file, not :memory:, so that a worker process started by the integration
            # tests sees the same test database; one per test run, so runs never collide.
            "TEST": {"NAME": str(VAR_DIR / f"test-hitrec-{os.getpid()}.sqlite3")},
        }
    }
# A streaming read replica of the PostgreSQL primary (docs/operations.md, "PostgreSQL and read
# replicas"): reads that may lag a moment go to it, by the rules of hitrec/replicas/.
# Unset (the embedded default, a primary-only deployment): no `replica` alias, no router.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
# 0 stops reading from the replica without removing it (while it is rebuilt, say); the
# health check then leaves it out.
HITREC_REPLICA_READS = env_bool("HITREC_REPLICA_READS", default=True)
# After a write, its person (and browser) read from the primary this long, to see their work.
HITREC_REPLICA_PIN_SECONDS = env_int("HITREC_REPLICA_PIN_SECONDS", 5)
# A replica that could not be reached is left alone this long before one request tries again.
HITREC_REPLICA_RETRY_SECONDS = env_int("HITREC_REPLICA_RETRY_SECONDS", 15)
# /api/health/ reports the replica degraded past this lag (the site stays up).
HITREC_REPLICA_MAX_LAG_SECONDS = env_int("HITREC_REPLICA_MAX_LAG_SECONDS", 30)
if DATABASE_REPLICA_URL:
    if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL is set, but DATABASE_URL is not a PostgreSQL database: a read "
            "replica streams from a PostgreSQL primary. Set DATABASE_URL=postgres://… too, or "
            "unset DATABASE_REPLICA_URL."
        )
    _replica = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60, conn_health_checks=True)
    if not _replica["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URL must be a postgres:// URL, not {DATABASE_REPLICA_URL!r}."
        )
    _replica.setdefault("OPTIONS", {}).update(
        {
            # A replica that does not answer costs one request this long; the router's
            # breaker then keeps reads on the primary for HITREC_REPLICA_RETRY_SECONDS.
            "connect_timeout": env_int("HITREC_REPLICA_CONNECT_TIMEOUT", 2),
            "prepare_threshold": DATABASES["default"]["OPTIONS"]["prepare_threshold"],
        }
    )
    # The test suite's tests run in transactions the replica never sees: for them the alias
    # is the test database itself (tests/integration/test_replica.py connects it for real).
    _replica["TEST"] = {"MIRROR": "default"}
    _replica["DISABLE_SERVER_SIDE_CURSORS"] = DATABASES["default"].get(
        "DISABLE_SERVER_SIDE_CURSORS", False
    )
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["hitrec.replicas.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
# The languages pages, emails and statements are written in (docs/i18n.md: adding one).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "hitrec_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files are served by WhiteNoise, so the quick start needs no web server.
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"

# Files: local filesystem under var/media unless S3-compatible storage is configured.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME") or None
    AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY") or None
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_S3_FILE_OVERWRITE = False
    DEFAULT_FILE_STORAGE_BACKEND = "storages.backends.s3.S3Storage"
else:
    DEFAULT_FILE_STORAGE_BACKEND = "django.core.files.storage.FileSystemStorage"
STORAGES = {
    "default": {"BACKEND": DEFAULT_FILE_STORAGE_BACKEND},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# How stored files reach the reader once Django has checked who may read them
# (hitrec/files.py, docs/operations.md "Serving files"): `django` streams them, `x-accel`
# hands them to nginx (local storage), `redirect` sends a presigned object-store URL (S3).
HITREC_FILE_DELIVERY = env_str("HITREC_FILE_DELIVERY", "django").strip().lower()
if HITREC_FILE_DELIVERY not in ("django", "x-accel", "redirect"):
    raise ImproperlyConfigured(
        f"HITREC_FILE_DELIVERY is {HITREC_FILE_DELIVERY!r}: write django, x-accel or redirect."
    )
# nginx's internal location that aliases MEDIA_ROOT (deploy/nginx/hitrec.conf).
HITREC_X_ACCEL_PREFIX = env_str("HITREC_X_ACCEL_PREFIX", "/_protected/")
# Lifetime of a presigned download URL: short, since anyone holding it may use it.
HITREC_PRESIGNED_SECONDS = env_int("HITREC_PRESIGNED_SECONDS", 300)
# Every upload streams to a temporary file, hashed and size-checked chunk by chunk.
FILE_UPLOAD_HANDLERS = ["contributions.uploads.HashingUploadHandler"]
FILE_UPLOAD_TEMP_DIR = env_str("FILE_UPLOAD_TEMP_DIR") or None
MB = 1000 * 1000
HITREC_UPLOAD_LIMITS = {
    "image": env_int("HITREC_MAX_IMAGE_BYTES", 50 * MB),
    "audio": env_int("HITREC_MAX_AUDIO_BYTES", 300 * MB),
    "video": env_int("HITREC_MAX_VIDEO_BYTES", 2000 * MB),
    "text": env_int("HITREC_MAX_TEXT_BYTES", 1 * MB),
}
# Decoding limits of the processing pipeline (decompression bombs, endless streams).
HITREC_MAX_PIXELS = env_int("HITREC_MAX_PIXELS", 100_000_000)
HITREC_MAX_AUDIO_SECONDS = env_int("HITREC_MAX_AUDIO_SECONDS", 60 * 60)
HITREC_MAX_VIDEO_SECONDS = env_int("HITREC_MAX_VIDEO_SECONDS", 30 * 60)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Redis: broker for Celery and the cache; without it, tasks run in-process.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
# Keep every hard time limit well under the visibility timeout, or Redis redelivers
# a task that is still running (see DESIGN.md, Known pitfalls).
CELERY_BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_BROKER_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    # How often a worker sweeps for jobs a dead worker left unacknowledged: every
    # interval × throttle seconds (kombu's defaults, 10 × 10, unless set).
    "unacked_restore_interval": env_int("CELERY_BROKER_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_BROKER_RESTORE_THROTTLE", 10),
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT}
# Above the slowest media job (a 30-minute video: ~2000 s of ffmpeg budgets), below the
# visibility timeout.
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 2400)
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT - 60, CELERY_TASK_TIME_LIMIT * 9 // 10)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queues: media jobs (CPU-heavy, minutes each) on one, money jobs (revenue, release
# preparation, statements: short) on another, everything else (notifications, data exports,
# probes) on the default one; each queue gets its own workers, so a flood of uploads never
# delays payouts. `hitrec.celery.route_task` routes by the task name's app; a worker started
# without --queues consumes all three. The names are settings so that test runs (and
# deployments sharing one Redis database) can keep their queues apart.
HITREC_QUEUE_DEFAULT = env_str("HITREC_QUEUE_DEFAULT", "default")
HITREC_QUEUE_MEDIA = env_str("HITREC_QUEUE_MEDIA", "media")
HITREC_QUEUE_MONEY = env_str("HITREC_QUEUE_MONEY", "money")
CELERY_TASK_DEFAULT_QUEUE = HITREC_QUEUE_DEFAULT
CELERY_TASK_QUEUES = [
    Queue(name) for name in (HITREC_QUEUE_DEFAULT, HITREC_QUEUE_MEDIA, HITREC_QUEUE_MONEY)
]
CELERY_TASK_ROUTES = ["hitrec.celery.route_task"]
# Processes per worker (celery's --concurrency); unset, one per CPU. Set it per worker kind:
# media jobs are CPU-bound, money jobs mostly wait on the database.
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 0) or None
# `celery -A hitrec beat` runs these (exactly one beat process, which keeps its last-run
# times in this file); the digest gathers everything since each person's last.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "notifications-daily-digest": {
        "task": "notifications.send_digests",
        "schedule": crontab(minute=0, hour=env_int("HITREC_DIGEST_HOUR", 7)),
    },
    "accounts-expire-data-exports": {
        "task": "accounts.expire_data_exports",
        "schedule": crontab(minute=30),
    },
    "proposals-close-due": {
        "task": "proposals.close_due",
        "schedule": crontab(minute="*/15"),
    },
    "media-requeue-unfinished": {
        "task": "media.requeue_unfinished",
        "schedule": crontab(minute="*/10"),
    },
}
# A processing job still pending or processing this long after it was queued or started was
# lost (media.services.processing_sweep): above the hard time limit, so no live run has it.
HITREC_PROCESSING_STUCK_SECONDS = env_int(
    "HITREC_PROCESSING_STUCK_SECONDS", CELERY_TASK_TIME_LIMIT + 600
)
# Retries of a media job whose error lies outside the file (2, 4, 8… s apart), then it fails.
HITREC_PROCESSING_RETRIES = env_int("HITREC_PROCESSING_RETRIES", 5)
# The credit guard's sound keys held in memory (media/sound_index.py): a Redis that keeps
# everything (maxmemory-policy noeviction), best one of its own; the broker's by default.
# Unset with no REDIS_URL (the embedded default): the database is read.
HITREC_SOUND_INDEX_URL = env_str("HITREC_SOUND_INDEX_URL") or REDIS_URL
# Runs of one job that may be interrupted (worker killed, out of memory) before it fails.
HITREC_PROCESSING_MAX_INTERRUPTIONS = env_int("HITREC_PROCESSING_MAX_INTERRUPTIONS", 3)
# How long a person's data export archive stays downloadable.
HITREC_DATA_EXPORT_DAYS = env_int("HITREC_DATA_EXPORT_DAYS", 7)
# API tokens live this many days unless their owner chooses fewer (at most the maximum);
# the one token of /api/auth/token/ too, counted from when it was made (docs/decisions.md).
HITREC_API_TOKEN_DAYS = env_int("HITREC_API_TOKEN_DAYS", 90)
HITREC_API_TOKEN_MAX_DAYS = env_int("HITREC_API_TOKEN_MAX_DAYS", 365)
# A password reset link works once, for this long (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env_int("HITREC_PASSWORD_RESET_SECONDS", 60 * 60)
# The name a phone's authenticator app shows for hitrec's codes.
OTP_TOTP_ISSUER = "hitrec"
# An address verification link works for this long (signed, so no row to clean up).
HITREC_EMAIL_VERIFY_SECONDS = env_int("HITREC_EMAIL_VERIFY_SECONDS", 3 * 24 * 60 * 60)
# How long a payment proposal is open for comments before it becomes the release.
HITREC_PROPOSAL_COMMENT_DAYS = env_int("HITREC_PROPOSAL_COMMENT_DAYS", 14)

if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hitrec",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Abuse-limit counters (hitrec/throttles.py) in a cache of their own: shared by every web
# process through Redis in production, and never evicted by whatever fills the default one.
CACHES["throttle"] = (
    {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "hitrec-throttle",
        # A Redis that hangs must not hang requests: throttles give up and act as if it
        # were down (hitrec/throttles.py says what each does then).
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
)

# DEBUG off means production: HTTPS only and abuse limits on, unless a variable says
# otherwise. The test suite runs on hitrec/settings_test.py, which keeps plain HTTP and no
# limits (tests/security sets production values itself, or runs `check --deploy`).
PRODUCTION = not DEBUG

# Requests allowed per period for each scope (HITREC_THROTTLE_<SCOPE>="N/period", period
# like "min", "hour" or "15m"; "off" disables). `auth` counts sign-ups, sign-ins and tokens
# per address; `login_failures` counts failed sign-ins per account and address; `uploads`
# and `comments` count per person; `exports` (a whole lineage as NDJSON) per person, or per
# address when signed out. Unlimited in development and tests unless set.
_THROTTLE_DEFAULTS = {
    "auth": "30/min",
    "login_failures": "5/15m",
    "uploads": "60/hour",
    "comments": "20/min",
    "exports": "30/hour",
    "claims": "20/day",
}
HITREC_THROTTLE_RATES = {
    scope: (None if value.lower() == "off" else value)
    for scope, value in (
        (scope, env_str(f"HITREC_THROTTLE_{scope.upper()}", default if PRODUCTION else "off"))
        for scope, default in _THROTTLE_DEFAULTS.items()
    )
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Named, expiring tokens ("hitrec_…"), then the one token per person of
        # /api/auth/token/ (it expires too), then the browser's session.
        "accounts.authentication.ApiTokenAuthentication",
        "accounts.authentication.LegacyTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # DRF's own three, with JSON that refuses lone surrogates (hitrec.parsers.JSONParser).
    "DEFAULT_PARSER_CLASSES": [
        "hitrec.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "hitrec.schema.AutoSchema",
    "EXCEPTION_HANDLER": "hitrec.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Limits are per view (`throttle_classes`); their rates are read at request time from
    # HITREC_THROTTLE_RATES. Clients are told apart by REMOTE_ADDR unless HITREC_NUM_PROXIES
    # says how many proxies in front append to X-Forwarded-For (a client can forge the rest).
    "DEFAULT_THROTTLE_RATES": HITREC_THROTTLE_RATES,
    "NUM_PROXIES": env_int("HITREC_NUM_PROXIES", 0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "hitrec API",
    "DESCRIPTION": "Contributions, remixes, projects and exact royalty splits.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files: no third-party scripts on any page.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Security headers that hold in every environment (the CSP comes from hitrec/security.py);
# HTTPS-only ones in production, where `manage.py check --deploy` must pass with no warning
# (tests/security/test_deploy_settings.py). Each can be turned off by its variable.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
# A load balancer's plain-HTTP health probe must not be redirected.
SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
# Behind a proxy that terminates TLS, name the header it sets (SECURE_PROXY_SSL_HEADER=
# X-Forwarded-Proto) so that Django knows the request came in over HTTPS; only set it when
# the proxy always overwrites that header, or a client could claim HTTPS.
if env_str("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + env_str("SECURE_PROXY_SSL_HEADER").upper().replace("-", "_"),
        "https",
    )

# Statements below these balances (minor units) are not paid out; the balance carries forward.
HITREC_PAYOUT_THRESHOLDS = {"default": env_int("HITREC_PAYOUT_THRESHOLD_MINOR", 1000), "JPY": 1000}
# A month's statement run is built in batches of this many people, one job each.
HITREC_STATEMENT_BATCH_SIZE = env_int("HITREC_STATEMENT_BATCH_SIZE", 500)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# With the SMTP backend: where the mail server is (a provider's relay in production).
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
# The shared secret of the mail provider's bounce webhook (POST /api/auth/mail/bounces/);
# unset, the webhook refuses everything.
HITREC_MAIL_WEBHOOK_TOKEN = env_str("HITREC_MAIL_WEBHOOK_TOKEN")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "hitrec <noreply@hitrec.localhost>")
# Where the site is reached from outside: emails carry absolute links built on it.
HITREC_SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Staff who are mailed when a job fails through our fault (addresses, comma-separated).
ADMINS = [(address, address) for address in env_list("HITREC_ADMINS", [])]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"production": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["production"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # A processing job that crashed, passed its time limit or ran out of tries: staff are
    # told by mail (Django mails request errors the same way), the author by the reason.
    "loggers": {"media": {"handlers": ["mail_admins"], "level": "INFO"}},
}
