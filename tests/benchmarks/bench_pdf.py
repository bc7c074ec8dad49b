"""Benchmark: PDF progress report rendering (tasks.documents.render_pdf) at about 20 and about 100 pages.

Not a test (no time asserts). The context is built synthetically, in the shape document_context
returns, so no database is touched; each render runs in a fresh child process so that its peak
resident memory (ru_maxrss of RUSAGE_CHILDREN — WeasyPrint/Pango allocate in C, which tracemalloc
does not see) belongs to that render alone.

    DJANGO_SETTINGS_MODULE=portal.settings.test .venv/bin/python tests/benchmarks/bench_pdf.py

`run()` returns rows like {"workload", "figure", "value", "unit", "floor", "target", "met"}; the
floor is the time of the Django template alone (the HTML WeasyPrint is given), for scale.
"""
from __future__ import annotations

import datetime
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# (workload label, departments, tasks per department, narrative characters, time target s).
# Rows with a typical narrative (~80 characters) take several lines, so pages hold ~6-8 of them;
# the last workload is the row-count stress case (3,800 short rows) the ~100-page target was set on.
WORKLOADS = [
    ("PDF report, ~20 pages", 6, 20, 80, 8.0),
    ("PDF report, ~100 pages", 20, 33, 80, 60.0),
    ("PDF report, 3,800 short rows", 32, 100, 8, 60.0),
]
MEMORY_TARGET_MB = 1024


def setup_django():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    import django

    django.setup()


def synthetic_context(departments: int, per_department: int, narrative_chars: int) -> dict:
    """A context of the shape tasks.documents.document_context returns, with
    departments × per_department task rows (plus an overdue annex and indicators)."""
    from tasks.documents import ALERTS, department_chart_svg

    today = datetime.date(2024, 4, 1)
    alerts = [("red", "红"), ("yellow", "黄"), ("blue", "蓝"), ("none", ""), ("none", "")]
    statuses = ["推进中", "已完成", "未启动", "已逾期", "推进中"]
    phrase = "已组织各县区开展化学物质环境信息调查，完成重点企业现场核查并形成阶段性报告。"
    narrative = (phrase * (narrative_chars // len(phrase) + 1))[:narrative_chars]
    deps, overdue = [], []
    n = 0
    for d in range(departments):
        name = f"朔州市第{d + 1}测试部门"
        tasks = []
        for _i in range(per_department):
            n += 1
            alert, short = alerts[n % len(alerts)]
            row = {
                "label": f"三、（{n}）", "title": f"强化新污染物环境风险管控任务{n}",
                "deadline": "2025年12月31日", "status": statuses[n % len(statuses)], "alert": alert,
                "alert_short": short, "progress": n * 7 % 101, "narrative": narrative,
                "report_percent": n * 7 % 101, "report_period": "2024年3月", "evidence": n % 4,
                "lead": name, "co": "朔州市生态环境局" if n % 3 == 0 else "",
            }
            tasks.append(row)
            if alert == "red":
                overdue.append({"label": row["label"], "title": row["title"], "deadline": "2023年12月31日",
                                "days_overdue": 92, "lead": name, "progress": row["progress"],
                                "status": "已逾期"})
        done = sum(t["status"] == "已完成" for t in tasks)
        deps.append({"name": name, "tasks": tasks, "done": done, "anchor": f"dept-{d + 1}", "number": d + 1,
                     "total": len(tasks), "completion_rate": round(100 * done / len(tasks)),
                     "avg_progress": round(sum(t["progress"] for t in tasks) / len(tasks))})
    total = n
    return {
        "title": "朔州市新污染物治理行动方案工作进展报告",
        "plan": {"pk": 1, "title": "朔州市新污染物治理行动方案", "issuer": "朔州市人民政府办公室",
                 "doc_number": "朔政办发〔2023〕18号", "issued": "2023年5月13日"},
        "issuer": "朔州市人民政府办公室", "period": datetime.date(2024, 3, 1), "period_label": "2024年3月",
        "today": today, "generated_on": "2024年4月1日", "recipient": "测试领导", "scope_note": "",
        "summary": {"total": total, "completed": total // 5, "in_progress": 2 * total // 5,
                    "not_started": total // 5, "overdue": total // 5, "closed": 0, "avg_progress": 50.0,
                    "completion_rate": 20.0},
        "colours": [{"value": v or "none", "label": label, "short": s, "colour": c, "count": total // 4}
                    for v, label, s, c in ALERTS],
        "departments": deps,
        "chart_svg": department_chart_svg(deps),
        "overdue": overdue,
        "indicators": [{"name": f"农药包装废弃物回收率{i}", "department": "朔州市农业农村局", "target": "≥ 80%",
                        "deadline": "2025年12月31日", "value": "62.5%", "value_period": "2024年3月",
                        "met": False, "met_label": "未达标"} for i in range(10)],
    }


def _child(args, queue):
    setup_django()
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # per-page progress lines at INFO
    from tasks.documents import render_html, render_pdf

    context = synthetic_context(*args)
    rows = sum(len(d["tasks"]) for d in context["departments"]) + len(context["overdue"])
    start = time.perf_counter()
    render_html(context)
    template = time.perf_counter() - start
    start = time.perf_counter()
    pdf, pages = render_pdf(context)
    elapsed = time.perf_counter() - start
    queue.put({"seconds": elapsed, "pages": pages, "bytes": len(pdf), "rows": rows, "template": template})


def measure(departments: int, per_department: int, narrative_chars: int) -> dict:
    """Render in a fresh child process; returns seconds, pages, bytes, rows and the child's peak RSS."""
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: its ru_maxrss is this render's
    queue = ctx.Queue()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = ctx.Process(target=_child, args=((departments, per_department, narrative_chars), queue))
    proc.start()
    result = queue.get()
    proc.join()
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kb <= before:  # RUSAGE_CHILDREN keeps the maximum over all children waited for
        result["peak_note"] = "peak not above an earlier child's"
    result["peak_mb"] = peak_kb / 1024
    return result


def run() -> list[dict]:
    rows = []
    # Small first: RUSAGE_CHILDREN reports the largest child so far, so increasing sizes read true.
    for label, departments, per_department, chars, target_s in WORKLOADS:
        r = measure(departments, per_department, chars)
        met = r["seconds"] <= target_s and r["peak_mb"] <= MEMORY_TARGET_MB
        rows.append({
            "workload": f"{label} ({r['rows']} table rows)",
            "figure": f"{r['seconds']:.1f} s, peak {r['peak_mb']:.0f} MB, {r['pages']} pages, "
                      f"{r['bytes'] / 1024:.0f} KB",
            "value": round(r["seconds"], 2),
            "unit": "s",
            "floor": f"HTML template alone {r['template']:.1f} s",
            "target": f"≤ {target_s:g} s, ≤ 1 GB",
            "met": met,
            "pages": r["pages"],
            "peak_mb": round(r["peak_mb"]),
        })
    return rows


if __name__ == "__main__":
    setup_django()
    for row in run():
        print(f"{row['workload']}: {row['figure']} (target {row['target']}) {'met' if row['met'] else 'NOT MET'}")
