"""The base of every feature's API viewsets: module access for every action (anonymous 401, roles outside
the module 403), then `base_permission` for every action and the permission named in `action_permissions`
for the actions listed there."""
from django.http import Http404
from rest_framework import viewsets

from .permissions import HasPermission, ModuleAccess


class ModuleViewSet(viewsets.GenericViewSet):
    permission_classes = [ModuleAccess]
    module: str = ""
    base_permission: str | None = None
    action_permissions: dict[str, str] = {}

    def get_permissions(self):
        checks = super().get_permissions()
        required = self.action_permissions.get(self.action, self.base_permission)
        if required:
            self.required_permission = required
            checks.append(HasPermission())
        return checks

    def _fake(self):
        """drf-spectacular builds the schema with a fake view: no user, no object."""
        return getattr(self, "swagger_fake_view", False)


def visible_or_404(queryset, pk):
    """The row of an already scoped queryset, or 404 (also for a malformed id)."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
