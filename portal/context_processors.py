from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import permissions as perms
from .selectors import notification_unread_count

# (module, url name, label, icon) — shown to the roles that work in that module.
NAVIGATION = [
    ("cockpit", "portal:cockpit", _("Cockpit"), "speedometer2"),
    ("tasks", "tasks:index", _("Tasks"), "list-check"),
    ("inventory", "inventory:index", _("Inventory"), "database"),
    ("screening", "screening:index", _("Screening"), "funnel"),
    ("controls", "controls:index", _("Controls"), "shield-check"),
    ("departments", "portal:department_list", _("Departments"), "building"),
    ("users", "portal:user_list", _("Users"), "people"),
    ("audit", "portal:audit_list", _("Audit trail"), "journal-text"),
]


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"portal_name": settings.PORTAL_SITE_NAME}
    nav = []
    for module, name, label, icon in NAVIGATION:
        if perms.can_access_module(user, module):
            url = reverse(name)
            nav.append({"url": url, "label": label, "icon": icon, "active": request.path.startswith(url)})
    roles = perms.user_roles(user)
    return {
        "portal_name": settings.PORTAL_SITE_NAME,
        "nav_items": nav,
        "user_role_labels": [perms.ROLE_LABELS[r] for r in perms.ROLES if r in roles],
        "unread_notifications": notification_unread_count(user=user),
    }
