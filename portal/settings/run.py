"""`make run`: the portal served the way a bureau's server runs it — gunicorn with the Dockerfile's workers, DEBUG
off, the Chinese 404/500 pages, the application database role — on this machine, over plain HTTP, with the
embedded PostgreSQL and Valkey (portal/devstack.py). Only what loopback needs differs from production: no HTTPS
redirect, HSTS or secure-cookie flags, static files served from the source folders without collectstatic, mail
printed on the console. PORTAL_DEV=1 runs the autoreloading debug server with portal.settings.dev instead."""
import os

os.environ.setdefault("DJANGO_SECRET_KEY", "run-only-not-secret-4e8a1c7d3b")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("PORTAL_TRUST_X_FORWARDED_FOR", "false")
os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

from .prod import *  # noqa: E402,F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_PRELOAD = False
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
