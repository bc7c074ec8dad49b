"""Benchmark: the leadership cockpit over the province-scale data of seed_scale (10,000 enterprises, 50,000
substances, 1,000,000 survey lines, 1,000,000 monitoring results) plus 5,000 tasks with 50,000 progress reports
in published plans spread over the province → prefecture → county tree the enterprises are in.

Measured:
  * the floor the summaries save: each summaries.COMPUTE[group](Tree(), today) — the aggregates one live
    request would need — and the whole cockpit_summaries_refresh() (it must stay well under its 60 s period);
  * /cockpit/ and /api/v1/dashboard/ at 20 clients with no think time for 20 s, through gunicorn as deployed
    (tests/benchmarks/load.py: 3 sync workers, the production settings) driven by locust: target p95 ≤ 150 ms,
    p99 ≤ 500 ms, no errors; and one request at a time, as cached and as the first after a refresh;
  * staleness: a real Celery worker on the benchmark database; one open task is completed through the ORM
    (post_save → cockpit_refresh_soon → refresh 5 s later) and the JSON is polled every 0.5 s until the plan
    panel counts it: target ≤ 60 s;
  * SQL queries per request of the page and of the JSON, the first after a refresh and again (several filters;
    target ≤ 15 and the same for all).

Named to run after the import benchmarks (they need a database without seed_scale's enterprises) and before
bench_scale_controls and bench_screening, which reuse its data. Idempotent on an existing benchmark database:
seed_scale's data and the cockpit's plans are written only when missing. Needs the database that tests/benchmarks/run.py prepares.

    BENCH_COCKPIT_PROFILE=1   also print the 25 costliest functions of each compute function (cProfile)"""
from __future__ import annotations

import datetime
import json
import os
import random
import time
import urllib.request
from contextlib import contextmanager
from unittest import mock

MARK = "驾驶舱基准"
N_TASKS = 5_000
N_REPORTS = 50_000
N_PROVINCE_DEPARTMENTS = 20
INDICATORS_PER_PLAN = 3
LEADER = "bench_cockpit_leader"
USERS = 20
SECONDS = 20
TARGET_P95_MS = 150
TARGET_P99_MS = 500
TARGET_STALENESS_S = 60
REFRESH_PERIOD_S = 60
MAX_QUERIES = 15
MANY_REFRESH_S = 10
NUMERALS = "一二三四五六七八九十"


@contextmanager
def _no_refresh_requests():
    """Seeding and clean-up must not queue cockpit refreshes for the worker started later."""
    with mock.patch("portal.jobs.cockpit_refresh_soon"):
        yield


def _tree():
    """(province, prefectures, counties): the province holding seed_scale's enterprises and the tree below it."""
    from portal.models import Region
    from tests.benchmarks.bench_screening import _region

    province = _region()
    prefectures = list(Region.objects.filter(parent=province, level="prefecture").order_by("code"))
    counties = list(Region.objects.filter(parent__in=prefectures, level="county").order_by("code"))
    return province, prefectures, counties


def _departments(province, prefectures, counties) -> dict:
    """{region id: [departments]}: 20 member departments of the province, one bureau per prefecture and county."""
    from portal.models import Department

    by_region = {}
    for region, names in [(province, [f"{MARK}省直部门{i:02d}" for i in range(N_PROVINCE_DEPARTMENTS)])] + \
            [(r, [f"{MARK}{r.name}生态环境局"]) for r in prefectures + counties]:
        by_region[region.pk] = [Department.objects.get_or_create(
            name=name, defaults={"region": region, "short_name": name.removeprefix(MARK)[-8:], "kind": "member"})[0]
            for name in names]
    return by_region


def _leader(province):
    from portal.models import Department, User
    from tests.factories import UserFactory

    user = User.objects.filter(username=LEADER).first()
    if user is None:
        office, _ = Department.objects.get_or_create(name=f"{MARK}领导办公室",
                                                     defaults={"region": province, "kind": "leadership"})
        user = UserFactory(username=LEADER, roles=["leader"], department=office)
    return user


def _leaders(leader, n: int) -> list:
    """The province leader and n - 1 leaders of the prefecture and county bureaus below (each sees their own
    region's cockpit), for the load with many viewers."""
    from portal.models import Department, User
    from tests.factories import UserFactory

    bureaus = list(Department.objects.filter(name__startswith=MARK, name__endswith="生态环境局").order_by("name")[:n - 1])
    users = [leader]
    for i, department in enumerate(bureaus):
        username = f"{LEADER}_{i:02d}"
        users.append(User.objects.filter(username=username).first() or
                     UserFactory(username=username, roles=["leader"], department=department))
    return users


def _sessions(users) -> list[str]:
    from django.test import Client

    cookies = []
    for user in users:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        client.get("/")  # the last-activity stamp, so that the load does not write the session
        cookies.append(client.cookies["sessionid"].value)
    return cookies


@contextmanager
def _refreshing(every: float):
    """While the load runs, drop every cached cockpit each `every` seconds, as each refresh of the summaries does
    (without the refresh's own work, which the worker does elsewhere)."""
    import threading

    stop = threading.Event()

    def loop():
        while not stop.wait(every):
            _new_version()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _seed_tasks(province, prefectures, counties, leader, today) -> bool:
    """5,000 tasks (some overdue, some due soon, some completed) in published plans at every level of the tree,
    lead and co-responsible departments, 50,000 progress reports, a few indicators with monthly values. Written
    only when missing (True when written now)."""
    from django.utils import timezone

    from tasks.models import ActionPlan, Indicator, IndicatorValue, ProgressReport, Task, TaskAssignment

    plan_regions = [province, province] + prefectures + counties
    plans = ActionPlan.objects.filter(title__startswith=MARK)
    if (plans.count() == len(plan_regions) and Task.objects.filter(plan__in=plans).count() == N_TASKS
            and ProgressReport.objects.filter(assignment__task__plan__in=plans).count() == N_REPORTS):
        return False
    with _no_refresh_requests():
        plans.delete()
    departments = _departments(province, prefectures, counties)
    pool = departments[province.pk]
    rng = random.Random(2024)
    plans = ActionPlan.objects.bulk_create([
        ActionPlan(title=f"{MARK}{region.name}新污染物治理工作方案{'（二）' if i == 1 else ''}", region=region,
                   status="published", issuer=f"{region.name}人民政府", doc_number=f"基准〔2023〕{i + 1}号",
                   issued=datetime.date(2023, 3, 1) + datetime.timedelta(days=7 * i),
                   published_at=timezone.now() - datetime.timedelta(days=400))
        for i, region in enumerate(plan_regions)])
    weights = [8 if p.region_id == province.pk else 1 for p in plans]  # the province's plans are the big ones
    now = timezone.now()
    rows = []
    for i in range(N_TASKS):
        plan = rng.choices(plans, weights)[0]
        deadline = today + datetime.timedelta(days=rng.randint(-400, 500))
        r = rng.random()
        status, progress, closed_at = "in_progress", rng.randint(5, 95), None
        if r < 0.35:
            status = "completed" if r < 0.30 else "closed"
            progress = 100
            closed = min(deadline + datetime.timedelta(days=rng.randint(-90, 30)), today)
            closed_at = timezone.make_aware(datetime.datetime.combine(closed, datetime.time(10)))
        elif r > 0.80:
            status, progress = "not_started", 0
        section = rng.randrange(8)
        rows.append(Task(plan=plan, order=i, label=f"{NUMERALS[section]}、（{i % 40 + 1}）",
                         title=f"{MARK}任务{i:05d}：开展重点管控新污染物排查整治", text="开展新污染物环境风险排查。",
                         start_date=plan.issued, deadline=deadline, status=status, progress=progress,
                         closed_at=closed_at))
    tasks = Task.objects.bulk_create(rows, batch_size=2000)
    plan_region = {p.pk: p.region_id for p in plans}
    assignments = []
    for t in tasks:
        lead = rng.choice(departments[plan_region[t.plan_id]])
        co = [d for d in rng.sample(pool, rng.randint(1, 2)) if d.pk != lead.pk]
        assignments += [TaskAssignment(task=t, department=lead, written_name=lead.name, is_lead=True, order=0,
                                       progress=t.progress)]
        assignments += [TaskAssignment(task=t, department=d, written_name=d.name, is_lead=False, order=k + 1,
                                       progress=t.progress) for k, d in enumerate(co)]
    assignments = TaskAssignment.objects.bulk_create(assignments, batch_size=5000)
    ProgressReport.objects.bulk_create([
        ProgressReport(assignment=assignments[rng.randrange(len(assignments))], narrative="按计划推进。",
                       percent=rng.randint(0, 100), submitted_by=leader,
                       period=today.replace(day=1) - datetime.timedelta(days=31 * rng.randint(0, 18)),
                       status=rng.choice(["accepted", "accepted", "submitted", "returned"]),
                       submitted_at=now - datetime.timedelta(days=rng.randint(0, 500)))
        for _ in range(N_REPORTS)], batch_size=5000)
    indicators = Indicator.objects.bulk_create([
        Indicator(plan=p, name=f"指标{k + 1}", unit="%", comparator="gte", target=80 + k * 5,
                  deadline=datetime.date(2025, 12, 31), department=departments[p.region_id][0])
        for p in plans for k in range(INDICATORS_PER_PLAN)])
    IndicatorValue.objects.bulk_create([
        IndicatorValue(indicator=ind, period=datetime.date(2024 + m // 12, m % 12 + 1, 1),
                       value=round(50 + m * 2.5 + rng.random() * 5, 2), reported_by=leader)
        for ind in indicators for m in range(18)])
    return True


def _seed(today):
    """seed_scale, the tasks, the leader; returns (seconds spent, tasks written now, province, counties, leader)."""
    from tests.benchmarks.bench_screening import _seed as seed_scale

    t0 = time.perf_counter()
    with _no_refresh_requests():
        seed_scale()
    province, prefectures, counties = _tree()
    leader = _leader(province)
    written = _seed_tasks(province, prefectures, counties, leader, today)
    return time.perf_counter() - t0, written, province, counties, leader


def _compute_floor(today) -> dict:
    """{group: (seconds, SQL seconds, queries, rows)}: each compute function alone, as one live request would run
    it (the region tree read included)."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal import summaries

    profile = os.environ.get("BENCH_COCKPIT_PROFILE", "") not in ("", "0")
    out = {}
    for group in summaries.GROUPS:
        profiler = cProfile.Profile() if profile else None
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            if profiler:
                profiler.enable()
            figures = summaries.COMPUTE[group](summaries.Tree(), today)
            if profiler:
                profiler.disable()
            elapsed = time.perf_counter() - t0
        sql = sum(float(q["time"]) for q in captured.captured_queries)
        out[group] = (elapsed, sql, len(captured), len(figures))
        if profiler:
            print(f"\n  cProfile of compute_{group} ({elapsed:.2f} s with the profiler):", flush=True)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    return out


def _refresh(today) -> tuple[float, dict]:
    from portal.services import cockpit_summaries_refresh

    t0 = time.perf_counter()
    written = cockpit_summaries_refresh(today=today)
    return time.perf_counter() - t0, written


def _new_version():
    """What a refresh of the summaries does to the caches: every cached page, fragment and JSON is left behind."""
    from django.core.cache import cache

    from portal.selectors import COCKPIT_VERSION_KEY, cockpit_version
    cockpit_version()
    cache.incr(COCKPIT_VERSION_KEY)


def _queries(leader, plan_id, county) -> dict:
    """{name: [(first, again) query counts per filter]} for the page and the JSON, measured with a signed-in test
    client: the first request after a refresh (nothing cached) and the same request again."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(leader)
    client.get("/")  # the session's last-activity stamp is written once, not in a counted request
    queries = {}
    for name, path in (("page", "/cockpit/"), ("json", "/api/v1/dashboard/")):
        counts = []
        for query in ("", f"?plan={plan_id}", f"?region={county.code}", f"?region={county.code}&year=2023"):
            _new_version()
            pair = []
            for _ in range(2):
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(path + query)
                assert response.status_code == 200, (path + query, response.status_code)
                pair.append(len(captured))
            counts.append(tuple(pair))
        queries[name] = counts
    return queries, client.cookies["sessionid"].value


def _done(base: str, plan_id: int, cookie: str) -> tuple[int, str]:
    request = urllib.request.Request(f"{base}/api/v1/dashboard/?plan={plan_id}",
                                     headers={"Cookie": f"sessionid={cookie}", "Accept": "application/json"})
    body = json.loads(urllib.request.urlopen(request, timeout=30).read())
    panel = body["panels"]["plan"]
    return panel["data"]["done"], panel["refreshed_at"]


def _staleness(base: str, cookie: str, plan_id: int) -> tuple[float | None, int, int]:
    """(seconds from the task's save to the JSON counting it, done before, done after). A real worker takes the
    refresh that post_save asks for."""
    from django.core.cache import cache
    from django.db import transaction
    from django.utils import timezone

    from tasks.models import Task
    from tests.benchmarks.load import worker

    task = Task.objects.filter(plan_id=plan_id, status__in=["not_started", "in_progress"]).order_by("pk").first()
    saved = {"status": task.status, "progress": task.progress, "closed_at": task.closed_at}
    before, _at = _done(base, plan_id, cookie)
    after, elapsed = before, None
    with worker():
        cache.delete("cockpit:pending:tasks")
        t0 = time.perf_counter()
        with transaction.atomic():
            task.status, task.progress, task.closed_at = "completed", 100, timezone.now()
            task.save()
        while time.perf_counter() - t0 < TARGET_STALENESS_S * 2:
            time.sleep(0.5)
            after, _at = _done(base, plan_id, cookie)
            if after > before:
                elapsed = time.perf_counter() - t0
                break
    # back as it was, without asking for a refresh (no worker now): the bench leaves the data as it found them
    Task.objects.filter(pk=task.pk).update(**saved)
    cache.delete("cockpit:pending:tasks")
    return elapsed, before, after


def _unloaded(base: str, path: str, cookie: str, n: int = 20) -> tuple[float, int, float]:
    """(median ms, bytes, median ms of the first request after a refresh) of one request at a time through the
    same server: the service time the load queues on, and what the first viewer after each refresh waits."""
    request = urllib.request.Request(base + path, headers={"Cookie": f"sessionid={cookie}",
                                                           "Accept-Language": "zh-hans"})

    def median(cold: bool):
        times, size = [], 0
        for _ in range(n + 2):
            if cold:
                _new_version()
            t0 = time.perf_counter()
            size = len(urllib.request.urlopen(request, timeout=30).read())
            times.append((time.perf_counter() - t0) * 1000)
        return sorted(times[2:])[n // 2], size

    first, _size = median(True)
    again, size = median(False)
    return again, size, first


def _load_row(label, load, floor_ms, unloaded) -> dict:
    met = load["p95"] <= TARGET_P95_MS and load["p99"] <= TARGET_P99_MS and load["errors"] == 0
    alone, size, first = unloaded
    return {"workload": f"{label}, {USERS} clients, no think time, {SECONDS} s: p50 / p95 / p99", "value": load["p95"],
            "unit": "ms", "figure": f"{load['p50']:.0f} / {load['p95']:.0f} / {load['p99']:.0f} ms, "
                                    f"{load['rps']:.0f} req/s, {load['errors']} errors of {load['requests']} "
                                    f"(one at a time: {alone:.0f} ms, {size / 1024:.0f} KB; the first after a refresh "
                                    f"{first:.0f} ms)",
            "floor": f"live compute {floor_ms / 1000:.2f} s", "ratio": f"{floor_ms / max(load['p50'], 0.1):.0f}×",
            "target": f"p95 ≤ {TARGET_P95_MS} ms, p99 ≤ {TARGET_P99_MS} ms, 0 errors", "met": met}


def run() -> list[dict]:
    from django.utils import timezone

    from inventory.models import Enterprise, SurveyLine
    from tasks.models import ActionPlan, ProgressReport, Task
    from tests.benchmarks.load import locust, serve

    today = timezone.localdate()
    seeded, written, province, counties, leader = _seed(today)
    print(f"    seed: {seeded:.1f} s{' (tasks written now)' if written else ' (all present)'}", flush=True)
    plans = ActionPlan.objects.filter(title__startswith=MARK)
    n_plans = plans.count()
    n_tasks = Task.objects.filter(plan__in=plans).count()
    n_reports = ProgressReport.objects.filter(assignment__task__plan__in=plans).count()
    n_lines, n_enterprises = SurveyLine.objects.count(), Enterprise.objects.count()

    floor = _compute_floor(today)
    live = sum(v[0] for v in floor.values())
    refresh, rows_written = _refresh(today)
    print(f"    floor {', '.join(f'{g} {v[0]:.2f} s' for g, v in floor.items())}; refresh {refresh:.2f} s", flush=True)

    plan_id = plans.filter(region=province).order_by("pk").values_list("pk", flat=True).first()
    queries, cookie = _queries(leader, plan_id, counties[0])
    with serve() as base:
        unloaded = {path: _unloaded(base, path, cookie) for path in ("/cockpit/", "/api/v1/dashboard/")}
        page = locust(base, ["/cockpit/"], users=USERS, seconds=SECONDS, cookies={"sessionid": cookie},
                      name="cockpit page")
        api = locust(base, ["/api/v1/dashboard/"], users=USERS, seconds=SECONDS, cookies={"sessionid": cookie},
                     name="dashboard json")
        with _refreshing(MANY_REFRESH_S):
            many = locust(base, ["/cockpit/"], users=USERS, seconds=SECONDS, name="cockpit page, many leaders",
                          cookies=[{"sessionid": c} for c in _sessions(_leaders(leader, USERS))])
        stale, before, after = _staleness(base, cookie, plan_id)

    scope = (f"{n_tasks:,} tasks / {n_reports:,} progress reports in {n_plans} plans, {n_enterprises:,} enterprises, "
             f"{n_lines:,} survey lines")
    rows = []
    for group, (elapsed, sql, count, n) in floor.items():
        rows.append({"workload": f"cockpit floor: compute_{group} live (what one request would cost without "
                                 f"summaries; {n:,} panels), {scope if group == 'tasks' else ''}".rstrip(", "),
                     "figure": f"{elapsed:.2f} s (SQL {sql:.2f} s in {count} queries)", "value": round(elapsed, 3),
                     "unit": "s", "floor": "", "target": "", "met": True})
    rows.append({"workload": "cockpit floor: every panel live (sum of the compute functions)",
                 "figure": f"{live:.2f} s", "value": round(live, 3), "unit": "s", "floor": "", "target": "",
                 "met": True})
    rows.append({"workload": f"cockpit_summaries_refresh(), all groups ({sum(rows_written.values()):,} summary rows: "
                             f"{', '.join(f'{g} {n:,}' for g, n in rows_written.items())})",
                 "figure": f"{refresh:.2f} s", "value": round(refresh, 3), "unit": "s",
                 "floor": f"compute {live:.2f} s", "ratio": f"{refresh / live:.2f}×" if live else "",
                 "target": f"≤ {REFRESH_PERIOD_S // 2} s (half the {REFRESH_PERIOD_S} s period)",
                 "met": refresh <= REFRESH_PERIOD_S / 2})
    rows.append(_load_row("cockpit page /cockpit/ (province leader)", page, live * 1000, unloaded["/cockpit/"]))
    rows.append(_load_row("dashboard JSON /api/v1/dashboard/ (province leader)", api, live * 1000,
                          unloaded["/api/v1/dashboard/"]))
    rows.append(_load_row(f"cockpit page /cockpit/, {USERS} leaders of the province, prefectures and counties, each "
                          f"their own region, every cache dropped each {MANY_REFRESH_S} s", many, live * 1000,
                          unloaded["/cockpit/"]))
    rows.append({"workload": "staleness: a task completed through the ORM → shown by /api/v1/dashboard/?plan= "
                             "(real Celery worker, refresh 5 s after the write)",
                 "figure": f"{stale:.1f} s (done {before} → {after})" if stale is not None else
                           f"not shown after {TARGET_STALENESS_S * 2} s (done {before} → {after})",
                 "value": round(stale, 2) if stale is not None else None, "unit": "s", "floor": "5 s delay",
                 "target": f"≤ {TARGET_STALENESS_S} s", "met": stale is not None and stale <= TARGET_STALENESS_S})
    counts = [n for pair in queries["page"] + queries["json"] for n in pair]

    def shown(pairs):
        return f"{'/'.join(str(first) for first, _again in pairs)} first, {'/'.join(str(a) for _f, a in pairs)} again"

    rows.append({"workload": "SQL queries per cockpit request: page / JSON (all, plan, county, county + year), the "
                             "first after a refresh (nothing cached) and again",
                 "figure": f"page {shown(queries['page'])}; JSON {shown(queries['json'])}",
                 "value": max(counts), "unit": "queries", "floor": "",
                 "target": f"≤ {MAX_QUERIES}, the same for every filter",
                 "met": max(counts) <= MAX_QUERIES and all(len(set(pairs)) == 1 for pairs in queries.values())})
    return rows
