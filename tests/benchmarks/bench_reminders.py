"""Benchmark: the reminder scan over 10,000 tasks with 50,000 progress lines (target ≤ 5 s per run),
and its query count at 1,000 and at 10,000 tasks (must be the same). Needs the database that
tests/benchmarks/run.py prepares."""
from __future__ import annotations

import datetime
import random
import time

N_TASKS = 10_000
N_REPORTS = 50_000
N_DEPARTMENTS = 20


def _seed(n_tasks, n_reports, now):
    from django.contrib.auth.models import Group

    from portal.models import Department, Notification, Region, User
    from tasks.models import ActionPlan, ProgressReport, ReminderDispatch, Task, TaskAssignment

    ReminderDispatch.objects.all().delete()
    Notification.objects.all().delete()
    ProgressReport.objects.all().delete()
    TaskAssignment.objects.all().delete()
    Task.objects.all().delete()
    ActionPlan.objects.all().delete()
    region, _ = Region.objects.get_or_create(code="140600", defaults={"name": "朔州市", "level": "prefecture"})
    departments = [Department.objects.get_or_create(name=f"基准部门{i}", defaults={"region": region})[0]
                   for i in range(N_DEPARTMENTS)]
    officers = Group.objects.get(name="department_officer")
    for d in departments:
        user, created = User.objects.get_or_create(username=f"bench_officer_{d.pk}",
                                                   defaults={"department": d, "email": f"o{d.pk}@example.gov.cn"})
        if created:
            user.groups.add(officers)
    plan = ActionPlan.objects.create(title="基准方案", region=region, status="published",
                                     issued=datetime.date(2023, 1, 1))
    rng = random.Random(7)
    today = now.date()
    tasks = Task.objects.bulk_create([
        Task(plan=plan, order=i, label=f"{i}", title=f"基准任务{i}", text="", start_date=plan.issued,
             deadline=today + datetime.timedelta(days=rng.randint(-60, 60))) for i in range(n_tasks)], batch_size=2000)
    assignments = TaskAssignment.objects.bulk_create([
        TaskAssignment(task=t, department=departments[(t.order + k) % N_DEPARTMENTS], written_name="x", is_lead=k == 0)
        for t in tasks for k in range(2)], batch_size=5000)
    submitter = User.objects.filter(username__startswith="bench_officer_").first()
    ProgressReport.objects.bulk_create([
        ProgressReport(assignment=assignments[rng.randrange(len(assignments))], narrative="进展",
                       percent=rng.randint(0, 100), submitted_by=submitter,
                       period=today.replace(day=1) - datetime.timedelta(days=31 * rng.randint(0, 12)),
                       status=rng.choice(["accepted", "accepted", "submitted", "returned"]),
                       submitted_at=now - datetime.timedelta(days=rng.randint(0, 300)))
        for _ in range(n_reports)], batch_size=5000)


def _scan(now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tasks.reminders import reminders_scan

    with CaptureQueriesContext(connection) as queries:
        t0 = time.perf_counter()
        result = reminders_scan(now=now)
        elapsed = time.perf_counter() - t0
    return elapsed, len(queries), result


def _floor(now):
    """The plain SQL the scan cannot do without: one pass over the tasks due or overdue."""
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tasks_task t JOIN tasks_taskassignment a ON a.task_id = t.id "
                       "WHERE t.deadline < %s OR t.deadline - %s IN (7, 3, 1, 0)", [now.date(), now.date()])
        cursor.fetchone()
    return time.perf_counter() - t0


def run() -> list[dict]:
    from django.utils import timezone

    now = timezone.make_aware(datetime.datetime(2025, 6, 16, 9, 0))
    _seed(1_000, 5_000, now)
    _t, queries_small, _r = _scan(now)
    _seed(N_TASKS, N_REPORTS, now)
    floor = _floor(now)
    first, queries_big, result = _scan(now)
    again, _q, _r2 = _scan(now)
    rows = [
        {"workload": f"reminder scan, {N_TASKS:,} tasks / {N_REPORTS:,} progress lines (first run: "
                     f"{result.sent:,} reminders, {result.digests} digests)",
         "figure": f"{first:.2f} s", "value": round(first, 3), "unit": "s", "floor": f"{floor * 1000:.0f} ms (SQL)",
         "ratio": f"{first / floor:.0f}×" if floor else "", "target": "≤ 5 s", "met": first <= 5},
        {"workload": "reminder scan again the same day (nothing new to send)", "figure": f"{again:.2f} s",
         "value": round(again, 3), "unit": "s", "floor": "", "target": "≤ 5 s", "met": again <= 5},
        {"workload": "SQL queries per scan at 1,000 and at 10,000 tasks", "figure": f"{queries_small} / {queries_big}",
         "value": queries_big, "unit": "queries", "floor": "", "target": "equal", "met": queries_small == queries_big},
    ]
    return rows
