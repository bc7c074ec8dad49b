"""The deployment settings (prod.py) for the load benchmarks: a gunicorn on loopback over plain HTTP, with the
database and Redis that tests/benchmarks/run.py prepares. Only what loopback needs differs from production:
no HTTPS redirect, HSTS or secure-cookie flags, and static files served from the source folders (the
benchmarks measure pages, not collectstatic)."""
import os

os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")

from .prod import *  # noqa: E402,F403
from .prod import env  # noqa: E402

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The benchmark process signs users in and bumps the cockpit's version with its own settings; tests/benchmarks/load.py
# passes its key and cache prefix, so that this server reads the same sessions and counters.
CACHES["default"]["KEY_PREFIX"] = env("PORTAL_CACHE_KEY_PREFIX", default=CACHES["default"]["KEY_PREFIX"])  # noqa: F405
