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


# Writes that change what the cockpit shows, by the group of panels they touch (portal/summaries.py). Bulk
# writes that bypass the model (imports by COPY, the list derivation in SQL) ask for their refresh themselves
# or are covered by the periodic full refresh.
COCKPIT_SOURCES = {
    "tasks": ["tasks.ActionPlan", "tasks.Task", "tasks.TaskAssignment", "tasks.ProgressReport",
              "tasks.Indicator", "tasks.IndicatorValue"],
    "survey": ["inventory.Enterprise", "inventory.SurveyReport", "screening.ScreeningRun",
               "screening.RiskAssessment", "screening.ControlProposal"],
    "control": ["controls.ControlList", "controls.ControlledEnterprise", "controls.ControlledEnterpriseMeasure",
                "controls.ControlMeasure", "controls.Inspection", "controls.InspectionFinding",
                "controls.Rectification"],
}


def _cockpit_source_changed(group):
    def changed(sender, **kwargs):
        if kwargs.get("raw"):  # loading fixtures
            return
        from .jobs import cockpit_refresh_soon
        cockpit_refresh_soon(group)
    return changed


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from . import text

        text.install()
        # After the last app, so that its permissions exist when the roles are synced.
        post_migrate.connect(_sync_after_migrate, dispatch_uid="portal.sync_after_migrate")
        from django.apps import apps
        from django.db.models.signals import post_delete, post_save

        for group, labels in COCKPIT_SOURCES.items():
            receiver = _cockpit_source_changed(group)
            for label in labels:
                model = apps.get_model(label)
                post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"cockpit.{label}.save")
                post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"cockpit.{label}.delete")
