"""Settings shared by every environment. Everything that differs between machines comes from the
environment (django-environ); dev/test/prod only set what differs between those environments."""
from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

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
    "django_celery_beat",
    "django_htmx",
    "import_export",
    "axes",
    "csp",
    "portal",
    "inventory",
    "screening",
    "controls",
    "tasks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.text.NullCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.AuditContextMiddleware",
    "portal.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.IdleTimeoutMiddleware",
    "portal.middleware.ForcePasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.shell",
            ],
        },
    }
]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://portal@127.0.0.1:54329/portal"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Two database roles: DATABASE_URL is the application's (web, worker, beat: rows only, the audit trail add-and-read),
# `migrate` runs with the owner's URL (PORTAL_MIGRATE_DATABASE_URL) and grants this role its privileges afterwards
# (portal/database.py).
PORTAL_DB_APP_ROLE = env("PORTAL_DB_APP_ROLE", default="portal_app")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:63799/0")
CACHES = {
    "default": {
        "BACKEND": "portal.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "portal",
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}
# With Redis unreachable the cache answers "missing" without trying Redis again for this many seconds.
PORTAL_CACHE_RETRY_SECONDS = env.int("PORTAL_CACHE_RETRY_SECONDS", default=5)

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

# Password policy (等保 2.0 level 3): length, character classes, common passwords. All configurable.
PORTAL_PASSWORD_MIN_LENGTH = env.int("PORTAL_PASSWORD_MIN_LENGTH", default=8)
PORTAL_PASSWORD_MIN_CLASSES = env.int("PORTAL_PASSWORD_MIN_CLASSES", default=3)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "portal.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": PORTAL_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "portal.validators.CharacterClassValidator",
        "OPTIONS": {"min_classes": PORTAL_PASSWORD_MIN_CLASSES},
    },
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

# Lockout (django-axes): 5 failures lock the account for 30 minutes. axes counts failures within the
# lock period itself, so the counting window is 30 minutes — stricter than the 15 minutes 等保 asks.
AXES_FAILURE_LIMIT = env.int("PORTAL_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("PORTAL_LOCKOUT_MINUTES", default=30))
# Lock the account, not the address: a bureau's whole office often shares one NAT address.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
AXES_LOCKOUT_CALLABLE = "portal.views.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "portal.utils.client_ip"
AXES_VERBOSE = False

# Sessions: idle timeout of 30 minutes, refreshed by activity; closed browsers end the session.
PORTAL_IDLE_TIMEOUT_SECONDS = env.int("PORTAL_IDLE_TIMEOUT_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = PORTAL_IDLE_TIMEOUT_SECONDS
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# In the database only: signed-in pages must not depend on Redis (portal/cache.py fails open when it is down).
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# API tokens (等保 2.0): a token ends after this many idle seconds, and at the latest this many seconds after
# it was issued; lock, password change or reset, role change, disabling and signing out revoke it at once.
PORTAL_API_TOKEN_IDLE_SECONDS = env.int("PORTAL_API_TOKEN_IDLE_SECONDS", default=30 * 60)
PORTAL_API_TOKEN_LIFETIME_SECONDS = env.int("PORTAL_API_TOKEN_LIFETIME_SECONDS", default=8 * 60 * 60)
# Resetting an administrator's password takes two administrators; an unconfirmed request lapses after this.
PORTAL_ADMIN_RESET_REQUEST_HOURS = env.int("PORTAL_ADMIN_RESET_REQUEST_HOURS", default=24)

# The client's address. Only the proxies listed here (addresses or networks, e.g. the nginx container's) are
# believed when they say, in X-Forwarded-For, whom they forward for; any other sender's header is ignored. Empty:
# the portal is reached directly and REMOTE_ADDR is the client.
PORTAL_TRUSTED_PROXIES = env.list("PORTAL_TRUSTED_PROXIES", default=[])

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("PORTAL_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Content-Security-Policy: every asset comes from the portal itself; no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK = {
    # Token first so that an anonymous request is told how to authenticate (401, not 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["portal.api.parsers.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exceptions.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "新污染物治理协同平台 API",
    "DESCRIPTION": "REST API of the new-pollutant governance portal. The same permissions as the web UI apply.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "portal.api.schema.add_error_responses"],
    "ENUM_NAME_OVERRIDES": {"SurveyKindEnum": "inventory.choices.SurveyKind",
                            "RunStatusEnum": "screening.choices.RunStatus",
                            "AssessmentStatusEnum": "screening.choices.AssessmentStatus"},
}

# Celery: Redis broker, acks late with rejection on worker loss, one visibility timeout everywhere.
# Time limits per queue: the `reports` queue (PDFs, import check and commit, screening runs) may take minutes,
# the default queue (reminders, heartbeats, cockpit and list refreshes) must finish in a few. Kombu's Redis
# transport has one visibility timeout per broker (any worker restores any queue's unacknowledged messages), so
# it is set just above the longest time limit: a job whose worker died is delivered again after it, and the
# stale-job recovery below settles the rows of jobs lost altogether. No countdown/ETA may exceed it (the
# longest used is 30 s).
PORTAL_REPORTS_TIME_LIMIT = env.int("PORTAL_REPORTS_TIME_LIMIT", default=15 * 60)
PORTAL_DEFAULT_TIME_LIMIT = env.int("PORTAL_DEFAULT_TIME_LIMIT", default=5 * 60)
PORTAL_CELERY_VISIBILITY_TIMEOUT = env.int("PORTAL_CELERY_VISIBILITY_TIMEOUT",
                                           default=max(PORTAL_REPORTS_TIME_LIMIT, PORTAL_DEFAULT_TIME_LIMIT) + 5 * 60)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": PORTAL_CELERY_VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": PORTAL_CELERY_VISIBILITY_TIMEOUT}
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that sends a job while Redis is down waits about a second, not the default ten: the job's row stays
# queued and the recovery sends it when Redis is back (portal.recovery.job_send).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.5}
CELERY_BEAT_SCHEDULER = "portal.celery:PortalScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 10
CELERY_TASK_TIME_LIMIT = PORTAL_DEFAULT_TIME_LIMIT
CELERY_TASK_SOFT_TIME_LIMIT = PORTAL_DEFAULT_TIME_LIMIT - min(30, PORTAL_DEFAULT_TIME_LIMIT // 10)
DJANGO_CELERY_BEAT_TZ_AWARE = True

# Liveness of the background processes, reported by /healthz.
PORTAL_HEARTBEAT_INTERVAL_SECONDS = env.int("PORTAL_HEARTBEAT_INTERVAL_SECONDS", default=30)
PORTAL_HEARTBEAT_MAX_AGE_SECONDS = env.int("PORTAL_HEARTBEAT_MAX_AGE_SECONDS", default=120)

# Tasks: warning colours, reminders and reports.
PORTAL_DUE_SOON_DAYS = env.int("PORTAL_DUE_SOON_DAYS", default=7)
PORTAL_BEHIND_TOLERANCE = env.int("PORTAL_BEHIND_TOLERANCE", default=20)  # percentage points
PORTAL_REMINDER_LEAD_DAYS = env.list("PORTAL_REMINDER_LEAD_DAYS", cast=int, default=[7, 3, 1, 0])
PORTAL_REPORT_CHASE_DAYS = env.int("PORTAL_REPORT_CHASE_DAYS", default=5)  # before the period's due day
PORTAL_ESCALATE_AFTER_DAYS = env.int("PORTAL_ESCALATE_AFTER_DAYS", default=7)
PORTAL_DIGEST_HOUR = env.int("PORTAL_DIGEST_HOUR", default=8)  # local time, daily e-mail digest
PORTAL_REMINDER_SCAN_MINUTES = env.int("PORTAL_REMINDER_SCAN_MINUTES", default=5)
PORTAL_EVIDENCE_MAX_BYTES = env.int("PORTAL_EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
PORTAL_PLAN_MAX_BYTES = env.int("PORTAL_PLAN_MAX_BYTES", default=5 * 1024 * 1024)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="portal@localhost")
# Inventory imports: files above the size below are checked and written by a Celery job with a progress bar.
# The cockpit's summaries: a full refresh this often (writes refresh their own panels within seconds).
PORTAL_COCKPIT_REFRESH_SECONDS = env.int("PORTAL_COCKPIT_REFRESH_SECONDS", default=60)
# The public (no login) pages: requests per client address per minute before 429, and the cache lifetime.
PORTAL_PUBLIC_RATE_LIMIT = env.int("PORTAL_PUBLIC_RATE_LIMIT", default=120)
PORTAL_PUBLIC_CACHE_SECONDS = env.int("PORTAL_PUBLIC_CACHE_SECONDS", default=600)
PORTAL_IMPORT_MAX_BYTES = env.int("PORTAL_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
PORTAL_IMPORT_SYNC_MAX_BYTES = env.int("PORTAL_IMPORT_SYNC_MAX_BYTES", default=200 * 1024)
# Slow work (PDF layout, large imports) runs on its own queue so reminders are never held up.
CELERY_TASK_ROUTES = {"tasks.generate_report_document": {"queue": "reports"},
                      "inventory.import_check": {"queue": "reports"},
                      "inventory.import_commit": {"queue": "reports"},
                      "screening.run": {"queue": "reports"}}
CELERY_TASK_ANNOTATIONS = {name: {"time_limit": PORTAL_REPORTS_TIME_LIMIT,
                                  "soft_time_limit": PORTAL_REPORTS_TIME_LIMIT - min(60, PORTAL_REPORTS_TIME_LIMIT // 10)}
                           for name, route in CELERY_TASK_ROUTES.items() if route["queue"] == "reports"}
# Stale-job recovery (portal/recovery.py): how often beat looks, how long a row of each kind may stay queued or
# running (longer than its time limit), and how many times its job is sent again before the row is failed.
PORTAL_JOB_RECOVER_SECONDS = env.int("PORTAL_JOB_RECOVER_SECONDS", default=60)
PORTAL_JOB_MAX_REQUEUES = env.int("PORTAL_JOB_MAX_REQUEUES", default=2)
PORTAL_JOB_STALE_REPORT_DOCUMENT_SECONDS = env.int("PORTAL_JOB_STALE_REPORT_DOCUMENT_SECONDS",
                                                   default=PORTAL_REPORTS_TIME_LIMIT + 60)
PORTAL_JOB_STALE_IMPORT_SECONDS = env.int("PORTAL_JOB_STALE_IMPORT_SECONDS", default=PORTAL_REPORTS_TIME_LIMIT + 60)
PORTAL_JOB_STALE_SCREENING_RUN_SECONDS = env.int("PORTAL_JOB_STALE_SCREENING_RUN_SECONDS",
                                                 default=PORTAL_REPORTS_TIME_LIMIT + 60)

PORTAL_SITE_NAME = _("New Pollutant Governance Portal")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
