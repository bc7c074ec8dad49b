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


def _grant_app_role(sender, using="default", plan=None, **kwargs):
    """After a migrate (not after a test flush, which sends the same signal without a plan), once: give the
    application role its privileges on every table the migrations made (portal/database.py)."""
    if plan is None or sender.name != "portal":
        return
    from .database import app_role_grant

    app_role_grant(using=using)


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


def separation_of_duties_check(app_configs=None, databases=None, **kwargs):
    """`manage.py check --database default`: accounts breaking 三员分立, named."""
    from django.core.checks import Error
    from django.db import DatabaseError

    if not databases:
        return []
    from .selectors import separation_of_duties_violations
    try:
        found = separation_of_duties_violations()
    except DatabaseError:  # not migrated yet
        return []
    return [Error(f"三员分立 / separation of duties: {username} holds {', '.join(roles)}",
                  hint="Give the account one administrator role or business roles only (security administrator).",
                  id="portal.E001") for username, roles in found]


def trusted_proxies_check(app_configs=None, **kwargs):
    """PORTAL_TRUSTED_PROXIES must be addresses or networks: a typo would otherwise fail every request."""
    import ipaddress

    from django.conf import settings
    from django.core.checks import Error

    errors = []
    for entry in getattr(settings, "PORTAL_TRUSTED_PROXIES", []):
        try:
            ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            errors.append(Error(f"PORTAL_TRUSTED_PROXIES: {entry!r} is not an address or network", id="portal.E002"))
    return errors


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from . import text

        text.install()
        # After the last app, so that its permissions exist when the roles are synced.
        post_migrate.connect(_sync_after_migrate, dispatch_uid="portal.sync_after_migrate")
        post_migrate.connect(_grant_app_role, dispatch_uid="portal.grant_app_role")
        from django.core import checks

        checks.register(separation_of_duties_check, checks.Tags.database)
        checks.register(trusted_proxies_check, checks.Tags.security)
        from django.apps import apps
        from django.db.models.signals import post_delete, post_save

        for group, labels in COCKPIT_SOURCES.items():
            receiver = _cockpit_source_changed(group)
            for label in labels:
                model = apps.get_model(label)
                post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"cockpit.{label}.save")
                post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"cockpit.{label}.delete")
