from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tasks"
    verbose_name = _("Tasks")

    def ready(self):
        from . import jobs  # noqa: F401 - registers its job rows with the stale-job recovery
