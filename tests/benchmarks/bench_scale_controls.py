"""Benchmark: recomputing the controlled-enterprise list (一名单) over seed_scale's data set — 10,000
enterprises, 1,000,000 survey lines — from a list in force whose entries name 5,000 of its substances
(a tenth of them, far more than any real list). Beside it, the plain SQL of the same join and
aggregation, as the floor. Target ≤ 5 s. Named to run before bench_screening, which reuses the data."""
from __future__ import annotations

import time

TARGET_SECONDS = 5
N_LISTED = 5000


def _list():
    from controls.models import ControlEntry, ControlList, EntrySubstance
    from inventory.management.commands.seed_scale import MARK
    from inventory.models import Substance

    clist, created = ControlList.objects.get_or_create(
        name=f"{MARK}基准清单", defaults={"kind": "local_supplement", "edition": "基准", "year": 2025,
                                       "jurisdiction": "national", "status": "in_force"})
    if created:
        substances = list(Substance.objects.filter(name_zh__startswith=MARK).order_by("pk")[:N_LISTED])
        for i in range(0, len(substances), 10):
            entry = ControlEntry.objects.create(list=clist, number=i // 10 + 1, name=f"基准条目{i // 10 + 1}",
                                                category="other")
            EntrySubstance.objects.bulk_create([EntrySubstance(entry=entry, substance=s, cas=s.cas or "")
                                                for s in substances[i:i + 10]])
    return clist


def _floor(clist) -> float:
    """The join and aggregation alone (no JSON, no writes)."""
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT r.enterprise_id, e.number, l.substance_id, l.activity, SUM(l.quantity), COUNT(*)
            FROM inventory_surveyline l
            JOIN inventory_surveyreport r ON r.id = l.report_id AND r.state = 'accepted'
            JOIN controls_entrysubstance es ON es.substance_id = l.substance_id
            JOIN controls_controlentry e ON e.id = es.entry_id AND e.list_id = %s
            WHERE l.activity IN ('produce', 'use')
            GROUP BY 1, 2, 3, 4""", [clist.pk])
        cursor.fetchall()
    return time.perf_counter() - t0


def run() -> list[dict]:
    from controls.models import ControlledEnterprise
    from controls.services import controlled_enterprises_derive
    from tests.benchmarks.bench_screening import _seed

    seeded = _seed()
    if seeded:
        print(f"    seed_scale: {seeded:.1f} s", flush=True)
    clist = _list()
    ControlledEnterprise.objects.filter(list=clist).delete()
    floor = _floor(clist)
    t0 = time.perf_counter()
    first = controlled_enterprises_derive(actor=None, clist=clist)
    first_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    controlled_enterprises_derive(actor=None, clist=clist)
    again = time.perf_counter() - t0
    scope = f"{first['listed']:,} enterprises listed from 1,000,000 survey lines, {N_LISTED:,} listed substances"
    return [
        {"workload": f"controlled-enterprise list, first derivation ({scope})", "figure": f"{first_time:.2f} s",
         "value": round(first_time, 3), "unit": "s", "floor": f"join and aggregation alone {floor:.2f} s",
         "ratio": f"{first_time / floor:.1f}×", "target": f"≤ {TARGET_SECONDS} s", "met": first_time <= TARGET_SECONDS},
        {"workload": "controlled-enterprise list, recomputed (nothing changed)", "figure": f"{again:.2f} s",
         "value": round(again, 3), "unit": "s", "floor": f"{floor:.2f} s", "ratio": f"{again / floor:.1f}×",
         "target": f"≤ {TARGET_SECONDS} s", "met": again <= TARGET_SECONDS},
    ]
