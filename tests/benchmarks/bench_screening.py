"""Benchmark: a screening run over the province-scale data of seed_scale (50,000 substances with 2–6 hazard
records each, 1,000,000 survey lines of which about 40 % in accepted reports, 1,000,000 monitoring results),
against its floor — the plain SQL a run cannot do without: the two exposure aggregates of
screening.runs.exposure_by_substance and reading every hazard record. Measured: a full HJ 1229 run and a
GB/T 24782 run with run_execute (target ≤ 10 s), the number of SQL queries of a run (fixed, not one per
substance), the peak memory of a run in a fresh child process, and — as a second floor — the COPY of one
run's results alone. seed_scale runs first unless its data are in the database already. Needs the database
that tests/benchmarks/run.py prepares.

    BENCH_SCREENING_PROFILE=1   also print the 25 costliest functions of the HJ 1229 run (cProfile)"""
from __future__ import annotations

import multiprocessing
import os
import re
import resource
import sys
import time

N_SUBSTANCES = int(os.environ.get("BENCH_SCREENING_SUBSTANCES", 50_000))
N_ENTERPRISES = int(os.environ.get("BENCH_SCREENING_ENTERPRISES", 10_000))
N_LINES = int(os.environ.get("BENCH_SCREENING_LINES", 1_000_000))
YEAR = 2023
TARGET_SECONDS = 10
MAX_QUERIES = 40
DECLARE = re.compile(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR ', re.S)


def _seed() -> float:
    """seed_scale's data set, written now unless it is there already; returns the seconds spent."""
    from django.core.management import call_command

    from inventory.management.commands.seed_scale import HAZARD_REFERENCE, MARK
    from inventory.models import Substance, SurveyLine
    from portal.models import Region
    from portal.services import reference_load
    from screening.models import HazardRecord
    from screening.services import profiles_load

    t0 = time.perf_counter()
    if not Region.objects.filter(level="province").exists():
        reference_load()
    profiles_load()
    present = (Substance.objects.filter(name_zh__startswith=MARK).count() == N_SUBSTANCES
               and SurveyLine.objects.filter(report__campaign__title__startswith=MARK).count() == N_LINES
               and HazardRecord.objects.filter(reference=HAZARD_REFERENCE).exists())
    if not present:
        call_command("seed_scale", "--substances", str(N_SUBSTANCES), "--enterprises", str(N_ENTERPRISES),
                     "--records", str(N_LINES))
    return time.perf_counter() - t0 if not present else 0.0


def _region():
    """The province holding most of the synthetic enterprises (seed_scale spreads them over every county)."""
    from inventory.management.commands.seed_scale import MARK
    from inventory.models import Enterprise
    from portal.models import Region

    provinces = Region.objects.filter(level="province")
    return max(provinces, key=lambda p: Enterprise.objects.filter(name__startswith=MARK,
                                                                  region__path__startswith=p.path).count())


def _floor(region) -> tuple[float, dict]:
    """The SQL of exposure_by_substance and hazard_records, exactly as they send it, run bare with fetchall."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from screening.runs import exposure_by_substance, hazard_records

    with CaptureQueriesContext(connection) as captured:
        exposure_by_substance(region=region, year=YEAR)
        hazard_records()
    statements = [DECLARE.sub("", q["sql"]) for q in captured.captured_queries
                  if "DECLARE" in q["sql"] or q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(statements) == 3, [q["sql"][:80] for q in captured.captured_queries]
    rows = {}
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for name, sql in zip(("survey", "monitoring", "hazard"), statements, strict=True):
            cursor.execute(sql)
            rows[name] = len(cursor.fetchall())
    return time.perf_counter() - t0, rows


def _write_floor(run) -> tuple[float, int]:
    """(seconds, bytes): COPY of a finished run's results, as CSV, into a copy of the results table with the same
    indexes — what writing the results costs whatever computes them."""
    import io

    from django.db import connection, transaction

    from screening.models import ScreeningResult
    from screening.runs import COPY_COLUMNS

    table, columns = ScreeningResult._meta.db_table, ", ".join(COPY_COLUMNS)
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY (SELECT {columns} FROM {table} WHERE run_id = {int(run.pk)}) TO STDOUT "
                                  "WITH (FORMAT csv)", buffer)
    size = buffer.tell()
    buffer.seek(0)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_results (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY "
                       "INCLUDING INDEXES) ON COMMIT DROP")
        t0 = time.perf_counter()
        cursor.cursor.copy_expert(f"COPY bench_results ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL "
                                  "(tier_reason, override_tier, override_reason))", buffer)
        elapsed = time.perf_counter() - t0
    return elapsed, size


def _new_run(region, code: str):
    from inventory.management.commands.seed_scale import MARK
    from screening.models import CriteriaProfile, ScreeningRun

    version = CriteriaProfile.objects.get(code=code).current
    return ScreeningRun.objects.create(version=version, region=region, year=YEAR, title=f"{MARK}基准筛查 {code}")


def _timed_run(region, code: str, profile: bool = False) -> tuple[float, int, object]:
    """(seconds, SQL queries, run). COPY goes through the driver's cursor and is not among the queries."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from screening.runs import run_execute

    run = _new_run(region, code)
    profiler = cProfile.Profile() if profile else None
    with CaptureQueriesContext(connection) as captured:
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        run = run_execute(run.pk)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - t0
    assert run.status == "done", run.error
    if profiler:
        print(f"\n  cProfile of the {code} run ({elapsed:.1f} s with the profiler):", flush=True)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return elapsed, len(captured), run


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB. VmHWM starts afresh at exec, unlike ru_maxrss,
    which a spawned child inherits from its (large) parent on Linux."""
    try:
        status = dict(line.split(":", 1) for line in open("/proc/self/status", encoding="ascii"))
        return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024
    except OSError:  # not Linux
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        return peak, peak


def _child(conn, region_id, env):
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = env["BENCH_DB_NAME"]
    from portal.models import Region
    from screening.runs import run_execute

    region = Region.objects.get(pk=region_id)
    run = _new_run(region, "hj1229")
    before = _rss_mb()[0]
    t0 = time.perf_counter()
    run = run_execute(run.pk)
    elapsed = time.perf_counter() - t0
    conn.send((elapsed, before, _rss_mb()[1], run.status))
    conn.close()


def _peak_memory(region) -> tuple[float, float, float]:
    """(seconds, MB before the run, peak MB) of an HJ 1229 run in a fresh process."""
    from django.db import connection

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    env = {"DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "portal.settings.test"),
           "BENCH_DB_NAME": connection.settings_dict["NAME"]}
    connection.close()
    process = context.Process(target=_child, args=(child, region.pk, env))
    process.start()
    while not parent.poll(1):
        if not process.is_alive():
            raise RuntimeError(f"the screening child process died (exit code {process.exitcode})")
    elapsed, before, peak, status = parent.recv()
    process.join()
    assert status == "done", status
    return elapsed, before, peak


def run() -> list[dict]:
    seeded = _seed()
    if seeded:
        print(f"    seed_scale: {seeded:.1f} s", flush=True)
    region = _region()
    floor, rows = _floor(region)
    child_time, before, peak = _peak_memory(region)  # first: the child then has the machine's memory to itself
    hj_time, queries, hj_run = _timed_run(region, "hj1229")
    gbt_time, gbt_queries, _gbt_run = _timed_run(region, "gbt24782")
    if os.environ.get("BENCH_SCREENING_PROFILE", "") not in ("", "0"):
        _timed_run(region, "hj1229", profile=True)
    write, size = _write_floor(hj_run)
    from screening.models import HazardRecord

    n = hj_run.substances
    records = HazardRecord.objects.count()
    scope = f"{region.name}, {YEAR}: {n:,} substances, {records:,} hazard records"
    return [
        {"workload": f"screening floor: 2 exposure aggregates ({rows['survey']:,} + {rows['monitoring']:,} rows) "
                     f"and all {rows['hazard']:,} hazard records, plain SQL",
         "figure": f"{floor:.2f} s", "value": round(floor, 3), "unit": "s", "floor": "", "target": "", "met": True},
        {"workload": f"COPY of one run's {n:,} results ({size / 2**20:.0f} MB of CSV, 3 jsonb columns) into a copy "
                     "of the results table",
         "figure": f"{write:.2f} s", "value": round(write, 3), "unit": "s", "floor": "", "target": "", "met": True},
        {"workload": f"screening run HJ 1229 (run_execute), {scope}", "figure": f"{hj_time:.2f} s",
         "value": round(hj_time, 3), "unit": "s", "floor": f"SQL {floor:.2f} s + COPY {write:.2f} s",
         "ratio": f"{hj_time / (floor + write):.1f}× floors", "target": f"≤ {TARGET_SECONDS} s",
         "met": hj_time <= TARGET_SECONDS},
        {"workload": f"screening run GB/T 24782 (run_execute), {scope}", "figure": f"{gbt_time:.2f} s",
         "value": round(gbt_time, 3), "unit": "s", "floor": f"SQL {floor:.2f} s",
         "ratio": f"{gbt_time / floor:.1f}× SQL", "target": f"≤ {TARGET_SECONDS} s", "met": gbt_time <= TARGET_SECONDS},
        {"workload": f"SQL queries of a run ({n:,} substances; + 1 COPY of the results)",
         "figure": f"{queries} (GB/T 24782: {gbt_queries})", "value": queries, "unit": "queries", "floor": "",
         "target": f"fixed, ≤ {MAX_QUERIES}", "met": queries <= MAX_QUERIES and gbt_queries <= MAX_QUERIES},
        {"workload": "peak memory of an HJ 1229 run, fresh child process",
         "figure": f"peak {peak:.0f} MB ({before:.0f} MB before the run; run {child_time:.1f} s)",
         "value": round(peak), "unit": "MB", "floor": "", "target": "≤ 1000 MB", "met": peak <= 1000},
    ]
