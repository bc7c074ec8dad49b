"""Pages of the shared part of the portal: sign-in, home pages per role, notifications, users,
departments, the audit trail and health. Views stay thin: rules in services, reads in selectors."""
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import permissions as perms
from . import selectors, services
from .celery import BEAT_HEARTBEAT_KEY, WORKER_HEARTBEAT_KEY
from .choices import AUDIT_ACTION_LABELS, DepartmentKind
from .exports import export_response
from .forms import AuditFilterForm, LoginForm, PortalPasswordChangeForm, UserCreateForm, UserRolesForm
from .models import Department, Notification, User

PAGE_SIZE = 50


def module_required(module):
    """Signed-in users whose roles work in `module`; others get 403 (anonymous: the login page)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not perms.can_access_module(request.user, module):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def permission_required(perm):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not perms.can(request.user, perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def error_messages(exc) -> list[str]:
    """The messages of a service's ValidationError (field errors flattened) or PermissionDenied."""
    if isinstance(exc, PermissionDenied):
        return [str(exc) or _("You do not have permission to do this.")]
    if hasattr(exc, "error_dict"):
        return [m for values in exc.message_dict.values() for m in values]
    return exc.messages


def flash_errors(request, exc) -> None:
    for message in error_messages(exc):
        messages.error(request, message)


def form_add_errors(form, exc) -> None:
    """Attach a service's messages to the form's fields where they name one, else to the form."""
    if hasattr(exc, "error_dict"):
        for field, values in exc.message_dict.items():
            for message in values:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


class LightPage:
    """A page read one row past its end, so lists of a million rows never run COUNT(*). The total is
    known only when the list fits on the first page."""

    def __init__(self, rows, number, size):
        self.number, self.has_next = number, len(rows) > size
        self.object_list = rows[:size]
        self.has_previous = number > 1
        self.total = len(self.object_list) if number == 1 and not self.has_next else None

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


def paginate_light(request, queryset, size=PAGE_SIZE) -> LightPage:
    try:
        number = max(1, min(int(request.GET.get("page", 1)), 10_000))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * size
    return LightPage(list(queryset[start:start + size + 1]), number, size)


# ---------------------------------------------------------------- sign-in

class PortalLoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        services.auth_login_succeeded(user=form.get_user())
        return response

    def form_invalid(self, form):
        username = (self.request.POST.get("username") or "").strip()
        if username:
            services.auth_login_failed(
                username=username, locked_out=bool(getattr(self.request, "axes_locked_out", False))
            )
        return super().form_invalid(form)


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out account is answered (django-axes): the page, or for the API a JSON body."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Too many failed sign-in attempts. The account is locked; try again later "
                                         "or ask the security administrator to unlock it.")}, status=429)
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, status=429)


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        services.auth_logged_out(user=request.user)
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


class PortalPasswordChangeView(auth_views.PasswordChangeView):
    template_name = "portal/password_change.html"
    form_class = PortalPasswordChangeForm
    success_url = reverse_lazy("portal:home")

    def form_valid(self, form):
        user = services.user_change_password(user=self.request.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password has been changed."))
        return redirect(self.get_success_url())


# ---------------------------------------------------------------- home pages

HOME_TEMPLATES = {
    perms.BUREAU_STAFF: "portal/home_bureau_staff.html",
    perms.DEPARTMENT_OFFICER: "portal/home_department_officer.html",
    perms.LEADER: "portal/home_leader.html",
    perms.SYSTEM_ADMIN: "portal/home_system_admin.html",
    perms.SECURITY_ADMIN: "portal/home_security_admin.html",
    perms.AUDIT_ADMIN: "portal/home_audit_admin.html",
}


@login_required
def home(request):
    from tasks import selectors as task_selectors

    role = perms.primary_role(request.user)
    template = HOME_TEMPLATES.get(role, "portal/home_no_role.html")
    context = {"role": role, "latest_notifications": list(selectors.notification_list(user=request.user)[:5])}
    if role in (perms.BUREAU_STAFF, perms.DEPARTMENT_OFFICER, perms.LEADER):
        context["my_tasks"] = task_selectors.my_tasks(user=request.user)
        context["alert_counts"] = task_selectors.alert_counts(user=request.user)
    if role == perms.BUREAU_STAFF:
        from inventory import selectors as inventory_selectors

        surveys = list(inventory_selectors.reports_to_review(user=request.user)[:11])
        context["surveys_to_review"], context["surveys_more"] = surveys[:10], len(surveys) > 10
        context["to_review"] = list(task_selectors.reports_to_review(user=request.user)[:10])
        context["extensions"] = list(task_selectors.extensions_pending(user=request.user)[:10])
        context["chase"] = task_selectors.chase_list(user=request.user)
    return render(request, template, context)


@module_required("cockpit")
def cockpit(request):
    """The leadership cockpit for the region, plan and year chosen (see portal.cockpit.page: the whole page is
    cached per viewer until the next refresh of the summaries)."""
    from . import cockpit as presentation
    params = {"region": request.GET.get("region"), "plan": request.GET.get("plan"), "year": request.GET.get("year")}
    if request.GET.get("export") == "xlsx":
        from .exports import workbook_response
        figures = selectors.cockpit(user=request.user, **params)
        return workbook_response(sheets=presentation.sheets(figures), filename="领导驾驶舱")
    return presentation.page(request, params)


# ---------------------------------------------------------------- notifications

@login_required
def notification_list(request):
    page = paginate(request, selectors.notification_list(user=request.user))
    return render(request, "portal/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_read(request, pk):
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    services.notification_mark_read(user=request.user, notification=notification)
    if notification.link and notification.link.startswith("/"):
        return redirect(notification.link)
    return redirect("portal:notification_list")


@login_required
@require_POST
def notification_read_all(request):
    count = services.notification_mark_all_read(user=request.user)
    messages.success(request, _("%(n)d notifications marked as read.") % {"n": count})
    return redirect("portal:notification_list")


@login_required
@require_GET
def notification_badge(request):
    # The count comes from the shell context processor, like on every page.
    return render(request, "includes/_notification_badge.html")


# ---------------------------------------------------------------- users (system and security administrators)

@module_required("users")
def user_list(request):
    filters = request.GET.dict()
    page = paginate(request, selectors.user_list(user=request.user, filters=filters))
    return render(request, "portal/user_list.html", {
        "page": page, "filters": filters,
        "role_choices": [(r, perms.ROLE_LABELS[r]) for r in perms.ROLES],
    })


@module_required("users")
def user_detail(request, pk):
    target = perms.get_visible_or_404(User.objects.select_related("department__region"), request.user, pk=pk)
    context = selectors.user_detail_context(viewer=request.user, target=target)
    context["roles_form"] = UserRolesForm(initial={"roles": sorted(perms.user_roles(target))})
    return render(request, "portal/user_detail.html", context)


@permission_required("portal.add_user")
def user_create(request):
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user, initial = services.user_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return render(request, "portal/user_created.html", {"target": user, "initial_password": initial})
    return render(request, "portal/user_form.html", {"form": form})


@permission_required("portal.manage_roles")
@require_POST
def user_roles(request, pk):
    target = perms.get_visible_or_404(User.objects.all(), request.user, pk=pk)
    form = UserRolesForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_roles(actor=request.user, user=target, roles=form.cleaned_data["roles"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Roles of %(user)s saved.") % {"user": target})
    else:
        for error in form.errors.get("roles", []):
            messages.error(request, error)
    return redirect("portal:user_detail", pk=target.pk)


@permission_required("portal.unlock_user")
@require_POST
def user_unlock(request, pk):
    target = perms.get_visible_or_404(User.objects.all(), request.user, pk=pk)
    services.user_unlock(actor=request.user, user=target)
    messages.success(request, _("Account %(user)s unlocked.") % {"user": target.username})
    return redirect("portal:user_detail", pk=target.pk)


@permission_required("portal.change_user")
@require_POST
def user_reset_password(request, pk):
    target = perms.get_visible_or_404(User.objects.all(), request.user, pk=pk)
    try:
        new = services.user_reset_password(actor=request.user, user=target)
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
        return redirect("portal:user_detail", pk=target.pk)
    return render(request, "portal/user_created.html", {"target": target, "initial_password": new, "reset": True})


@permission_required("portal.reset_admin_password")
@require_POST
def admin_password_reset_request(request, pk):
    """The first of two administrators asks for a reset of an administrator's password and sees the first half."""
    target = perms.get_visible_or_404(User.objects.all(), request.user, pk=pk)
    try:
        _reset, half = services.admin_password_reset_request(actor=request.user, user=target)
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
        return redirect("portal:user_detail", pk=target.pk)
    return render(request, "portal/user_password_half.html", {"target": target, "half": half, "first": True})


def _pending_reset(request, pk):
    from .models import PasswordResetRequest

    reset = get_object_or_404(PasswordResetRequest.objects.select_related("target"), pk=pk)
    perms.get_visible_or_404(User.objects.all(), request.user, pk=reset.target_id)
    return reset


@permission_required("portal.reset_admin_password")
@require_POST
def admin_password_reset_confirm(request, pk):
    """A second administrator confirms; the account gets its new password and this administrator the second half."""
    reset = _pending_reset(request, pk)
    try:
        half = services.admin_password_reset_confirm(actor=request.user, reset=reset)
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
        return redirect("portal:user_detail", pk=reset.target_id)
    return render(request, "portal/user_password_half.html", {"target": reset.target, "half": half, "first": False})


@permission_required("portal.reset_admin_password")
@require_POST
def admin_password_reset_cancel(request, pk):
    reset = _pending_reset(request, pk)
    try:
        services.admin_password_reset_cancel(actor=request.user, reset=reset)
    except (ValidationError, PermissionDenied) as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("The password reset request was cancelled."))
    return redirect("portal:user_detail", pk=reset.target_id)


@permission_required("portal.revoke_token")
@require_POST
def user_revoke_tokens(request, pk):
    target = perms.get_visible_or_404(User.objects.all(), request.user, pk=pk)
    count = services.api_tokens_revoke_by_security_admin(actor=request.user, user=target)
    messages.success(request, _("%(n)d API tokens of %(user)s revoked.") % {"n": count, "user": target.username})
    return redirect("portal:user_detail", pk=target.pk)


# ---------------------------------------------------------------- departments

@module_required("departments")
def department_list(request):
    filters = request.GET.dict()
    page = paginate(request, selectors.department_list(user=request.user, filters=filters))
    return render(request, "portal/department_list.html",
                  {"page": page, "filters": filters, "kind_choices": DepartmentKind.choices})


@module_required("departments")
def department_detail(request, pk):
    department = perms.get_visible_or_404(
        Department.objects.select_related("region").prefetch_related("aliases"), request.user, pk=pk
    )
    return render(request, "portal/department_detail.html", {"department": department})


# ---------------------------------------------------------------- audit trail (audit administrator)

@permission_required("portal.view_auditevent")
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = paginate(request, selectors.audit_event_list(user=request.user, filters=filters))
    return render(request, "portal/audit_list.html", {"page": page, "form": form})


@permission_required("portal.export_auditevent")
def audit_export(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    events = selectors.audit_event_list(user=request.user, filters=filters)
    services.audit_record(actor=request.user, action="audit.export", detail=f"{fmt} {filters}")
    headers = [_("Time"), _("Account"), _("Source IP"), _("Action"), _("Object type"), _("Object ID"),
               _("Object"), _("Outcome"), _("Detail"), _("Before"), _("After")]
    rows = (
        (e.time, e.actor_username, e.source_ip, str(AUDIT_ACTION_LABELS.get(e.action, e.action)), e.object_type,
         e.object_id, e.object_repr,
         e.get_outcome_display(), e.detail, e.before, e.after)
        for e in events.iterator(chunk_size=2000)
    )
    return export_response(headers=headers, rows=rows, filename="审计日志", fmt=fmt)


# ---------------------------------------------------------------- health

def _age(key):
    import time

    value = cache.get(key)
    return None if value is None else round(time.time() - float(value), 1)


@never_cache
@require_GET
def healthz(request):
    """Liveness of every part: database, Redis, Celery worker and beat. 200 when all are fine."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:  # noqa: BLE001
        checks["database"] = {"ok": False, "error": exc.__class__.__name__}
    max_age = settings.PORTAL_HEARTBEAT_MAX_AGE_SECONDS
    try:
        cache._cache.get_client(write=True).ping()
        checks["redis"] = {"ok": True}
        for name, key in (("worker", WORKER_HEARTBEAT_KEY), ("beat", BEAT_HEARTBEAT_KEY)):
            age = _age(key)
            checks[name] = {"ok": age is not None and age <= max_age, "last_seen_seconds_ago": age}
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = {"ok": False, "error": exc.__class__.__name__}
        checks["worker"] = {"ok": False, "last_seen_seconds_ago": None}
        checks["beat"] = {"ok": False, "last_seen_seconds_ago": None}
    healthy = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", "checks": checks}, status=200 if healthy else 503)


def _api_error(request, status: int, detail) -> JsonResponse | None:
    """The API's error body ({"detail": …}, as portal/api/exceptions.py answers) for a path under /api/."""
    from .text import wants_json

    if wants_json(request):
        return JsonResponse({"detail": str(detail)}, status=status, json_dumps_params={"ensure_ascii": False})
    return None


def error_400(request, exception=None):
    return _api_error(request, 400, _("The request cannot be read.")) or render(request, "400.html", status=400)


def error_403(request, exception=None):
    return (_api_error(request, 403, _("You do not have permission to do this."))
            or render(request, "403.html", status=403))


def error_404(request, exception=None):
    return _api_error(request, 404, _("Not found.")) or render(request, "404.html", status=404)


def error_500(request):
    return _api_error(request, 500, _("Server error.")) or render(request, "500.html", status=500)


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the API's JSON, downloads)."""
    from django.templatetags.static import static

    return redirect(static("img/favicon.svg"), permanent=True)


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
