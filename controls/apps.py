from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _on_report_accepted(sender, report, **kwargs):
    from .jobs import refresh_soon
    refresh_soon()


class ControlsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "controls"
    verbose_name = _("Controls")

    def ready(self):
        from inventory.signals import report_accepted

        from .importers import register_kinds

        report_accepted.connect(_on_report_accepted, dispatch_uid="controls.refresh_on_accept")
        register_kinds()
