"""Computing a screening run. The exposure indicators are aggregated in SQL, one pass each over the
survey lines and the monitoring results of the run's region and year; the hazard records are read in
one pass; every substance is evaluated by the engine (screening.engine) with the run's frozen profile
version; the results, with a snapshot of their inputs, are written with COPY in one transaction.

Exposure indicators (of accepted survey reports of the run's year in the run's region and below):
* 产（用）量 tonnage = the larger of supply (生产 + 进口) and use (加工使用): a substance made and used in
  the region is not counted twice; 出口 is not counted.
* enterprises and regions reporting the substance;
* dispersive share = tonnage in lines flagged 分散式用途 / all non-export tonnage;
* detection frequency = detected / analysed samples at monitoring sites of the region sampled in the year.
Substances screened: every substance with a hazard record, and every substance with survey or
monitoring data in the run's scope."""
from __future__ import annotations

import itertools
import logging
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import orjson
from django.db import connection, connections, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from inventory.choices import Activity, ReportState
from inventory.models import MonitoringResult, Substance, SurveyLine
from portal.utils import gc_paused

from . import engine
from .choices import RunStatus
from .models import HazardRecord, ScreeningResult, ScreeningRun

log = logging.getLogger(__name__)
ZERO = Decimal(0)


def survey_aggregate(*, region, year: int) -> dict[int, tuple]:
    """Per substance: (tonnage, enterprises, regions, dispersive share) of the accepted survey lines of
    the region and year — one aggregate query."""
    lines = (SurveyLine.objects
             .filter(report__state=ReportState.ACCEPTED, report__campaign__year=year,
                     report__enterprise__region__path__startswith=region.path, substance__isnull=False)
             .values("substance_id")
             .annotate(supply=Sum("quantity", filter=Q(activity__in=[Activity.PRODUCE, Activity.IMPORT])),
                       used=Sum("quantity", filter=Q(activity=Activity.USE)),
                       total=Sum("quantity", filter=~Q(activity=Activity.EXPORT)),
                       dispersive=Sum("quantity", filter=Q(dispersive_use=True) & ~Q(activity=Activity.EXPORT)),
                       enterprises=Count("report__enterprise_id", distinct=True),
                       regions=Count("report__enterprise__region_id", distinct=True))
             .order_by())
    survey = {}
    for row in lines.iterator(chunk_size=5000):
        total = row["total"] or ZERO
        survey[row["substance_id"]] = (max(row["supply"] or ZERO, row["used"] or ZERO), row["enterprises"],
                                       row["regions"], (row["dispersive"] or ZERO) / total if total else None)
    return survey


def monitoring_aggregate(*, region, year: int) -> dict[int, tuple]:
    """Per substance: (detection frequency, samples) at the region's sites in the year — one query."""
    results = (MonitoringResult.objects
               .filter(sampling__site__region__path__startswith=region.path, sampling__sampled_on__year=year)
               .values("substance_id").annotate(samples=Count("pk"), hits=Count("pk", filter=Q(detected=True)))
               .order_by())
    return {row["substance_id"]: (Decimal(row["hits"]) / row["samples"], row["samples"])
            for row in results.iterator(chunk_size=5000)}


def exposure_combine(survey: dict, monitoring: dict) -> dict[int, engine.Exposure]:
    exposure = {}
    for substance_id in survey.keys() | monitoring.keys():
        tonnage, enterprises, regions, dispersive = survey.get(substance_id, (None, 0, 0, None))
        frequency, samples = monitoring.get(substance_id, (None, 0))
        exposure[substance_id] = engine.Exposure(tonnage=tonnage, enterprises=enterprises, regions=regions,
                                                 dispersive_share=dispersive, detection_frequency=frequency,
                                                 samples=samples)
    return exposure


def exposure_by_substance(*, region, year: int) -> dict[int, engine.Exposure]:
    """The exposure indicators of every substance in the region and year: two aggregate queries."""
    return exposure_combine(survey_aggregate(region=region, year=year),
                            monitoring_aggregate(region=region, year=year))


def _own_connection(function, **kwargs):
    """Run a read in a worker thread on its own database connection, closed afterwards."""
    try:
        return function(**kwargs)
    finally:
        connections.close_all()


def read_inputs(*, region, year: int) -> tuple[dict, dict]:
    """The exposure of every substance and every hazard record. Outside a transaction the three reads
    run side by side on three connections (PostgreSQL aggregates on one core while Python builds the
    records on another); inside one — in tests, or when called within a transaction — one after the
    other, so they see that transaction's data."""
    if connection.in_atomic_block:
        return exposure_by_substance(region=region, year=year), hazard_records()
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="screening") as pool:
        survey = pool.submit(_own_connection, survey_aggregate, region=region, year=year)
        monitoring = pool.submit(_own_connection, monitoring_aggregate, region=region, year=year)
        records = pool.submit(_own_connection, hazard_records)
        return exposure_combine(survey.result(), monitoring.result()), records.result()


def hazard_records() -> dict[int, list]:
    """Every hazard record, grouped by substance, in one pass (a plain cursor: 200,000 rows do not
    need model instances)."""
    grouped: dict[int, list] = {}
    make = engine.Record.trusted
    table = HazardRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT substance_id, id, endpoint, compartment, value, qualifier, category, reliability, "
                       f"source, reference FROM {table}")
        while True:
            rows = cursor.fetchmany(20000)
            if not rows:
                break
            for substance_id, pk, endpoint, compartment, value, qualifier, category, reliability, source, reference \
                    in rows:
                record = make(pk, endpoint, compartment, value, qualifier, category, reliability, source, reference)
                grouped.setdefault(substance_id, []).append(record)
    return grouped


def _progress(run_id: int, percent: int) -> None:
    ScreeningRun.objects.filter(pk=run_id).update(progress=percent)


COPY_COLUMNS = ("run_id", "substance_id", "rank", "tier", "tier_reason", "flags", "criteria", "exposure", "inputs",
                "override_tier", "override_reason")
# A result's `inputs`: the hazard records it used, one list each in this order (the exposure is its own
# column, the thresholds are the run's profile version — neither is repeated in every result).
INPUT_FIELDS = ("id", "endpoint", "compartment", "qualifier", "value", "category", "reliability", "source",
                "reference")


def _exposure_json(exposure: engine.Exposure | None) -> dict:
    if exposure is None:
        return {}
    return {"tonnage": None if exposure.tonnage is None else str(exposure.tonnage),
            "enterprises": exposure.enterprises, "regions": exposure.regions,
            "dispersive_share": None if exposure.dispersive_share is None else str(round(exposure.dispersive_share, 4)),
            "detection_frequency": (None if exposure.detection_frequency is None
                                    else str(round(exposure.detection_frequency, 4))),
            "samples": exposure.samples}


def _inputs(records) -> dict:
    return {"fields": INPUT_FIELDS,
            "records": [[r.id, r.endpoint, r.compartment, r.qualifier, None if r.value is None else str(r.value),
                         r.category, r.reliability, r.source, r.reference] for r in records]}


def _text(value: str) -> str:
    """A value for COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _json(value) -> str:
    # orjson writes control characters escaped, so only its backslashes need doubling for COPY.
    return orjson.dumps(value).decode().replace("\\", "\\\\")


class _RowStream:
    """The result rows in COPY's text format, made on demand while PostgreSQL reads them, so the
    whole payload is never held as one string."""

    def __init__(self, rows, run_id: int, batch: int = 2000):
        self.rows, self.prefix, self.batch = iter(rows), f"{run_id}\t", batch
        self.rank, self.buffer = 0, ""

    def _fill(self):
        lines = []
        for _key, substance_id, tier, tier_reason, flags, criteria, exposure, inputs in itertools.islice(
                self.rows, self.batch):
            self.rank += 1
            lines.append(f"{self.prefix}{substance_id}\t{self.rank}\t{tier}\t{tier_reason}\t{flags}\t{criteria}\t"
                         f"{exposure}\t{inputs}\t\t\n")
        return "".join(lines)

    def read(self, size=-1):
        while size < 0 or len(self.buffer) < size:
            more = self._fill()
            if not more:
                break
            self.buffer += more
        if size < 0:
            data, self.buffer = self.buffer, ""
        else:
            data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    readline = read


@gc_paused
def run_execute(run_id: int) -> ScreeningRun:
    """Compute a queued run. Safe to call twice: a run already done is left as it is."""
    run = ScreeningRun.objects.select_related("version__profile", "region").get(pk=run_id)
    if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
        return run
    ScreeningRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=1, job_since=timezone.now())
    code, thresholds = run.version.profile.code, run.version.thresholds
    exposure, records = read_inputs(region=run.region, year=run.year)
    _progress(run.pk, 35)
    ids = sorted(records.keys() | exposure.keys())
    cas = dict(Substance.objects.filter(pk__in=ids).values_list("pk", "cas")) if len(ids) < 20000 else dict(
        Substance.objects.values_list("pk", "cas"))
    compiled = engine.prepare(code, thresholds)
    rows = []  # (sort key, substance id, then the result's columns as text) — evaluations are not kept
    step = max(1, len(ids) // 20)
    for i, substance_id in enumerate(ids):
        used, exposed = records.get(substance_id, ()), exposure.get(substance_id)
        evaluation = engine.evaluate_prepared(compiled, used, exposed)
        # Highest score first; ties by CAS RN, then id, so a run always ranks the same way.
        key = (tuple(-x for x in evaluation.score), cas.get(substance_id) or "", substance_id)
        rows.append((key, substance_id, _text(evaluation.tier), _text(evaluation.tier_reason[:500]),
                     _json(evaluation.flags), _json([x.as_dict() for x in evaluation.criteria]),
                     _json(_exposure_json(exposed)), _json(_inputs(used))))
        if i % step == 0:
            _progress(run.pk, 35 + int(45 * i / len(ids)))
    rows.sort(key=lambda row: row[0])
    _progress(run.pk, 80)
    with transaction.atomic():
        # Locked and read again: a run delivered twice, or sent again by the recovery, is written once.
        if ScreeningRun.objects.select_for_update().filter(pk=run.pk).values_list("status", flat=True).first() not in (
                RunStatus.QUEUED, RunStatus.RUNNING):
            run.refresh_from_db()
            return run
        ScreeningResult.objects.filter(run=run).delete()
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {ScreeningResult._meta.db_table} ({', '.join(COPY_COLUMNS)}) FROM STDIN",
                _RowStream(rows, run.pk),
                size=1 << 16)
        ScreeningRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, progress=100, substances=len(rows),
                                                      finished_at=timezone.now())
    run.refresh_from_db()
    return run
