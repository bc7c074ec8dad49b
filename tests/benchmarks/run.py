"""make bench: every benchmark of the portal in one run, one table, and bench-results.json.

Benchmarks are not tests: they measure and report, they never fail on a time. Each module
tests/benchmarks/bench_*.py exposes run() -> list of rows {"workload", "figure", "value", "unit",
"floor", "target", "met"} (optional "ratio"). Modules that need data get a fresh database
(bench_portal on the test server), created here and dropped at the end.

    make bench                      # all
    make bench BENCH_ARGS=reminders # only modules whose name contains "reminders"
"""
from __future__ import annotations

import datetime
import importlib
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")


def main(argv):
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_databases, teardown_databases

    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_portal"
    wanted = [a for a in argv if not a.startswith("-")]
    modules = sorted(p.stem for p in (ROOT / "tests" / "benchmarks").glob("bench_*.py"))
    modules = [m for m in modules if not wanted or any(w in m for w in wanted)]
    print(f"benchmarks: {', '.join(modules)}", flush=True)
    old = setup_databases(verbosity=0, interactive=False)
    rows, started, failed = [], time.time(), []
    try:
        for name in modules:
            module = importlib.import_module(f"tests.benchmarks.{name}")
            t0 = time.perf_counter()
            try:
                for row in module.run():
                    row.setdefault("module", name)
                    rows.append(row)
            except Exception as exc:  # one broken benchmark must not hide the others' figures
                traceback.print_exc()
                failed.append(name)
                rows.append({"module": name, "workload": f"{name}: stopped with an error", "figure": repr(exc)[:80],
                             "met": False})
            print(f"  {name}: {time.perf_counter() - t0:.1f} s", flush=True)
    finally:
        teardown_databases(old, verbosity=0)
    print_table(rows)
    result = {
        "when": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "seconds": round(time.time() - started, 1),
        "rows": rows,
    }
    (ROOT / "bench-results.json").write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str),
                                             encoding="utf-8")
    print(f"written: {ROOT / 'bench-results.json'}")
    return 1 if failed else 0


def print_table(rows):
    columns = ("workload", "figure", "floor", "ratio", "target", "met")
    table = [[str(r.get(c, "")) if c != "met" else ("yes" if r.get("met") else "NO") for c in columns] for r in rows]

    def width(text):
        return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

    widths = [max([width(c)] + [width(row[i]) for row in table]) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    print("\n" + line + "\n" + "-" * width(line))
    for row in table:
        print("  ".join(cell + " " * (w - width(cell)) for cell, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
