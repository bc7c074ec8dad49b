"""python manage.py seed_scale --enterprises N --substances N --records N [--monitoring N] [--hazards-per-substance A-B]

Synthetic data at province scale for benchmarks: enterprises with valid credit codes in the county
regions, substances with valid CAS numbers, one 2023 campaign, one report per enterprise (about 40 %
accepted, the rest in review states), N survey lines, N monitoring results sampled in 2023, and 2–6
hazard records per substance (a deterministic mix of half-lives, BCF, log Kow, NOEC, GHS categories and
flags, reliabilities 1–4, some qualified values) — written with PostgreSQL COPY, so a million rows take
seconds, not hours. Rows are marked (names start with 规模测试) and replaced on the next run, together
with the screening runs over them."""
import csv
import io
import itertools
import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from inventory.identifiers import uscc_check_char
from inventory.models import (
    Enterprise,
    MonitoringResult,
    MonitoringSite,
    SamplingEvent,
    Substance,
    SurveyCampaign,
    SurveyLine,
    SurveyReport,
)
from portal.models import Region
from screening.models import HazardRecord, RiskAssessment, ScreeningResult, ScreeningRun

MARK = "规模测试"
ACTIVITIES = ["produce", "use", "import", "export"]


def cas_for(n: int) -> str:
    body = f"{200000 + n}{n % 100:02d}"
    check = sum(int(d) * i for i, d in enumerate(reversed(body), start=1)) % 10
    return f"{body[:-2]}-{body[-2:]}-{check}"


def credit_code_for(region_code: str, n: int) -> str:
    first = f"91{region_code}{n:09d}"
    return first + uscc_check_char(first)


def copy_rows(model, columns, rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, "
                                  f"FORCE_NOT_NULL ({', '.join(c for c in columns if c in TEXT)}))", buffer)


TEXT = {"ec_number", "name_en", "synonyms", "park", "address", "permit_number", "contact_name", "contact_phone",
        "raw_cas", "use_category", "waste_route", "warning_note", "return_reason", "note", "unit", "raw_name", "name_zh",
        "name", "credit_code", "activity", "code", "medium", "site_type", "state", "endpoint", "compartment",
        "qualifier", "entered_value", "entered_unit", "category", "source", "reference"}
HAZARD_REFERENCE = f"{MARK}危害数据"
COMPARTMENTS = ["fresh_water", "fresh_water", "marine_water", "fresh_sediment", "marine_sediment", "soil", "soil", "air"]
# endpoint: relative weight in the mix
HAZARD_MIX = {"half_life": 30, "bcf": 14, "baf": 2, "log_kow": 12, "chronic_noec": 8, "acute_lc50": 6,
              "carcinogenicity": 5, "mutagenicity": 4, "reproductive_toxicity": 4, "stot_re": 4, "aquatic_chronic": 6,
              "endocrine_disruptor": 2, "stockholm_listed": 1, "foreign_restriction": 2}
CATEGORIES = {"carcinogenicity": ["1A", "1B", "2"], "mutagenicity": ["1A", "1B", "2"],
              "reproductive_toxicity": ["1A", "1B", "2"], "stot_re": ["1", "2"], "aquatic_chronic": ["1", "2", "3", "4"]}
FLAG_YES = {"endocrine_disruptor": 0.3, "stockholm_listed": 0.1, "foreign_restriction": 0.4}
PLACES = Decimal("1e-10")


class Command(BaseCommand):
    help = "Synthetic province-scale data for benchmarks (replaces the previous synthetic data)."

    def add_arguments(self, p):
        p.add_argument("--enterprises", type=int, default=10_000)
        p.add_argument("--substances", type=int, default=50_000)
        p.add_argument("--records", type=int, default=1_000_000, help="survey lines")
        p.add_argument("--monitoring", type=int, default=None, help="monitoring results (default: as --records)")
        p.add_argument("--hazards-per-substance", default="2-6", help="hazard records per substance, e.g. 2-6")
        p.add_argument("--seed", type=int, default=2023)

    @transaction.atomic
    def handle(self, *args, **o):
        started = time.perf_counter()
        rng = random.Random(o["seed"])
        counties = list(Region.objects.filter(level="county").values_list("pk", "code"))
        if not counties:
            raise CommandError("没有县级行政区划：请先运行 python manage.py load_reference")
        n_e, n_s, n_r = o["enterprises"], o["substances"], o["records"]
        n_m = n_r if o["monitoring"] is None else o["monitoring"]
        now = timezone.now().isoformat()
        self._reset()
        copy_rows(Substance, ["cas", "ec_number", "name_zh", "name_en", "synonyms", "created_at", "updated_at"],
                  ([cas_for(i), "", f"{MARK}物质{i}", "", "", now, now] for i in range(n_s)))
        copy_rows(Enterprise, ["credit_code", "credit_code_override", "name", "region_id", "park", "address",
                               "permit_number", "soil_key_unit", "contact_name", "contact_phone", "created_at",
                               "updated_at"],
                  ([credit_code_for(counties[i % len(counties)][1], i), "f", f"{MARK}企业{i}",
                    counties[i % len(counties)][0], "", "", "", "f", "", "", now, now] for i in range(n_e)))
        region = Region.objects.filter(level="prefecture").order_by("code").first()
        campaign = SurveyCampaign.objects.create(year=2023, kind="basic", title=f"{MARK}2023年化学物质环境信息调查",
                                                 region=region)
        enterprise_ids = list(Enterprise.objects.filter(name__startswith=MARK).values_list("pk", flat=True))
        copy_rows(SurveyReport, ["campaign_id", "enterprise_id", "state", "return_reason", "updated_at"],
                  ([campaign.pk, e, rng.choice(["draft", "submitted", "county_reviewed", "accepted", "accepted"]), "",
                    now] for e in enterprise_ids))
        report_ids = list(SurveyReport.objects.filter(campaign=campaign).values_list("pk", flat=True))
        substance_ids = list(Substance.objects.filter(name_zh__startswith=MARK).values_list("pk", "cas"))
        copy_rows(SurveyLine, ["report_id", "substance_id", "raw_name", "raw_cas", "activity", "quantity",
                               "use_category", "dispersive_use", "waste_route", "warning_note", "returned",
                               "return_reason"],
                  self._lines(rng, report_ids, substance_ids, n_r))
        sites = max(1, n_m // 200)
        copy_rows(MonitoringSite, ["code", "name", "region_id", "medium", "site_type"],
                  ([f"SCALE-{i:06d}", f"{MARK}点位{i}", counties[i % len(counties)][0],
                    rng.choice(["surface_water", "groundwater", "soil", "sediment", "air"]), "key_area"]
                   for i in range(sites)))
        site_ids = list(MonitoringSite.objects.filter(code__startswith="SCALE-").values_list("pk", flat=True))
        per_site = 10
        copy_rows(SamplingEvent, ["site_id", "sampled_on", "note"],
                  ([s, f"2023-{m + 1:02d}-15", ""] for s in site_ids for m in range(per_site)))
        samplings = list(SamplingEvent.objects.filter(site_id__in=site_ids).values_list("pk", flat=True))
        copy_rows(MonitoringResult, ["sampling_id", "substance_id", "concentration", "unit", "detection_limit",
                                     "detected"],
                  self._results(rng, samplings, substance_ids, n_m))
        low, _dash, high = o["hazards_per_substance"].partition("-")
        hazards = [0]
        copy_rows(HazardRecord, ["substance_id", "endpoint", "compartment", "qualifier", "value", "entered_value",
                                 "entered_unit", "category", "reliability", "source", "reference", "note",
                                 "created_at", "updated_at"],
                  self._hazards(random.Random(o["seed"] + 1), substance_ids, int(low), int(high or low), now, hazards))
        self.stdout.write(f"规模数据：企业 {n_e:,}，物质 {n_s:,}，调查明细 {n_r:,}，监测结果 {n_m:,}，"
                          f"危害记录 {hazards[0]:,}；"
                          f"用时 {time.perf_counter() - started:.1f} 秒")

    def _reset(self):
        # Screening runs over the synthetic substances: their results in one statement (the ORM would load them all)
        runs = list(ScreeningResult.objects.filter(substance__name_zh__startswith=MARK).values_list(
            "run_id", flat=True).distinct())
        if runs:
            RiskAssessment.objects.filter(result__run_id__in=runs).update(result=None)
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {ScreeningResult._meta.db_table} WHERE run_id = ANY(%s)", [runs])
            ScreeningRun.objects.filter(pk__in=runs).delete()
        HazardRecord.objects.filter(substance__name_zh__startswith=MARK).delete()
        MonitoringResult.objects.filter(sampling__site__code__startswith="SCALE-").delete()
        SamplingEvent.objects.filter(site__code__startswith="SCALE-").delete()
        MonitoringSite.objects.filter(code__startswith="SCALE-").delete()
        SurveyLine.objects.filter(report__campaign__title__startswith=MARK).delete()
        SurveyReport.objects.filter(campaign__title__startswith=MARK).delete()
        SurveyCampaign.objects.filter(title__startswith=MARK).delete()
        Enterprise.objects.filter(name__startswith=MARK).delete()
        Substance.objects.filter(name_zh__startswith=MARK).delete()

    @staticmethod
    def _lines(rng, report_ids, substances, n):
        """The i-th line is of substance i mod N, in its (i div N)-th round; each round shifts the report by one,
        so a substance is reported by as many enterprises as it has rounds (20 at the defaults), not by one."""
        for i in range(n):
            sid, cas = substances[i % len(substances)]
            round_ = i // len(substances)
            yield [report_ids[(i + round_) % len(report_ids)], sid, f"物质{i % len(substances)}", cas,
                   ACTIVITIES[round_ % 4], f"{rng.random() * 100:.3f}", "", "t" if rng.random() < 0.2 else "f", "",
                   "", "f", ""]

    @staticmethod
    def _results(rng, samplings, substances, n):
        """Distinct (sampling, substance) pairs: the j-th result goes to sampling a = j mod S and to substance
        (j div S + a) mod N — distinct for one sampling since j div S < N, and spread over all substances (each
        is analysed in about n / N samples) rather than concentrated on the first n / S."""
        capacity = len(samplings) * len(substances)
        if n > capacity:
            raise CommandError(f"监测结果数 {n:,} 超过采样次数 × 物质数（{capacity:,}）")
        for j in range(n):
            detected = rng.random() < 0.3
            a = j % len(samplings)
            yield [samplings[a], substances[(j // len(samplings) + a) % len(substances)][0],
                   f"{rng.random() * 50:.4f}" if detected else "", "ng/L", "0.5", "t" if detected else "f"]

    @staticmethod
    def _hazards(rng, substances, low, high, now, count):
        """low–high records per substance; numeric values log-uniform over realistic ranges, about one in eight
        with a qualifier (≥ / > / <), a few half-lives entered in hours or years."""
        endpoints, weights = list(HAZARD_MIX), list(itertools.accumulate(HAZARD_MIX.values()))
        reliabilities, reliability_weights = (1, 2, 3, 4), (2, 7, 9, 10)  # 20 %, 50 %, 20 %, 10 %
        sources = ["database", "database", "reference", "test_report", "estimate"]
        for sid, _cas in substances:
            for endpoint in rng.choices(endpoints, cum_weights=weights, k=rng.randint(low, high)):
                count[0] += 1
                reliability = rng.choices(reliabilities, cum_weights=reliability_weights)[0]
                compartment, qualifier, value, entered, unit, category = "", "=", "", "", "", ""
                if endpoint in CATEGORIES:
                    category = rng.choice(CATEGORIES[endpoint])
                elif endpoint in FLAG_YES:
                    category = "yes" if rng.random() < FLAG_YES[endpoint] else "no"
                else:
                    if endpoint == "half_life":
                        compartment = rng.choice(COMPARTMENTS)
                        number, unit = 10 ** rng.uniform(-1, 3.5), "d"
                    elif endpoint in ("bcf", "baf"):
                        number, unit = 10 ** rng.uniform(0, 4.6), "L/kg"
                    elif endpoint == "log_kow":
                        number = rng.uniform(-1.5, 8.5)
                    else:  # chronic_noec, acute_lc50 in mg/L
                        number, unit = 10 ** rng.uniform(-4, 2.5 if endpoint == "chronic_noec" else 3), "mg/L"
                    canonical = Decimal(f"{number:.4g}")
                    entered = format(canonical.normalize(), "f")
                    if unit == "d" and rng.random() < 0.1:
                        factor, unit = (Decimal(365), "年") if number > 365 else (Decimal(1) / 24, "h")
                        entered = format((canonical / factor).quantize(Decimal("0.01")).normalize(), "f")
                        canonical = Decimal(entered) * factor
                    draw = rng.random()
                    if draw < 0.06:
                        qualifier, entered = ">=", "≥" + entered
                    elif draw < 0.09:
                        qualifier, entered = ">", ">" + entered
                    elif draw < 0.12:
                        qualifier, entered = "<", "<" + entered
                    value = canonical.quantize(PLACES)
                yield [sid, endpoint, compartment, qualifier, value, entered, unit, category, reliability,
                       rng.choice(sources), HAZARD_REFERENCE, "", now, now]
