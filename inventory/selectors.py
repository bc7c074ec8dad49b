"""Reads of the inventory, scoped to what the user may see."""
from __future__ import annotations

from django.db.models import Count, Min, Q, Sum

from portal import permissions as perms

from .choices import Activity, CheckDimension, ReportState
from .models import (
    Enterprise,
    ImportRecord,
    MonitoringResult,
    MonitoringSite,
    Substance,
    SubstanceGroup,
    SurveyCampaign,
    SurveyLine,
    SurveyReport,
)


def detection_frequency(*, user=None, region=None, substances=None) -> dict[int, dict]:
    """Share of samples in which each substance was detected, in the user's region (or a given
    region) — {substance id: {"samples": n, "detected": k, "frequency": k / n}}. One query."""
    qs = MonitoringResult.objects.all()
    if user is not None:
        qs = qs.filter(perms.region_q(user, "sampling__site__region"))
    if region is not None:
        qs = qs.filter(sampling__site__region__path__startswith=region.path)
    if substances is not None:
        qs = qs.filter(substance__in=substances)
    rows = qs.values("substance_id").annotate(samples=Count("pk"), hits=Count("pk", filter=Q(detected=True)))
    return {r["substance_id"]: {"samples": r["samples"], "detected": r["hits"],
                                "frequency": r["hits"] / r["samples"] if r["samples"] else None} for r in rows}


# ---------------------------------------------------------------- lists and details
# Lists never count a whole table: pages are read one row past their end (see portal.views.paginate_light).

def _text(filters, key) -> str:
    return str(filters.get(key) or "").strip()


def _region(filters):
    from portal.models import Region

    code = _text(filters, "region")
    return Region.objects.filter(code=code).first() if code else None


def substance_list(*, user, filters=None):
    from .identifiers import _plain

    filters = filters or {}
    qs = Substance.objects.all()
    q = _text(filters, "q")
    if q:
        plain = _plain(q)
        cas_q = Q()
        if plain.replace("-", "").isdigit():
            digits = plain.replace("-", "")
            cas_q = Q(cas=f"{digits[:-3]}-{digits[-3:-1]}-{digits[-1]}") if len(digits) >= 5 else Q(cas__startswith=plain)
        qs = qs.filter(cas_q | Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(synonyms__icontains=q)
                       | Q(cas__startswith=plain))
    if _text(filters, "group").isdigit():
        qs = qs.filter(groups=int(filters["group"]))
    return qs.order_by("name_zh", "pk")


def substance_detail(*, user, pk):
    from django.shortcuts import get_object_or_404

    substance = get_object_or_404(Substance.objects.prefetch_related("groups"), pk=pk)
    lines = (SurveyLine.objects.filter(substance=substance)
             .filter(perms.region_q(user, "report__enterprise__region"))
             .values("report__campaign_id", "report__campaign__title", "report__campaign__year", "activity")
             .annotate(total=Sum("quantity"), enterprises=Count("report__enterprise_id", distinct=True))
             .order_by("-report__campaign__year", "activity"))
    frequency = detection_frequency(user=user, substances=[substance.pk]).get(substance.pk)
    activities = dict(Activity.choices)
    lines = [dict(row, activity_label=activities.get(row["activity"], row["activity"])) for row in lines]
    return substance, lines, frequency


def substance_group_list(*, user):
    return SubstanceGroup.objects.annotate(n_members=Count("members")).order_by("name")


def enterprise_list(*, user, filters=None):
    filters = filters or {}
    qs = Enterprise.objects.visible_to(user).select_related("region", "industry")
    q = _text(filters, "q")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__startswith=q.upper()) | Q(park__icontains=q))
    region = _region(filters)
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    industry = _text(filters, "industry")
    if industry:
        qs = qs.filter(industry__code__startswith=industry)
    if _text(filters, "campaign").isdigit():
        reports = SurveyReport.objects.filter(campaign_id=int(filters["campaign"]))
        if _text(filters, "state"):
            reports = reports.filter(state=filters["state"])
        qs = qs.filter(pk__in=reports.values("enterprise_id"))
    if _text(filters, "group").isdigit():
        qs = qs.filter(pk__in=SurveyLine.objects.filter(substance__groups=int(filters["group"]))
                       .values("report__enterprise_id"))
    if _text(filters, "soil_key_unit") == "1":
        qs = qs.filter(soil_key_unit=True)
    return qs.order_by("name", "pk")


def enterprise_detail(*, user, pk):
    enterprise = perms.get_visible_or_404(Enterprise.objects.select_related("region", "industry"), user, pk=pk)
    reports = (SurveyReport.objects.filter(enterprise=enterprise).select_related("campaign")
               .annotate(n_lines=Count("lines")).order_by("-campaign__year"))
    return enterprise, list(reports)


def campaign_list(*, user):
    """Campaigns the user works in: those of their region or above it (a county reviews the city's
    survey) and below it, with the number of reports in each state — one query."""
    qs = SurveyCampaign.objects.select_related("region")
    if not perms.sees_everything(user):
        region = perms.scope_region(user)
        if region is None:
            return qs.none()
        above = [region.path[:i] for i in range(1, len(region.path) + 1)]
        qs = qs.filter(Q(region__path__in=above) | Q(region__path__startswith=region.path))
    state_counts = {f"n_{state}": Count("reports", filter=Q(reports__state=state) & perms.region_q(
        user, "reports__enterprise__region")) for state in ReportState.values}
    return qs.annotate(**state_counts).order_by("-year", "title")


def campaign_detail(*, user, pk):
    from django.shortcuts import get_object_or_404

    return get_object_or_404(campaign_list(user=user), pk=pk)


def report_list(*, user, filters=None):
    filters = filters or {}
    qs = (SurveyReport.objects.visible_to(user)
          .select_related("campaign", "enterprise__region", "enterprise__industry")
          .annotate(n_lines=Count("lines"), n_returned=Count("lines", filter=Q(lines__returned=True))))
    if _text(filters, "campaign").isdigit():
        qs = qs.filter(campaign_id=int(filters["campaign"]))
    if _text(filters, "state") in ReportState.values:
        qs = qs.filter(state=filters["state"])
    region = _region(filters)
    if region is not None:
        qs = qs.filter(enterprise__region__path__startswith=region.path)
    q = _text(filters, "q")
    if q:
        qs = qs.filter(Q(enterprise__name__icontains=q) | Q(enterprise__credit_code__startswith=q.upper()))
    return qs.order_by("-updated_at", "-pk")


def reports_to_review(*, user, filters=None):
    """Reports waiting for the user's level: a county reviews submitted reports of its enterprises;
    the city reviews what the counties passed (and reports of enterprises directly under it); the
    bureau that runs a campaign accepts what its city level reviewed."""
    from portal.choices import RegionLevel

    region = perms.scope_region(user)
    qs = report_list(user=user, filters=filters)
    if region is None or not perms.can(user, "inventory.review_surveyreport"):
        return qs.none()
    if region.level == RegionLevel.COUNTY:
        return qs.filter(state=ReportState.SUBMITTED, enterprise__region__level=RegionLevel.COUNTY)
    waiting = Q(state=ReportState.COUNTY_REVIEWED) | (Q(state=ReportState.SUBMITTED) & ~Q(
        enterprise__region__level=RegionLevel.COUNTY))
    if region.level == RegionLevel.PREFECTURE:
        waiting |= Q(state=ReportState.CITY_REVIEWED, campaign__region__path__startswith=region.path)
    else:
        waiting = Q(state=ReportState.CITY_REVIEWED, campaign__region__path__startswith=region.path)
    return qs.filter(waiting)


def report_detail(*, user, pk):
    """A report with its lines (and each line's quality findings) and review history."""
    from .quality import check_report

    report = perms.get_visible_or_404(
        SurveyReport.objects.select_related("campaign__region", "enterprise__region", "enterprise__industry"),
        user, pk=pk)
    lines = list(report.lines.select_related("substance").order_by("pk"))
    findings = check_report(report, lines=lines)
    labels = dict(CheckDimension.choices)
    for line in lines:
        line.findings = [{"severity": f.severity, "label": labels.get(f.dimension, f.dimension), "message": f.message}
                         for f in findings.get(line.pk, [])]
        line.worst = ("error" if any(f["severity"] == "error" for f in line.findings)
                      else "warning" if line.findings else "pass")
    reviews = list(report.reviews.select_related("reviewer").order_by("created_at"))
    return report, lines, reviews


def curation_queue(*, user):
    """Unresolved lines (no substance linked) in the user's region, grouped by the name and CAS as
    reported, most frequent first."""
    return (SurveyLine.objects.filter(substance__isnull=True)
            .filter(perms.region_q(user, "report__enterprise__region"))
            .values("raw_name", "raw_cas")
            .annotate(n=Count("pk"), enterprises=Count("report__enterprise_id", distinct=True), first=Min("pk"))
            .order_by("-n", "raw_name"))


def site_list(*, user, filters=None):
    filters = filters or {}
    qs = MonitoringSite.objects.visible_to(user).select_related("region", "enterprise")
    if _text(filters, "medium"):
        qs = qs.filter(medium=filters["medium"])
    region = _region(filters)
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    q = _text(filters, "q")
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    return qs.annotate(n_samplings=Count("samplings")).order_by("code")


def site_detail(*, user, pk):
    site = perms.get_visible_or_404(MonitoringSite.objects.select_related("region", "enterprise"), user, pk=pk)
    results = (MonitoringResult.objects.filter(sampling__site=site).select_related("sampling", "substance")
               .order_by("-sampling__sampled_on", "substance__name_zh"))
    return site, results


def import_list(*, user):
    qs = ImportRecord.objects.select_related("actor", "campaign")
    if not perms.sees_everything(user):
        qs = qs.filter(actor=user)
    return qs.order_by("-started_at")
