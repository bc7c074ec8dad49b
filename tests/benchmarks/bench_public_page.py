"""Benchmark: the public (no login) page of a published controlled-enterprise list of 1,000 enterprises, at 20
concurrent clients with no think time, through gunicorn on loopback (locust drives the load). Pages come from the
cache, which a new publication invalidates: the bench publishes again and checks the next request shows the new
version. Beside it, the same page rendered with an empty cache — the floor the cache saves. Target p95 ≤ 100 ms."""
from __future__ import annotations

import time
import urllib.request

N_ENTERPRISES = 1000
USERS = 20
SECONDS = 20
TARGET_P95_MS = 100
PROVINCE, CITY = "980000", "980100"


def _seed():
    """A province and city of their own, the national 2023 list, 1,000 enterprises on it, one publication."""
    from controls.models import ControlledEnterprise, ControlList
    from controls.services import controlled_list_publish, reference_lists_load
    from inventory.identifiers import uscc_check_char
    from inventory.models import Enterprise
    from portal.models import Region

    province, _ = Region.objects.get_or_create(code=PROVINCE, defaults={"name": "基准省", "level": "province"})
    city, _ = Region.objects.get_or_create(code=CITY, defaults={"name": "基准市", "level": "prefecture",
                                                            "parent": province})
    counties = [Region.objects.get_or_create(code=f"9801{i:02d}", defaults={"name": f"基准{i}区", "level": "county",
                                                                            "parent": city})[0] for i in range(1, 11)]
    if not ControlList.objects.filter(kind="national_key").exists():
        reference_lists_load()
    clist = ControlList.objects.get(kind="national_key")
    if not Enterprise.objects.filter(region__in=counties).exists():
        rows = []
        for i in range(N_ENTERPRISES):
            body = f"91980{i % 10 + 1:03d}MA0B{i:05d}"
            rows.append(Enterprise(credit_code=body + uscc_check_char(body), name=f"基准化工企业{i:04d}有限公司",
                                   region=counties[i % 10], contact_name="王某某", contact_phone="13800000000"))
        Enterprise.objects.bulk_create(rows, batch_size=1000)
        entries = list(clist.entries.values_list("number", "name"))
        ControlledEnterprise.objects.bulk_create([
            ControlledEnterprise(list=clist, enterprise=e, status="derived", basis={"entries": [
                {"entry": n, "entry_name": name, "cas": "", "substance": name, "activity": "use", "year": 2024,
                 "quantity": 1.5, "lines": 1, "first_line": 0} for n, name in entries[i % 3: i % 3 + 2]]})
            for i, e in enumerate(Enterprise.objects.filter(region__in=counties).order_by("pk"))], batch_size=1000)
    publication = controlled_list_publish(actor=None, clist=clist, region=city, note="基准")
    return clist, city, publication


def _get(url: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    body = urllib.request.urlopen(url, timeout=30).read().decode()
    return (time.perf_counter() - t0) * 1000, body


def run() -> list[dict]:
    from django.core.cache import cache

    from controls.services import controlled_list_publish
    from tests.benchmarks.load import locust, serve

    clist, city, publication = _seed()
    path = f"/public/controls/{city.code}/{clist.pk}/"
    rows = []
    with serve(env={"PORTAL_PUBLIC_RATE_LIMIT": str(10 ** 9)}) as base:
        cold = []
        for _ in range(5):
            cache.clear()
            cold.append(_get(base + path)[0])
        _get(base + path)
        load = locust(base, [path, path + "?page=5", path + "?q=0042"], users=USERS, seconds=SECONDS,
                      name="public page")
        again = controlled_list_publish(actor=None, clist=clist, region=city, note="基准（再次公布）")
        elapsed, body = _get(base + path)
        fresh = f"第 {again.number} 版" in body or f"version {again.number}," in body
    cold_ms = sorted(cold)[len(cold) // 2]
    label = f"public page, published list of {N_ENTERPRISES} enterprises, {USERS} clients, {SECONDS} s"
    rows.append({"workload": f"{label}: p50 / p95 / p99", "value": load["p95"], "unit": "ms",
                 "figure": f"{load['p50']:.0f} / {load['p95']:.0f} / {load['p99']:.0f} ms, {load['rps']:.0f} req/s, "
                           f"{load['errors']} errors of {load['requests']}",
                 "floor": f"uncached render {cold_ms:.0f} ms", "ratio": round(cold_ms / max(load["p50"], 0.1), 1),
                 "target": f"p95 ≤ {TARGET_P95_MS} ms, 0 errors",
                 "met": load["p95"] <= TARGET_P95_MS and load["errors"] == 0})
    rows.append({"workload": "public page after a new publication (cache invalidated)", "value": elapsed, "unit": "ms",
                 "figure": f"{elapsed:.0f} ms, shows version {again.number}: {'yes' if fresh else 'NO'}",
                 "target": "new version at once", "met": fresh})
    del publication
    return rows
