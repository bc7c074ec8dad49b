"""Benchmark: importing a 100,000-line survey file, CSV and XLSX, end to end with all validation,
against the physical floor (PostgreSQL COPY of the same rows into a bare table), the floor of the
real table (COPY of the resolved rows into inventory_surveyline, whose two foreign keys PostgreSQL
checks row by row and whose four indexes it maintains), the fastest reader alone (python-calamine)
and django-import-export's default row-by-row import (the peer, measured on a slice and compared per
row). Re-importing the same file (every line unchanged) is measured too. Peak memory of the import is
measured in a fresh child process."""
from __future__ import annotations

import csv
import io
import multiprocessing
import os
import resource
import time

N_LINES = int(os.environ.get("BENCH_IMPORT_LINES", 100_000))
N_ENTERPRISES = 1_000
N_SUBSTANCES = 2_000
PEER_SLICE = 1_000
ACTIVITIES = ["生产", "加工使用", "进口", "出口"]


def _cas(n: int) -> str:
    from inventory.management.commands.seed_scale import cas_for

    return cas_for(100_000 + n)


def _credit_code(n: int) -> str:
    from inventory.management.commands.seed_scale import credit_code_for

    return credit_code_for("140602", 500_000_000 + n)  # apart from seed_scale's codes, which start at 0


def _seed():
    from inventory.models import Enterprise, Substance, SurveyCampaign, SurveyLine, SurveyReport
    from portal.models import Region

    SurveyLine.objects.all().delete()
    SurveyReport.objects.all().delete()
    if not Region.objects.filter(code="140602").exists():
        from portal.services import reference_load

        reference_load()  # the real region tree, so later benchmarks find its provinces
    region = Region.objects.get(code="140602")
    if Enterprise.objects.count() < N_ENTERPRISES:
        Enterprise.objects.bulk_create([Enterprise(credit_code=_credit_code(i), name=f"基准企业{i}", region=region)
                                        for i in range(N_ENTERPRISES)], ignore_conflicts=True)
        Substance.objects.bulk_create([Substance(cas=_cas(i), name_zh=f"基准物质{i}") for i in range(N_SUBSTANCES)],
                                      ignore_conflicts=True)
    campaign, _ = SurveyCampaign.objects.get_or_create(year=2023, title="基准调查", region=region)
    return campaign


def _rows():
    from inventory.importers import SURVEY_LINE_COLUMNS

    headers = [c.header for c in SURVEY_LINE_COLUMNS]
    out = [headers]
    for i in range(N_LINES):
        e, s = i % N_ENTERPRISES, (i // N_ENTERPRISES) % N_SUBSTANCES
        activity = ACTIVITIES[(i // (N_ENTERPRISES * N_SUBSTANCES)) % 4]
        row = {"统一社会信用代码": _credit_code(e), "物质名称": f"基准物质{s}", "CAS号": _cas(s), "活动类型": activity,
               "数量（吨/年）": f"{(i % 997) / 7 + 1:.3f}", "分散式用途": "否", "大气排放量（吨/年）": "0.01"}
        out.append([row.get(h, "") for h in headers])
    return out


def _csv_bytes(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx_bytes(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _copy_floor(data: bytes) -> float:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_copy (code text, name text, raw_name text, cas text, activity text, "
                       "quantity text, use_category text, dispersive text, w text, a text, s text, waste text, "
                       "note text) ON COMMIT DROP")
        t0 = time.perf_counter()
        cursor.cursor.copy_expert("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)", io.BytesIO(data))
        return time.perf_counter() - t0


def _copy_real_table(rows, campaign) -> float:
    """COPY of the same lines, already resolved to report and substance ids, into the survey-line table
    itself, committed (the foreign keys are checked at commit): what any import writing these rows pays."""
    from django.db import connection, transaction

    from inventory.importers import ACTIVITIES
    from inventory.models import Enterprise, Substance, SurveyLine, SurveyReport

    SurveyLine.objects.all().delete()
    SurveyReport.objects.all().delete()
    SurveyReport.objects.bulk_create([SurveyReport(campaign=campaign, enterprise=e) for e in Enterprise.objects.all()])
    reports = dict(SurveyReport.objects.values_list("enterprise__credit_code", "pk"))
    substances = dict(Substance.objects.values_list("cas", "pk"))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows[1:]:
        writer.writerow([reports[row[0]], substances[row[3]], row[2], row[3], ACTIVITIES[row[4]], row[5], row[6], "f",
                         row[8], row[9], row[10], row[11], row[12], "f", ""])
    buffer.seek(0)
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            "COPY inventory_surveyline (report_id, substance_id, raw_name, raw_cas, activity, quantity, use_category, "
            "dispersive_use, emission_water, emission_air, emission_soil, waste_route, warning_note, returned, "
            "return_reason) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (raw_name, raw_cas, use_category, waste_route, "
            "warning_note, return_reason))", buffer)
    elapsed = time.perf_counter() - t0
    SurveyLine.objects.all().delete()
    SurveyReport.objects.all().delete()
    return elapsed


def _reimport(data: bytes, name: str, campaign) -> float:
    """Check and commit a file whose lines are all in the database already (nothing to write)."""
    from inventory.importers import check_survey_lines, commit_survey_lines
    from inventory.sheets import read_table

    t0 = time.perf_counter()
    checked = check_survey_lines(read_table(data, name), actor=None, campaign=campaign)
    record = commit_survey_lines(actor=None, campaign=campaign, checked=checked, file_name=name, data=data)
    elapsed = time.perf_counter() - t0
    assert checked.ok and record.unchanged == N_LINES, (checked.errors[:3], record.unchanged)
    return elapsed


def _portal_import(data: bytes, name: str, user_id, campaign_id) -> tuple[float, int]:
    from inventory.importers import check_survey_lines, commit_survey_lines
    from inventory.models import SurveyCampaign, SurveyLine, SurveyReport
    from inventory.sheets import read_table
    from portal.models import User

    SurveyLine.objects.all().delete()
    SurveyReport.objects.all().delete()
    user = User.objects.get(pk=user_id) if user_id else None
    campaign = SurveyCampaign.objects.get(pk=campaign_id)
    t0 = time.perf_counter()
    checked = check_survey_lines(read_table(data, name), actor=user, campaign=campaign)
    record = commit_survey_lines(actor=user, campaign=campaign, checked=checked, file_name=name, data=data)
    elapsed = time.perf_counter() - t0
    assert checked.ok and record.created == N_LINES, (checked.errors[:3], record.created)
    return elapsed, record.created


def _child(conn, data, name, user_id, campaign_id, env):
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = env["BENCH_DB_NAME"]
    elapsed, _n = _portal_import(data, name, user_id, campaign_id)
    conn.send((elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    conn.close()


def _peak_memory(data, name, user_id, campaign_id) -> tuple[float, float]:
    from django.db import connection

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    env = {"DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "portal.settings.test"),
           "BENCH_DB_NAME": connection.settings_dict["NAME"]}
    connection.close()
    process = context.Process(target=_child, args=(child, data, name, user_id, campaign_id, env))
    process.start()
    while not parent.poll(1):
        if not process.is_alive():
            raise RuntimeError(f"the import child process died (exit code {process.exitcode})")
    elapsed, peak = parent.recv()
    process.join()
    return elapsed, peak


def _peer_rate(rows, campaign) -> float:
    """django-import-export's default row-by-row import on a slice: seconds per row."""
    import tablib

    from inventory.models import Enterprise, SurveyReport
    from inventory.resources import SurveyLineResource

    reports = {e.credit_code: SurveyReport.objects.get_or_create(campaign=campaign, enterprise=e)[0]
               for e in Enterprise.objects.filter(credit_code__in={r[0] for r in rows[1:PEER_SLICE + 1]})}
    dataset = tablib.Dataset(headers=["报告编号", "CAS号", "物质名称", "填报CAS号", "活动类型", "数量（吨/年）"])
    for r in rows[1:PEER_SLICE + 1]:
        dataset.append([reports[r[0]].pk, r[3], r[2], r[3], {"生产": "produce", "加工使用": "use", "进口": "import",
                                                            "出口": "export"}[r[4]], r[5]])
    t0 = time.perf_counter()
    result = SurveyLineResource().import_data(dataset, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - t0
    assert not result.has_errors()
    return elapsed / PEER_SLICE


def _calamine_read(data: bytes) -> float:
    from python_calamine import CalamineWorkbook

    t0 = time.perf_counter()
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    for _row in workbook.get_sheet_by_name(workbook.sheet_names[0]).iter_rows():
        pass
    return time.perf_counter() - t0


def run() -> list[dict]:
    campaign = _seed()
    rows = _rows()
    csv_data, xlsx_data = _csv_bytes(rows), _xlsx_bytes(rows)
    floor = _copy_floor(csv_data)
    real_floor = _copy_real_table(rows, campaign)
    csv_time, peak = _peak_memory(csv_data, "bench.csv", None, campaign.pk)
    xlsx_time, xlsx_peak = _peak_memory(xlsx_data, "bench.xlsx", None, campaign.pk)
    read_time = _calamine_read(xlsx_data)
    reimport_time = _reimport(csv_data, "bench.csv", campaign)
    from inventory.models import SurveyLine, SurveyReport

    SurveyLine.objects.all().delete()
    SurveyReport.objects.all().delete()
    peer_per_row = _peer_rate(rows, campaign)
    peer_total = peer_per_row * N_LINES
    return [
        {"workload": f"PostgreSQL COPY of {N_LINES:,} survey lines into a bare table (floor)",
         "figure": f"{floor:.2f} s", "value": round(floor, 3), "unit": "s", "floor": "", "target": "", "met": True},
        {"workload": f"PostgreSQL COPY of the same {N_LINES:,} lines, resolved, into the survey-line table "
                     "(2 foreign keys, 4 indexes; floor of any import)",
         "figure": f"{real_floor:.2f} s", "value": round(real_floor, 3), "unit": "s", "floor": f"COPY {floor:.2f} s",
         "ratio": f"{real_floor / floor:.1f}× COPY", "target": "", "met": True},
        {"workload": f"portal import, CSV, {N_LINES:,} lines, all validation, one transaction",
         "figure": f"{csv_time:.2f} s, peak {peak:.0f} MB", "value": round(csv_time, 3), "unit": "s",
         "floor": f"COPY {floor:.2f} s; table {real_floor:.2f} s",
         "ratio": f"{csv_time / floor:.1f}× COPY, {csv_time / real_floor:.2f}× table",
         "target": "≤ 10× COPY, ≤ 500 MB", "met": csv_time <= 10 * floor and peak <= 500},
        {"workload": f"re-import of the same CSV, {N_LINES:,} lines unchanged", "figure": f"{reimport_time:.2f} s",
         "value": round(reimport_time, 3), "unit": "s", "floor": f"import {csv_time:.2f} s",
         "ratio": f"{reimport_time / csv_time:.2f}× import", "target": "≤ import", "met": reimport_time <= csv_time},
        {"workload": f"portal import, XLSX, {N_LINES:,} lines", "figure": f"{xlsx_time:.2f} s, peak {xlsx_peak:.0f} MB",
         "value": round(xlsx_time, 3), "unit": "s", "floor": f"CSV {csv_time:.2f} s + calamine read {read_time:.2f} s",
         "ratio": f"{xlsx_time / (csv_time + read_time):.2f}×", "target": "≤ CSV + read, ≤ 500 MB",
         "met": xlsx_time <= (csv_time + read_time) * 1.05 and xlsx_peak <= 500},
        {"workload": f"django-import-export row by row (peer), measured on {PEER_SLICE:,} rows",
         "figure": f"{peer_per_row * 1000:.1f} ms/row → {peer_total:.0f} s for {N_LINES:,}", "value": round(peer_total, 1),
         "unit": "s", "floor": f"portal {csv_time:.2f} s", "ratio": f"portal {peer_total / csv_time:.0f}× faster",
         "target": "portal ≥ 20× faster", "met": peer_total / csv_time >= 20},
    ]
