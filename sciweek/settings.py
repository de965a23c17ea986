"""SciWeek settings, read from the environment (12-factor).

Embedded default: SQLite file + media on local disk + local-memory cache + database task
queue — nothing else to run. Production sets DATABASE_URL (PostgreSQL), REDIS_URL, a secret
key, allowed hosts, HTTPS and optionally S3-compatible media storage.
"""
import os
from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(environ.Env().str("SCIWEEK_VAR_DIR", default=str(BASE_DIR.parent / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR.parent / ".env", overwrite=False) if (BASE_DIR.parent / ".env").exists() else None

DEBUG = env.bool("SCIWEEK_DEBUG", default=False)
# A development key only: `check --deploy` flags it, production must set SCIWEEK_SECRET_KEY.
SECRET_KEY = env.str("SCIWEEK_SECRET_KEY", default="django-insecure-sciweek-development-only-key-change-me")
ALLOWED_HOSTS = env.list("SCIWEEK_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("SCIWEEK_CSRF_TRUSTED_ORIGINS", default=[])
# The address in links that leave the browser (invitation e-mails, notifications, calendar
# files). Unset: the address of the request that made them (core.http.site_url), so the demo
# links to whatever host and port it runs on.
SITE_URL = env.str("SCIWEEK_SITE_URL", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from our own static files, not a CDN
    "treebeard",
    "sciweek.core",
    "sciweek.organizations",
    "sciweek.accounts",
    "sciweek.campaigns",
    "sciweek.activities",
    "sciweek.participants",
    "sciweek.reservations",
    "sciweek.news",
    "sciweek.quiz",
    "sciweek.media",
    "sciweek.contests",
    "sciweek.reports",
    "sciweek.statistics",
    "sciweek.evaluation",
    "sciweek.commendations",
    "sciweek.spreadsheets",
    "sciweek.console",
    "sciweek.portal",
    "sciweek.api",
    "sciweek.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sciweek.core.middleware.ServerTimingMiddleware",  # only with SCIWEEK_SERVER_TIMING (the fault scripts)
    "sciweek.core.middleware.CurrentRequestMiddleware",
    "sciweek.core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "sciweek.core.errors.DatabaseUnavailableMiddleware",  # a lost database: the site's own 503
    "django.middleware.common.CommonMiddleware",
    "sciweek.core.uploads.StorageFullMiddleware",  # a full disk while reading an upload: the 507 page
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sciweek.accounts.middleware.IdleSessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "sciweek.core.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sciweek.core.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sciweek.urls"
WSGI_APPLICATION = "sciweek.wsgi.application"

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
                "django.template.context_processors.i18n",
                "sciweek.core.context_processors.platform",
                "sciweek.console.context_processors.console_nav",
            ],
        },
    }
]

# Widgets render through the project's templates, so templates/django/forms/ can mark the
# Chinese labels of drop-down options on English pages (lang, WCAG 3.1.2).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'sciweek.sqlite3'}"),
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and the task worker share the file; IMMEDIATE
    # transactions take the write lock up front so concurrent writers queue instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Tests use a file too (not shared-cache memory), so race tests see real SQLite locking;
    # one per process, so concurrent test runs on one machine do not clobber each other.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-sciweek-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("SCIWEEK_CONN_MAX_AGE", default=60)
    # No statement of a web request waits longer than this for a row lock: the wait ends in a
    # localized "busy, retry" (reservations.services.Busy) instead of a stuck worker. Set on the
    # connection, so single-statement writes need no transaction of their own to carry it.
    LOCK_TIMEOUT = env.str("SCIWEEK_LOCK_TIMEOUT", default="3s")
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c lock_timeout={LOCK_TIMEOUT}"
    # Hot reads and writes built once (core.query_templates) run as prepared statements; off
    # behind a transaction-mode connection pooler (PgBouncer before 1.21).
    PREPARED_STATEMENTS = env.bool("SCIWEEK_PREPARED_STATEMENTS", default=True)
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions ------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis behind a circuit breaker: after a connection error or timeout the
            # process stops asking Redis for CIRCUIT_COOLDOWN s (then one probe), so a hung or
            # absent Redis costs a request at most one short timeout, not one per cache call.
            "BACKEND": "sciweek.core.resilient_cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                # Fail open: a Redis outage degrades caching, never the page.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.3,
                "CIRCUIT_COOLDOWN": env.float("SCIWEEK_REDIS_COOLDOWN", default=5.0),
            },
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    # Sessions survive a Redis outage because the database is the source of truth.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sciweek"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# JSON API rate limit per client (valid token, else IP), fixed window in the cache: "120/min", "10/s", "".
# With the cache unavailable, token clients and every write are counted in the database
# (api.RateCounter); anonymous reads pass.
# Server-Timing header with each request's wait on Redis (core.middleware.ServerTimingMiddleware).
SCIWEEK_SERVER_TIMING = env.bool("SCIWEEK_SERVER_TIMING", default=False)
SCIWEEK_API_RATE_LIMIT = env.str("SCIWEEK_API_RATE_LIMIT", default="120/min")

# Absolute session lifetime 12 h; idle timeout enforced by IdleSessionTimeoutMiddleware.
SESSION_COOKIE_AGE = env.int("SCIWEEK_SESSION_AGE", default=12 * 3600)
SESSION_IDLE_TIMEOUT = env.int("SCIWEEK_SESSION_IDLE", default=30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Background tasks -----------------------------------------------------------------
TASKS = {
    "default": (
        {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
        if env.str("SCIWEEK_TASK_BACKEND", default="database") == "rq"
        else {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    )
}
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "sciweek.accounts.passwords.CharacterClassValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "portal:home"

AXES_FAILURE_LIMIT = env.int("SCIWEEK_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SCIWEEK_LOCKOUT_MINUTES", default=30))
# Lock the account, not the IP: schools and offices share one NAT address, and an attacker
# rotating IPs still hits the per-account limit. (axes.W006 warns about exactly this choice.)
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

OTP_TOTP_ISSUER = "SciWeek 科技活动周"
INVITATION_VALID_DAYS = env.int("SCIWEEK_INVITATION_DAYS", default=14)

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("SCIWEEK_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    # Django's FileSystemStorage that removes a half-written file on a full disk (507 page).
    "default": {"BACKEND": "sciweek.core.uploads.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("SCIWEEK_MANIFEST_STATIC", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if env.str("SCIWEEK_S3_BUCKET", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("SCIWEEK_S3_BUCKET"),
            "endpoint_url": env.str("SCIWEEK_S3_ENDPOINT_URL", default=None),
            "access_key": env.str("SCIWEEK_S3_ACCESS_KEY", default=None),
            "secret_key": env.str("SCIWEEK_S3_SECRET_KEY", default=None),
            "region_name": env.str("SCIWEEK_S3_REGION", default=None),
            "default_acl": None,
            "querystring_auth": True,
        },
    }
WHITENOISE_USE_FINDERS = DEBUG
# Largest request body accepted at all (attachments are 20 MB, Excel uploads smaller).
MAX_REQUEST_BYTES = env.int("SCIWEEK_MAX_REQUEST_BYTES", default=25 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Django's handlers, the temporary-file one replaced by ours: on a full disk it removes its
# half-written file at once and answers with the 507 page (core.uploads).
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler",
                        "sciweek.core.uploads.TemporaryFileUploadHandler"]

# --- Email ----------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("SCIWEEK_EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("SCIWEEK_FROM_EMAIL", default="SciWeek <noreply@sciweek.localhost>")
SMS_BACKEND = env.str("SCIWEEK_SMS_BACKEND", default="sciweek.core.sms.ConsoleSmsBackend")

# --- Security (HTTPS settings on when SCIWEEK_HTTPS=true, as in production) ------------
HTTPS = env.bool("SCIWEEK_HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("SCIWEEK_BEHIND_PROXY", default=False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A 403/404 is one warning line, not a traceback (Django attaches the exception to its 403).
    "filters": {"quiet_client_errors": {"()": "sciweek.core.http.QuietClientErrors"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["quiet_client_errors"]}},
    "root": {"handlers": ["console"], "level": env.str("SCIWEEK_LOG_LEVEL", default="WARNING")},
}

VAR_DIR.mkdir(parents=True, exist_ok=True)
# WhiteNoise reads STATIC_ROOT at start-up (and warns when it is missing, e.g. before the
# first collectstatic): an empty folder is what "nothing collected yet" means.
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)

# --- Media intake (sciweek.media) -----------------------------------------------------
# Uploads come in chunks well under MAX_REQUEST_BYTES, so a 200 MB video never needs a bigger
# request nor a worker held for minutes; a broken connection resumes at the received offset.
MEDIA_CHUNK_BYTES = env.int("SCIWEEK_MEDIA_CHUNK_BYTES", default=4 * 1024 * 1024)
# FFmpeg reads uploads in a child process killed after this many seconds (a hostile file
# must not hang a worker).
MEDIA_PROBE_TIMEOUT = env.float("SCIWEEK_MEDIA_PROBE_TIMEOUT", default=15.0)
# Where unfinished chunked uploads wait (local disk even when media lives on S3). Empty: a
# "media-uploads" folder next to MEDIA_ROOT.
MEDIA_UPLOAD_TEMP_DIR = env.str("SCIWEEK_MEDIA_UPLOAD_TEMP_DIR", default="")
# An unfinished upload can be resumed for this long; `sciweek purge_media_uploads` removes older ones.
MEDIA_UPLOAD_TTL = timedelta(hours=env.int("SCIWEEK_MEDIA_UPLOAD_TTL_HOURS", default=24))
