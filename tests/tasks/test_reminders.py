"""Reminders and escalation with a forced clock: each arrives exactly once — with two scans at once,
a scan killed half-way and rerun, and two beat processes — and the scan's query count does not
grow with the number of tasks."""
import datetime
import os
import subprocess
import sys
import threading

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import Notification
from tasks import reminders
from tasks.models import ReminderDispatch
from tests.factories import TaskAssignmentFactory, TaskFactory, UserFactory

DEADLINE = datetime.date(2025, 12, 31)


def at(day: datetime.date, hour=9):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def officer_notices(users, kind="deadline"):
    """Titles of the officer's notifications created by reminders of one kind."""
    titles = set(ReminderDispatch.objects.filter(recipient=users["department_officer"], kind=kind, channel="in_app")
                 .values_list("detail", flat=True))
    return [t for t in Notification.objects.filter(recipient=users["department_officer"]).values_list("title", flat=True)
            if t in titles]


@pytest.fixture
def leader_of_agri(users, departments):
    return UserFactory(username="agri_leader", department=departments["agri"], roles=["leader"])


def test_deadline_reminders_at_7_3_1_0_days_once_each(users, task):
    sent_on = []
    for offset in range(10, -1, -1):
        day = DEADLINE - datetime.timedelta(days=offset)
        before = len(officer_notices(users))
        reminders.reminders_scan(now=at(day))
        reminders.reminders_scan(now=at(day, 15))  # a later scan the same day adds nothing
        if len(officer_notices(users)) > before:
            sent_on.append(offset)
    assert sent_on == [7, 3, 1, 0]
    assert any("3" in t and "强化农药使用管理" in t for t in officer_notices(users))


def test_overdue_first_day_then_weekly_and_escalation_after_7_days(users, task, leader_of_agri):
    days_with_overdue = []
    for offset in range(1, 23):
        day = DEADLINE + datetime.timedelta(days=offset)
        before = len(officer_notices(users, "overdue"))
        reminders.reminders_scan(now=at(day))
        if len(officer_notices(users, "overdue")) > before:
            days_with_overdue.append(offset)
    assert days_with_overdue == [1, 8, 15, 22]
    escalations = ReminderDispatch.objects.filter(kind="escalation")
    # the lead department's leader and the coordinating bureau (its leader and staff), once each
    assert set(escalations.values_list("recipient__username", flat=True)) == {"agri_leader", "leader", "bureau_staff"}
    assert escalations.count() == 3
    assert escalations.get(recipient=leader_of_agri).due_date == DEADLINE + datetime.timedelta(days=8)


def test_one_digest_per_user_per_day_and_never_empty(users, task, other_task):
    reminders.reminders_scan(now=at(DEADLINE - datetime.timedelta(days=7), hour=7))  # before the send hour
    assert len(mail.outbox) == 0
    reminders.reminders_scan(now=at(DEADLINE - datetime.timedelta(days=7), hour=9))
    reminders.reminders_scan(now=at(DEADLINE - datetime.timedelta(days=7), hour=10))
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == [users["department_officer"].email]
    assert "强化农药使用管理" in mail.outbox[0].body
    reminders.reminders_scan(now=at(DEADLINE - datetime.timedelta(days=6), hour=9))  # nothing new: no mail
    assert len(mail.outbox) == 1


def test_report_chase_from_five_days_before_the_due_day(users, task, departments):
    from tests.factories import ProgressReportFactory

    UserFactory(username="bureau_officer", department=departments["bureau"], roles=["department_officer"])
    reminders.reminders_scan(now=at(datetime.date(2024, 3, 19)))
    assert not ReminderDispatch.objects.filter(kind="report_chase").exists()
    reminders.reminders_scan(now=at(datetime.date(2024, 3, 20)))
    chased = ReminderDispatch.objects.filter(kind="report_chase")
    assert set(chased.values_list("recipient__username", "task_id")) == {
        ("department_officer", task.pk), ("bureau_officer", task.pk)}
    assert chased.first().due_date == datetime.date(2024, 3, 25)
    # a department that has reported this period is not chased in the next one until it is due
    ProgressReportFactory(assignment=task.assignments.get(is_lead=True), period=datetime.date(2024, 4, 1),
                          submitted_by=users["department_officer"])
    reminders.reminders_scan(now=at(datetime.date(2024, 4, 21)))
    april = ReminderDispatch.objects.filter(kind="report_chase", due_date=datetime.date(2024, 4, 25))
    assert set(april.values_list("recipient__username", flat=True)) == {"bureau_officer"}


def test_reports_waiting_more_than_a_day_remind_the_reviewers(users, task):
    from tests.factories import ProgressReportFactory

    ProgressReportFactory(assignment=task.assignments.get(is_lead=True), submitted_by=users["department_officer"],
                          submitted_at=at(datetime.date(2024, 3, 1)))
    reminders.reminders_scan(now=at(datetime.date(2024, 3, 1), hour=18))
    assert not ReminderDispatch.objects.filter(kind="review_pending").exists()
    reminders.reminders_scan(now=at(datetime.date(2024, 3, 2), hour=10))
    assert list(ReminderDispatch.objects.filter(kind="review_pending").values_list("recipient__username", flat=True)) \
        == ["bureau_staff"]


def test_a_scan_killed_half_way_and_rerun_sends_each_reminder_once(users, task, monkeypatch):
    day = at(DEADLINE - datetime.timedelta(days=3))
    real = reminders.dispatch

    def dies_after_writing(candidates, now):
        real(candidates, now)
        raise SystemExit("killed")

    monkeypatch.setattr(reminders, "dispatch", dies_after_writing)
    with pytest.raises(SystemExit):
        reminders.reminders_scan(now=day)
    assert Notification.objects.count() == 0 and ReminderDispatch.objects.count() == 0  # rolled back
    monkeypatch.setattr(reminders, "dispatch", real)

    def smtp_down(*args, **kwargs):
        raise ConnectionRefusedError("smtp")

    monkeypatch.setattr(reminders, "send_mail", smtp_down)
    with pytest.raises(ConnectionRefusedError):
        reminders.reminders_scan(now=day)
    assert len(officer_notices(users)) == 1 and len(mail.outbox) == 0
    monkeypatch.undo()
    reminders.reminders_scan(now=day)
    reminders.reminders_scan(now=day)
    assert len(officer_notices(users)) == 1
    assert [m.to[0] for m in mail.outbox].count(users["department_officer"].email) == 1


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_the_same_time_send_each_reminder_once(users, task):
    day = at(DEADLINE - datetime.timedelta(days=1))
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            reminders.reminders_scan(now=day)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(officer_notices(users)) == 1
    assert ReminderDispatch.objects.filter(kind="deadline").count() == 1
    assert len([m for m in mail.outbox if m.to[0] == users["department_officer"].email]) == 1


@pytest.mark.django_db(transaction=True)
def test_two_beat_processes_running_the_scan_send_each_reminder_once(users, task):
    db = connection.settings_dict
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="portal.settings.test",
               DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}")
    command = [sys.executable, "manage.py", "run_reminders", "--now", f"{DEADLINE.isoformat()}T09:00"]
    processes = [subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    assert len(officer_notices(users)) == 1
    assert ReminderDispatch.objects.filter(kind="deadline", recipient=users["department_officer"]).count() == 1


def _scan_queries(n_tasks, plan, departments):
    for _ in range(n_tasks):
        t = TaskFactory(plan=plan, deadline=DEADLINE)
        TaskAssignmentFactory(task=t, department=departments["agri"], is_lead=True)
    ReminderDispatch.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        reminders.reminders_scan(now=at(DEADLINE - datetime.timedelta(days=7), hour=7))
    return len(queries)


def test_scan_query_count_does_not_grow_with_tasks(users, plan, departments):
    few = _scan_queries(2, plan, departments)
    many = _scan_queries(20, plan, departments)
    assert few == many
    assert few <= 12
