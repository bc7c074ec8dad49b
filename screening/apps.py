from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "screening"
    verbose_name = _("Screening and assessment")

    def ready(self):
        from .importers import register_kinds

        register_kinds()
        from . import jobs  # noqa: F401 - registers its job rows with the stale-job recovery
