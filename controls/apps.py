from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ControlsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "controls"
    verbose_name = _("Controls")
