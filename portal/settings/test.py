import os

from .base import *  # noqa: F403
from .base import env

# The live server of the browser tests runs in a thread inside pytest's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEBUG = False
SECRET_KEY = "test-only-not-secret-0b9d3f5e1a"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)


def _worker_redis(url: str) -> str:
    """Parallel test workers (pytest -n) each get their own Redis database: a test that clears the
    cache must not wipe another worker's keys."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or not worker[2:].isdigit():
        return url
    base, _, db = url.rpartition("/")
    if not db.isdigit():
        return url
    return f"{base}/{(int(db) - int(worker[2:])) % 16}"


CACHES = {
    "default": {
        "BACKEND": "portal.cache.RedisCache",
        "LOCATION": _worker_redis(env("REDIS_URL", default="redis://127.0.0.1:63809/15")),
        "KEY_PREFIX": "portal-test",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Transactional tests empty every table between tests, the audit trail included: only this session setting lets
# TRUNCATE through the audit trail's trigger (portal/migrations/0006_audit_no_truncate.py).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c portal.audit_truncate_allowed=on"  # noqa: F405
