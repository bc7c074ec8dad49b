import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .services import auth_logged_out
from .utils import client_ip, reset_current_ip, set_current_ip

SESSION_KEY = "portal_last_activity"
# Requests that neither count as activity nor need a fresh password (polling, assets, health).
PASSIVE_PREFIXES = ("/static/", "/healthz", "/notifications/badge/")


class AuditContextMiddleware:
    """Makes the client's address known to the audit trail for the length of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_current_ip(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            reset_current_ip(token)


class IdleTimeoutMiddleware:
    """Ends a session after PORTAL_IDLE_TIMEOUT_SECONDS without activity (等保: 30 minutes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(SESSION_KEY)
            timeout = settings.PORTAL_IDLE_TIMEOUT_SECONDS
            if last is not None and now - last > timeout:
                auth_logged_out(user=user, reason="timeout")
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": _("Your session has expired. Please sign in again.")}, status=401)
                messages.info(request, _("You were signed out after %(minutes)d minutes without activity.")
                              % {"minutes": timeout // 60})
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            passive = request.path.startswith(PASSIVE_PREFIXES)
            if not passive and (last is None or now - last >= 30):
                request.session[SESSION_KEY] = now
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """An account created by an administrator must change its initial password before anything else."""

    ALLOWED_NAMES = ("portal:password_change", "portal:logout", "set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = [reverse(name) for name in self.ALLOWED_NAMES]
            if request.path not in allowed and not request.path.startswith(PASSIVE_PREFIXES + ("/jsi18n/",)):
                message = _("Please change your initial password before continuing.")
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": message}, status=403)
                messages.warning(request, message)
                return redirect("portal:password_change")
        return self.get_response(request)


class NoStoreMiddleware:
    """Nothing a signed-in user is shown, and nothing the API answers, is kept by a browser or proxy cache:
    pages, API responses, evidence downloads and exports carry `Cache-Control: no-store`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path.startswith("/api/") or response.has_header("Content-Disposition"):
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response
