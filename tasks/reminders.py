"""Reminders and escalation (督办). One scan finds everything due — deadlines at the configured lead
days, overdue tasks (first day, then weekly), escalation after PORTAL_ESCALATE_AFTER_DAYS, missing
progress reports (催报) and reports waiting for review — and records each reminder in
ReminderDispatch. Every reminder goes out exactly once: the decision is an INSERT … ON CONFLICT DO
NOTHING on the table's unique constraint (kind, task, due date, recipient, channel) in the same
statement that creates the in-app notification, so two scans at once, a scan killed half-way and
rerun, or two beat processes cannot send one twice. E-mail goes as one digest per user per day,
never empty; a digest whose sending was interrupted is sent again by the next scan (at-least-once
for SMTP, which cannot take part in the transaction)."""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import permissions as perms
from portal.choices import DepartmentKind
from portal.models import User

from .choices import Channel, PlanStatus, ReminderKind, ReportStatus
from .models import ActionPlan, ProgressReport, ReminderDispatch, Task, TaskAssignment
from .periods import period_due, period_label, period_start
from .querysets import OPEN_STATUSES


@dataclass
class Candidate:
    kind: str
    task_id: int
    due_date: datetime.date
    recipient_id: int
    title: str
    body: str
    link: str
    level: str = "info"


@dataclass
class ScanResult:
    candidates: int = 0
    sent: int = 0
    digests: int = 0
    emails: int = 0


def _officers_by_department(department_ids) -> dict[int, list[int]]:
    rows = (User.objects.filter(department_id__in=set(department_ids), is_active=True,
                                groups__name=perms.DEPARTMENT_OFFICER)
            .values_list("department_id", "pk").distinct())
    result = defaultdict(list)
    for department_id, user_id in rows:
        result[department_id].append(user_id)
    return result


def _task_link(task_id):
    return f"/tasks/{task_id}/"


def collect(today: datetime.date, now: datetime.datetime) -> list[Candidate]:
    """Everything due on `today`, as (kind, task, due date, recipient) candidates. A fixed number of
    queries whatever the number of tasks."""
    out: list[Candidate] = []
    live = Task.objects.filter(plan__status=PlanStatus.PUBLISHED, status__in=OPEN_STATUSES)
    lead_days = sorted(set(settings.PORTAL_REMINDER_LEAD_DAYS))
    escalate_after = settings.PORTAL_ESCALATE_AFTER_DAYS
    due_targets = [today + datetime.timedelta(days=d) for d in lead_days]
    tasks = list(live.filter(Q(deadline__in=due_targets) | Q(deadline__lt=today))
                 .values("pk", "title", "deadline", "plan__region_id"))
    task_ids = [t["pk"] for t in tasks]
    assignments = list(TaskAssignment.objects.filter(task_id__in=task_ids, department__isnull=False)
                       .values("task_id", "department_id", "is_lead"))
    by_task = defaultdict(list)
    for a in assignments:
        by_task[a["task_id"]].append(a)
    officers = _officers_by_department(a["department_id"] for a in assignments)

    escalation_targets = {}
    if any(t["deadline"] < today - datetime.timedelta(days=escalate_after) for t in tasks):
        escalation_targets = _escalation_recipients(tasks, by_task)

    for t in tasks:
        days_left = (t["deadline"] - today).days
        recipients = [u for a in by_task[t["pk"]] for u in officers.get(a["department_id"], [])]
        if days_left >= 0:
            title = (_("Due today: %(task)s") if days_left == 0 else
                     _("Due in %(days)d days: %(task)s")) % {"task": t["title"], "days": days_left}
            for user_id in recipients:
                out.append(Candidate(ReminderKind.DEADLINE, t["pk"], today, user_id, title,
                                     _("Deadline %(date)s.") % {"date": t["deadline"].isoformat()},
                                     _task_link(t["pk"]), "warning" if days_left <= 1 else "info"))
            continue
        over = -days_left
        anchor = t["deadline"] + datetime.timedelta(days=1 + 7 * ((over - 1) // 7))  # first day, then weekly
        title = _("Overdue by %(days)d days: %(task)s") % {"task": t["title"], "days": over}
        for user_id in recipients:
            out.append(Candidate(ReminderKind.OVERDUE, t["pk"], anchor, user_id, title,
                                 _("The deadline was %(date)s.") % {"date": t["deadline"].isoformat()},
                                 _task_link(t["pk"]), "urgent"))
        if over > escalate_after:
            anchor = t["deadline"] + datetime.timedelta(days=escalate_after + 1)
            title = _("Escalated — overdue by %(days)d days: %(task)s") % {"task": t["title"], "days": over}
            for user_id in escalation_targets.get(t["pk"], ()):
                out.append(Candidate(ReminderKind.ESCALATION, t["pk"], anchor, user_id, title,
                                     _("The deadline was %(date)s.") % {"date": t["deadline"].isoformat()},
                                     _task_link(t["pk"]), "urgent"))
    out += _report_chase(today)
    out += _reviews_pending(now)
    return out


def _escalation_recipients(tasks, by_task) -> dict[int, set[int]]:
    """The lead department's leaders and the coordinating bureau of the plan's region (its leaders
    and bureau staff)."""
    lead_departments = {a["department_id"] for rows in by_task.values() for a in rows if a["is_lead"]}
    regions = {t["plan__region_id"] for t in tasks}
    rows = (User.objects.filter(is_active=True)
            .filter(Q(department_id__in=lead_departments, groups__name=perms.LEADER)
                    | Q(department__kind=DepartmentKind.BUREAU, department__region_id__in=regions,
                        groups__name__in=[perms.LEADER, perms.BUREAU_STAFF]))
            .values_list("pk", "department_id", "department__kind", "department__region_id").distinct())
    leaders_of = defaultdict(set)
    bureau_of_region = defaultdict(set)
    for user_id, department_id, kind, region_id in rows:
        if department_id in lead_departments:
            leaders_of[department_id].add(user_id)
        if kind == DepartmentKind.BUREAU:
            bureau_of_region[region_id].add(user_id)
    result = {}
    for t in tasks:
        users = set(bureau_of_region.get(t["plan__region_id"], ()))
        for a in by_task[t["pk"]]:
            if a["is_lead"]:
                users |= leaders_of.get(a["department_id"], set())
        result[t["pk"]] = users
    return result


def _report_chase(today) -> list[Candidate]:
    """催报: units of open tasks with no report for the current period, from PORTAL_REPORT_CHASE_DAYS
    before the period's due day."""
    out = []
    window = settings.PORTAL_REPORT_CHASE_DAYS
    plans = [p for p in ActionPlan.objects.filter(status=PlanStatus.PUBLISHED).values("pk", "cadence", "report_day")]
    due_plans = {}
    for p in plans:
        start = period_start(today, p["cadence"])
        due = period_due(start, p["cadence"], p["report_day"])
        if due - datetime.timedelta(days=window) <= today:
            due_plans[p["pk"]] = (start, due, p["cadence"])
    if not due_plans:
        return out
    pending = list(
        TaskAssignment.objects.filter(task__plan_id__in=due_plans, task__status__in=OPEN_STATUSES,
                                      department__isnull=False)
        .exclude(reports__period__in={v[0] for v in due_plans.values()},
                 reports__status__in=[ReportStatus.SUBMITTED, ReportStatus.ACCEPTED])
        .values("task_id", "task__title", "task__plan_id", "department_id"))
    officers = _officers_by_department(a["department_id"] for a in pending)
    for a in pending:
        start, due, cadence = due_plans[a["task__plan_id"]]
        title = _("Progress for %(period)s not yet reported: %(task)s") % {
            "period": period_label(start, cadence), "task": a["task__title"]}
        for user_id in officers.get(a["department_id"], []):
            out.append(Candidate(ReminderKind.REPORT_CHASE, a["task_id"], due, user_id, title,
                                 _("Reports are due by %(date)s.") % {"date": due.isoformat()},
                                 _task_link(a["task_id"]), "warning"))
    return out


def _reviews_pending(now) -> list[Candidate]:
    """Reports submitted more than a day ago and not yet reviewed: the plan region's bureau staff."""
    out = []
    reports = list(ProgressReport.objects.filter(status=ReportStatus.SUBMITTED,
                                                 submitted_at__lte=now - datetime.timedelta(days=1))
                   .values("pk", "submitted_at", "assignment__task_id", "assignment__task__title",
                           "assignment__task__plan__region_id"))
    if not reports:
        return out
    staff = defaultdict(list)
    for user_id, region_id in (User.objects.filter(is_active=True, groups__name=perms.BUREAU_STAFF,
                                                   department__region_id__in={r["assignment__task__plan__region_id"]
                                                                              for r in reports})
                               .values_list("pk", "department__region_id").distinct()):
        staff[region_id].append(user_id)
    for r in reports:
        title = _("Progress report waiting for review: %(task)s") % {"task": r["assignment__task__title"]}
        for user_id in staff[r["assignment__task__plan__region_id"]]:
            out.append(Candidate(ReminderKind.REVIEW_PENDING, r["assignment__task_id"],
                                 timezone.localtime(r["submitted_at"]).date(), user_id, title, "",
                                 _task_link(r["assignment__task_id"])))
    return out


DISPATCH_AND_NOTIFY = """
WITH data (kind, task_id, due_date, recipient_id, title, body, link, level) AS (VALUES __VALUES__),
new AS (
    INSERT INTO tasks_reminderdispatch (kind, task_id, due_date, recipient_id, channel, created_at, sent_at, detail)
    SELECT kind, task_id, due_date, recipient_id, 'in_app', %(now)s, %(now)s, left(title, 300) FROM data
    ON CONFLICT DO NOTHING
    RETURNING kind, task_id, due_date, recipient_id
)
INSERT INTO portal_notification (recipient_id, title, body, link, level, created_at)
SELECT d.recipient_id, left(d.title, 200), d.body, d.link, d.level, %(now)s
FROM data d JOIN new n ON n.kind = d.kind AND n.task_id = d.task_id AND n.due_date = d.due_date
                      AND n.recipient_id = d.recipient_id
RETURNING id
"""


def dispatch(candidates: list[Candidate], now) -> int:
    """Record and notify, in one statement: only rows that did not exist yet produce a notification."""
    if not candidates:
        return 0
    rows = list({(c.kind, c.task_id, c.due_date, c.recipient_id): (c.kind, c.task_id, c.due_date, c.recipient_id,
                                                                     str(c.title), str(c.body), c.link, c.level)
                 for c in candidates}.values())
    with connection.cursor() as cursor:
        values = ",".join(cursor.mogrify("(%s, %s, %s::date, %s, %s, %s, %s, %s)", row).decode() for row in rows)
        cursor.execute(DISPATCH_AND_NOTIFY.replace("__VALUES__", values.replace("%", "%%")), {"now": now})
        inserted = cursor.fetchall()
    return len(inserted)


DIGEST_INSERT = """
INSERT INTO tasks_reminderdispatch (kind, task_id, due_date, recipient_id, channel, created_at, detail)
SELECT 'digest', NULL, %(today)s, u.id, 'email', %(now)s, ''
FROM portal_user u
WHERE u.is_active AND u.email <> ''
  AND EXISTS (
    SELECT 1 FROM tasks_reminderdispatch r
    WHERE r.recipient_id = u.id AND r.channel = 'in_app'
      AND r.created_at > COALESCE((SELECT max(d.created_at) FROM tasks_reminderdispatch d
                                   WHERE d.recipient_id = u.id AND d.kind = 'digest'), '-infinity'))
ON CONFLICT DO NOTHING
RETURNING id
"""


def make_digests(today, now) -> list[int]:
    """One e-mail digest per user per day, only for users with something new since their last one."""
    with connection.cursor() as cursor:
        cursor.execute(DIGEST_INSERT, {"today": today, "now": now})
        return [row[0] for row in cursor.fetchall()]


def send_digests(now, ids=None) -> int:
    """Send digests not yet sent (those just made, and any left unsent by an interrupted run)."""
    sent = 0
    pending = ReminderDispatch.objects.filter(kind=ReminderKind.DIGEST, channel=Channel.EMAIL, sent_at__isnull=True)
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    for digest in pending.select_related("recipient"):
        with transaction.atomic():
            locked = (ReminderDispatch.objects.select_for_update(skip_locked=True)
                      .filter(pk=digest.pk, sent_at__isnull=True).first())
            if locked is None:
                continue
            previous = (ReminderDispatch.objects.filter(recipient=digest.recipient, kind=ReminderKind.DIGEST,
                                                        created_at__lt=digest.created_at)
                        .order_by("-created_at").values_list("created_at", flat=True).first())
            items = ReminderDispatch.objects.filter(recipient=digest.recipient, channel=Channel.IN_APP,
                                                    created_at__lte=digest.created_at)
            if previous:
                items = items.filter(created_at__gt=previous)
            lines = [f"· {item.detail}" for item in items.order_by("created_at")]
            if not lines:
                locked.sent_at = now
                locked.detail = "empty: not sent"
                locked.save(update_fields=["sent_at", "detail"])
                continue
            body = "\n".join([_("Dear %(name)s,") % {"name": digest.recipient}, "",
                              _("Today's reminders from the new-pollutant governance portal:"), "", *lines, "",
                              _("Open the portal to see and act on them.")])
            send_mail(_("Reminders of %(date)s") % {"date": digest.due_date.isoformat()}, body,
                      settings.DEFAULT_FROM_EMAIL, [digest.recipient.email])
            locked.sent_at = now
            locked.detail = f"{len(lines)} items"
            locked.save(update_fields=["sent_at", "detail"])
            sent += 1
    return sent


def reminders_scan(*, now: datetime.datetime | None = None) -> ScanResult:
    """The beat job's work. Safe to run twice at once, to kill at any point and rerun. Messages are
    written in the portal's language (zh-hans)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _scan(now)


def _scan(now) -> ScanResult:
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    result = ScanResult()
    candidates = collect(today, now)
    result.candidates = len(candidates)
    with transaction.atomic():
        result.sent = dispatch(candidates, now)
    if timezone.localtime(now).hour >= settings.PORTAL_DIGEST_HOUR:
        with transaction.atomic():
            ids = make_digests(today, now)
        result.digests = len(ids)
        result.emails = send_digests(now)
    return result
