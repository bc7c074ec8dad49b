"""Reads of the screening feature, scoped to what the user may see."""
from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from inventory.models import Substance
from portal import permissions as perms

from .choices import AssessmentStatus
from .models import (
    ControlProposal,
    CriteriaProfile,
    HazardRecord,
    RiskAssessment,
    ScreeningResult,
    ScreeningRun,
)


def hazard_substances(*, filters=None):
    """Substances with the number of hazard records each has (those without any first when asked)."""
    filters = filters or {}
    qs = Substance.objects.annotate(n_records=Count("hazard_records"))
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(cas__startswith=q))
    if filters.get("missing") == "1":
        qs = qs.filter(n_records=0)
    return qs.order_by("name_zh", "pk")


def hazard_records(*, substance):
    return HazardRecord.objects.filter(substance=substance).select_related("created_by").order_by(
        "endpoint", "compartment", "reliability", "pk")


def profile_list():
    return CriteriaProfile.objects.prefetch_related("versions").order_by("code")


def profile_detail(*, pk):
    profile = get_object_or_404(CriteriaProfile, pk=pk)
    versions = list(profile.versions.select_related("created_by").annotate(n_runs=Count("runs")).order_by("-number"))
    return profile, versions


def _flat(thresholds: dict, prefix="") -> dict[str, object]:
    flat = {}
    for key, value in thresholds.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = "、".join(value) if isinstance(value, list) else value
    return flat


def version_diff(old, new) -> list[tuple[str, object, object]]:
    """(threshold, old value, new value) for every threshold that differs between two versions."""
    a, b = _flat(old.thresholds), _flat(new.thresholds)
    return [(key, a.get(key), b.get(key)) for key in sorted(a.keys() | b.keys()) if a.get(key) != b.get(key)]


def run_list(*, user):
    return (ScreeningRun.objects.visible_to(user).select_related("version__profile", "region", "created_by")
            .order_by("-created_at"))


def run_detail(*, user, pk):
    run = perms.get_visible_or_404(ScreeningRun.objects.select_related("version__profile", "region", "created_by"),
                                   user, pk=pk)
    tiers = list(ScreeningResult.objects.filter(run=run).values("tier").annotate(n=Count("pk")).order_by("tier"))
    return run, tiers


def run_results(*, run, filters=None):
    filters = filters or {}
    qs = ScreeningResult.objects.filter(run=run).select_related("substance")
    tier = str(filters.get("tier") or "")
    if tier:
        qs = qs.filter(Q(override_tier=tier) | Q(override_tier="", tier=tier))
    flag = str(filters.get("flag") or "")
    if flag:
        qs = qs.filter(flags__contains=[flag])
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(substance__name_zh__icontains=q) | Q(substance__cas__startswith=q))
    order = {"rank": "rank", "name": "substance__name_zh", "-rank": "-rank"}.get(str(filters.get("sort") or ""), "rank")
    return qs.order_by(order, "pk")


def run_compare(*, user, run, other):
    """Substances of both runs with their rank and tier in each, the biggest movers first, and the
    substances only one of the runs screened."""
    mine = dict(ScreeningResult.objects.filter(run=run).values_list("substance_id", "rank"))
    theirs = dict(ScreeningResult.objects.filter(run=other).values_list("substance_id", "rank"))
    both = mine.keys() & theirs.keys()
    rows = (ScreeningResult.objects.filter(run=other, substance_id__in=both).select_related("substance")
            .only("substance_id", "rank", "tier", "override_tier", "substance__name_zh", "substance__cas"))
    tiers = {r.substance_id: r.effective_tier for r in ScreeningResult.objects.filter(run=run).only(
        "substance_id", "tier", "override_tier")}
    changes = []
    for r in rows:
        moved = mine[r.substance_id] - r.rank  # positive: ranks higher in `other`
        if moved or tiers[r.substance_id] != r.effective_tier:
            changes.append({"substance": r.substance, "rank_a": mine[r.substance_id], "rank_b": r.rank,
                            "tier_a": tiers[r.substance_id], "tier_b": r.effective_tier, "moved": moved,
                            "distance": abs(moved)})
    changes.sort(key=lambda c: (-abs(c["moved"]), c["rank_b"]))
    _explain(changes[:500], run, other)
    only_a = Substance.objects.filter(pk__in=list(mine.keys() - theirs.keys())[:200]).order_by("name_zh")
    only_b = Substance.objects.filter(pk__in=list(theirs.keys() - mine.keys())[:200]).order_by("name_zh")
    return changes, only_a, only_b


def assessment_list(*, user, filters=None):
    filters = filters or {}
    qs = RiskAssessment.objects.visible_to(user).select_related("substance", "region", "created_by")
    status = str(filters.get("status") or "")
    if status in AssessmentStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at")


def assessment_detail(*, user, pk):
    return perms.get_visible_or_404(
        RiskAssessment.objects.select_related("substance", "region", "result__run__version__profile", "created_by",
                                              "reviewed_by").prefetch_related("attachments"), user, pk=pk)


def proposal_list(*, user):
    return ControlProposal.objects.visible_to(user).select_related("substance", "region", "assessment").order_by(
        "-created_at")


OUTCOMES = {"met": "符合", "not_met": "不符合", "missing": "数据缺失", "indeterminate": "不确定", "surrogate": "仅有筛查提示"}


def _explain(changes, run, other) -> None:
    """Why each substance moved: the criteria whose outcome differs between the runs (with B's
    reason), and the exposure figures that changed."""
    ids = [c["substance"].pk for c in changes]
    a = {r[0]: r[1:] for r in ScreeningResult.objects.filter(run=run, substance_id__in=ids).values_list(
        "substance_id", "criteria", "exposure")}
    b = {r[0]: r[1:] for r in ScreeningResult.objects.filter(run=other, substance_id__in=ids).values_list(
        "substance_id", "criteria", "exposure")}
    for change in changes:
        (crit_a, exp_a), (crit_b, exp_b) = a[change["substance"].pk], b[change["substance"].pk]
        before = {x["code"]: x for x in crit_a}
        why = []
        for item in crit_b:
            old = before.get(item["code"])
            if old is None or old["outcome"] != item["outcome"]:
                why.append(f"{item['code']}：{OUTCOMES.get(old['outcome'], old['outcome']) if old else '—'} → "
                           f"{OUTCOMES.get(item['outcome'], item['outcome'])}（{item['reason']}）")
        labels = {"tonnage": "产（用）量", "enterprises": "企业数", "detection_frequency": "检出率",
                  "dispersive_share": "分散式用途占比"}
        for key, label in labels.items():
            if (exp_a or {}).get(key) != (exp_b or {}).get(key):
                why.append(f"{label}：{(exp_a or {}).get(key) or '—'} → {(exp_b or {}).get(key) or '—'}")
        change["why"] = why or ["其他物质的排名变化"]
