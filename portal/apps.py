from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_after_migrate(sender, using="default", **kwargs):
    """Keep the role Groups and the beat schedule whole after every migrate (and after a test
    flush): later apps bring new permissions, and flushing empties the tables."""
    from django.contrib.auth.models import Permission

    from .schedules import schedules_sync
    from .services import roles_sync

    if Permission.objects.using(using).exists():
        roles_sync(strict=False)
        schedules_sync()


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        # After the last app, so that its permissions exist when the roles are synced.
        post_migrate.connect(_sync_after_migrate, dispatch_uid="portal.sync_after_migrate")
