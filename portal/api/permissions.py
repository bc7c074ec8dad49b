from rest_framework.permissions import BasePermission

from portal import permissions as perms


class ModuleAccess(BasePermission):
    """DRF face of `portal.permissions.can_access_module`: set `module` on the view."""

    def has_permission(self, request, view):
        return perms.can_access_module(request.user, view.module)


class HasPermission(BasePermission):
    """DRF face of `portal.permissions.can`: set `required_permission` on the view."""

    def has_permission(self, request, view):
        return perms.can(request.user, view.required_permission)
