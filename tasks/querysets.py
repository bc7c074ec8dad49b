"""Who sees which plans and tasks, and the three-colour warning state — each defined once, here, and
used by pages, the API, reminders and reports alike."""
import datetime

from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, ExpressionWrapper, F, Func, IntegerField, OuterRef, Q, Value, When

from portal import permissions as perms

from .choices import AlertColour, PlanStatus, TaskStatus

OPEN_STATUSES = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.OVERDUE)


class DaysBetween(Func):
    """(later - earlier) in whole days; PostgreSQL subtracts dates to an integer."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()


def _scope(user, *, prefix: str, mine, drafts: bool) -> Q:
    """Bureau staff: what is published in their region and below, and with `drafts` the draft plans too;
    leaders: what is published there; department officers: published work that assigns their department
    (`mine`, an Exists). `prefix` leads from the model to its plan ("" for plans, "plan__" for tasks)."""
    q = Q(pk__in=[])
    in_region = perms.region_q(user, f"{prefix}region")
    published = Q(**{f"{prefix}status": PlanStatus.PUBLISHED})
    if perms.has_role(user, perms.BUREAU_STAFF):
        q |= in_region if drafts else in_region & published
    if perms.has_role(user, perms.LEADER):
        q |= in_region & published
    if perms.has_role(user, perms.DEPARTMENT_OFFICER) and user.department_id:
        q |= Q(mine) & published
    return q


def _usable(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Plans, drafts included for bureau staff (the plan list marks them; a draft's page is where it is
        corrected and published)."""
        if not _usable(user):
            return self.none()
        if perms.sees_everything(user):
            return self
        from .models import TaskAssignment

        mine = Exists(TaskAssignment.objects.filter(task__plan=OuterRef("pk"), department_id=user.department_id))
        return self.filter(_scope(user, prefix="", mine=mine, drafts=True))


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user, *, drafts: bool = False):
        """Live work: department officers see only their department's tasks (lead or co-responsible) of
        published plans; leaders and bureau staff everything published in their region. A draft plan's items
        are not work yet: only its draft page and the correction of an item ask for them (`drafts=True`, bureau
        staff only), so they never reach task lists, home queues, the API, reports or reminders."""
        if not _usable(user):
            return self.none()
        if perms.sees_everything(user):
            return self
        from .models import TaskAssignment

        mine = Exists(TaskAssignment.objects.filter(task=OuterRef("pk"), department_id=user.department_id))
        return self.filter(_scope(user, prefix="plan__", mine=mine, drafts=drafts))

    def with_alert(self, today: datetime.date):
        """Annotate `alert` (red / yellow / blue / "") and `effective_status`:
        red — past the deadline and not completed; yellow — behind schedule (progress trails the time
        elapsed by more than PORTAL_BEHIND_TOLERANCE points) or a report returned and not yet
        resubmitted; blue — due within PORTAL_DUE_SOON_DAYS days."""
        from .models import TaskAssignment

        tolerance = settings.PORTAL_BEHIND_TOLERANCE
        soon = today + datetime.timedelta(days=settings.PORTAL_DUE_SOON_DAYS)
        today_value = Value(today, output_field=models.DateField())
        returned = TaskAssignment.objects.filter(task=OuterRef("pk"), awaiting_resubmission=True)
        open_ = Q(status__in=OPEN_STATUSES)
        return self.annotate(
            _total_days=DaysBetween(F("deadline"), F("start_date")),
            _lag=ExpressionWrapper(
                DaysBetween(today_value, F("start_date")) * 100
                - DaysBetween(F("deadline"), F("start_date")) * (F("progress") + tolerance),
                output_field=IntegerField(),
            ),
            _returned=Exists(returned),
        ).annotate(
            alert=Case(
                When(open_ & Q(deadline__lt=today), then=Value(AlertColour.RED.value)),
                When(open_ & Q(_returned=True), then=Value(AlertColour.YELLOW.value)),
                When(open_ & Q(_total_days__gt=0, _lag__gt=0), then=Value(AlertColour.YELLOW.value)),
                When(open_ & Q(deadline__lte=soon), then=Value(AlertColour.BLUE.value)),
                default=Value(AlertColour.NONE.value),
                output_field=models.CharField(),
            ),
            effective_status=Case(
                When(open_ & Q(deadline__lt=today), then=Value(TaskStatus.OVERDUE.value)),
                default=F("status"),
                output_field=models.CharField(),
            ),
        )

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)
