"""Reads of the controls feature, scoped to what the user may see."""
from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404

from .models import ControlEntry, ControlledEnterprise, ControlList, ControlMeasure, EntrySubstance


def list_list(*, user):
    return (ControlList.objects.visible_to(user).select_related("region")
            .annotate(n_entries=Count("entries", distinct=True)).order_by("-status", "kind", "-year", "name"))


def list_detail(*, user, pk):
    clist = get_object_or_404(ControlList.objects.visible_to(user).select_related("region", "base", "previous"), pk=pk)
    entries = (clist.entries.order_by("number")
               .prefetch_related(Prefetch("entry_substances", queryset=EntrySubstance.objects.order_by("pk")),
                                 Prefetch("measures", queryset=ControlMeasure.objects.order_by("pk")
                                          .prefetch_related("departments"))))
    return clist, list(entries)


def controlled_list(*, user, clist, filters=None):
    filters = filters or {}
    qs = (ControlledEnterprise.objects.visible_to(user).filter(list=clist)
          .select_related("enterprise__region", "enterprise__industry"))
    status = str(filters.get("status") or "")
    if status:
        qs = qs.filter(status=status)
    region = str(filters.get("region") or "").strip()
    if region:
        qs = qs.filter(enterprise__region__code__startswith=region.rstrip("0") or region)
    q = str(filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(enterprise__name__icontains=q) | Q(enterprise__credit_code__startswith=q.upper()))
    return qs.order_by("enterprise__name", "pk")


def entry_names(clist) -> dict[int, str]:
    return dict(ControlEntry.objects.filter(list=clist).values_list("number", "name"))
