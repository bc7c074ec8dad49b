"""Reads of the inventory, scoped to what the user may see."""
from __future__ import annotations

from django.db.models import Count, Q

from portal import permissions as perms

from .models import MonitoringResult


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
